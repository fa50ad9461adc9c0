#!/usr/bin/env bash
# Gateway executions against the direct call to the same upstream, in one GatewayLoadBench --serve JVM
# (a fresh grant per request; wrk, C, one thread, on the same cores):
#   arbiter-bench/wrk/gateway-latency.sh arbiter-bench/target/benchmarks.jar LABEL [java options]
# Prints the raw single-thread Ed25519 verify rate of the same JVM, then: 10 s warm-up at 32
# connections (not reported), gateway and direct at 1 connection (the gateway-added latency is the
# difference of the two p50s), gateway at 32 and 256 connections, direct at 32.
# C1_ONLY=N: after the warm-up, only N runs of the gateway at one connection (for before/after of latency).
JAR=$1; L=$2; shift 2
D=$(mktemp -d /tmp/gwlat-XXXX)
java "$@" -cp "$JAR" dev.arbiter.bench.GatewayLoadBench --serve 300 --grants "${GRANTS_N:-120000}" --data-dir "$D" > "$D/serve.out" 2>"$D/serve.err" &
until grep -q '^ready' "$D/serve.out" 2>/dev/null; do sleep 1; done
PID=$!
GW=$(sed -n 's/^ready gateway=\([0-9]*\).*/\1/p' "$D/serve.out"); UP=$(sed -n 's/^ready.*upstream=\([0-9]*\).*/\1/p' "$D/serve.out")
grep -E '^machine|^raw' "$D/serve.out"
LUA="$(dirname "$0")/gateway.lua"
OFF=0
run() { # connections seconds label url with-grants(g|d)
  if [ "$5" = g ]; then out=$(GRANTS=$D/grants.txt BODY=$D/body.json OFFSET=$OFF wrk -t1 -c"$1" -d"$2"s -s "$LUA" "$4")
  else out=$(BODY=$D/body.json wrk -t1 -c"$1" -d"$2"s -s "$LUA" "$4"); fi
  n=$(echo "$out" | sed -n 's/^requests=\([0-9]*\).*/\1/p'); [ "$5" = g ] && OFF=$((OFF + n + $1))
  echo "$L $3 c=$1 $(echo "$out" | sed -n 's/^Requests\/sec: *//p')/s $(echo "$out" | grep '^requests') load=$(cut -d' ' -f1 /proc/loadavg)"
}
run 32 10 warm-up "http://127.0.0.1:$GW/tools/deployer" g > /dev/null
if [ -n "${C1_ONLY:-}" ]; then
  for _ in $(seq 1 "$C1_ONLY"); do run 1 10 gateway "http://127.0.0.1:$GW/tools/deployer" g; done
  kill $PID; wait; rm -rf "$D"; exit 0
fi
run 1 10 gateway "http://127.0.0.1:$GW/tools/deployer" g
run 1 10 direct "http://127.0.0.1:$UP/execute" d
run 32 10 gateway "http://127.0.0.1:$GW/tools/deployer" g
run 256 10 gateway "http://127.0.0.1:$GW/tools/deployer" g
run 32 10 direct "http://127.0.0.1:$UP/execute" d
kill $PID; wait; rm -rf "$D"
