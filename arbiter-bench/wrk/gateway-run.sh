#!/usr/bin/env bash
# Gateway executions with wrk as the load generator (see GatewayLoadBench --serve).
#   arbiter-bench/wrk/gateway-run.sh [JAR] [CONNECTIONS] [PACE_MS] [SECONDS]
set -euo pipefail
JAR=${1:-arbiter-bench/target/benchmarks.jar}
C=${2:-32}
PACE=${3:-6}
S=${4:-10}
LUA=$(dirname "$0")/gateway.lua
DIR=$(mktemp -d /tmp/arbiter-gw-XXXX)
java ${BENCH_JAVA_OPTS:-} -cp "$JAR" dev.arbiter.bench.GatewayLoadBench --serve 600 --grants ${GRANTS_N:-250000} --data-dir "$DIR" \
  > "$DIR/serve.out" 2> "$DIR/serve.err" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until grep -q '^ready' "$DIR/serve.out"; do sleep 1; kill -0 $PID; done
cat "$DIR/serve.out"
GW=$(sed -n 's/^ready gateway=\([0-9]*\).*/\1/p' "$DIR/serve.out")
UP=$(sed -n 's/^ready.*upstream=\([0-9]*\).*/\1/p' "$DIR/serve.out")
OFF=0
run() { # label pace seconds kind
  local label=$1 pace=$2 secs=$3 kind=$4 out
  if [ "$kind" = gateway ]; then
    out=$(GRANTS=$DIR/grants.txt BODY=$DIR/body.json OFFSET=$OFF PACE_MS=$pace wrk -t1 -c$C -d${secs}s -s "$LUA" http://127.0.0.1:$GW/tools/deployer)
  else
    out=$(BODY=$DIR/body.json PACE_MS=$pace wrk -t1 -c$C -d${secs}s -s "$LUA" http://127.0.0.1:$UP/execute)
  fi
  local reqs rps line
  line=$(echo "$out" | grep '^requests=')
  rps=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
  reqs=$(echo "$line" | sed 's/requests=\([0-9]*\).*/\1/')
  [ "$kind" = gateway ] && OFF=$((OFF + reqs + C)) # requests cut off at the end may have burned their grant
  echo "$label c=$C pace=${pace}ms ${secs}s: ${rps}/s $line non2xx=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p') load=$(cut -d' ' -f1-3 /proc/loadavg)"
}
run "warm-up direct " 0 5 direct
run "warm-up gateway" 0 5 gateway
run "direct  (max)  " 0 "$S" direct
run "gateway (max)  " 0 "$S" gateway
run "direct  (paced)" "$PACE" "$S" direct
run "gateway (paced)" "$PACE" "$S" gateway
run "direct  (max)  " 0 "$S" direct
echo "grants used: $OFF; ledger + burn store in $DIR"
grep -c 'unreachable\|ERROR' "$DIR/serve.err" | sed 's/^/gateway log errors: /' || true
