#!/usr/bin/env bash
# POST /v1/decisions load against `arbiter quickstart` (engine + dev issuer + gateway, durable SQLite
# ledger), with the agent's token and the auto-allowed dev read request; every request has its own
# Idempotency-Key (a replayed key is answered from memory and writes nothing, which would flatter
# the numbers).
#
#   arbiter-bench/load/decisions-run.sh closed SECONDS CONNECTIONS     # wrk, closed loop
#   arbiter-bench/load/decisions-run.sh open RATE SECONDS [CONNECTIONS] # openloop.c, latency from due time
#                                         (TRACE=FILE: one line per answer, due time and latency)
#   arbiter-bench/load/decisions-run.sh hello SECONDS CONNECTIONS      # the same wrk run against HelloServer.java
#   arbiter-bench/load/decisions-run.sh fill ENTRIES                   # closed loop (wrk, 128 connections, 30 s
#                                         rounds) until the ledger holds ENTRIES entries
#
# DIR=PATH runs the quickstart on that data directory and keeps it (a ledger to fill once, then measure
# again and again: each start replays it); without DIR every run gets a new, empty one, removed after.
# Each warms up for 20 s first (JIT), with its own keys. Needs wrk (closed, hello) or a C compiler
# (open), JAVA_HOME at a JDK 21+ (hello), and the bench jar (./mvnw -q -pl arbiter-bench -am -DskipTests package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode=${1:?closed|open}
port=${PORT:-18700}
if [[ -n "${DIR:-}" ]]; then
  dir=$DIR; mkdir -p "$dir"; rm -f "$dir/quickstart.json"
  trap 'kill $qs 2>/dev/null || true; wait $qs 2>/dev/null || true' EXIT
else
  dir=$(mktemp -d /tmp/arbiter-load.XXXXXX)
  trap 'kill $qs 2>/dev/null || true; wait $qs 2>/dev/null || true; rm -rf "$dir"' EXIT
fi
cd "$root" # the quickstart reads examples/ from the repository root
"$root/arbiter" quickstart --dir "$dir" --port-base "$port" > "$dir/quickstart.log" 2>&1 &
qs=$!
# A large ledger is replayed before the engine answers (~2 min for 12M entries here).
for _ in $(seq 1 1200); do [[ -f "$dir/quickstart.json" ]] || ! kill -0 $qs 2>/dev/null && break; sleep 0.5; done
[[ -f "$dir/quickstart.json" ]] || { echo "quickstart did not start; see $dir/quickstart.log" >&2; exit 1; }
token=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['identities']['agent']['token'])" "$dir/quickstart.json")
subject=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['identities']['agent']['subject'])" "$dir/quickstart.json")
body='{"action":{"class":"read","tool":"grafana","intent":"check error rate","target":{"type":"dashboard","id":"payments-slo"},"payload":{}},"context":{"actor":{"id":"'"$subject"'"},"environment":"dev"}}'
printf '%s' "$body" > "$dir/body.json"
wrk_script() { "$here/post-lua.sh" "$token" "$dir/body.json" > "$dir/post.lua"; } # keys unique to each call
leaves() { # the ledger's size: the leaf index of one more decision's receipt, plus one
  curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: size-$$-$RANDOM$RANDOM" --data-binary @"$dir/body.json" "http://127.0.0.1:$port/v1/decisions" |
    python3 -c "import json,sys;print(json.load(sys.stdin)['receipt']['leaf_index'] + 1)"
}
uptime
echo "ledger entries at start: $(leaves)"
case "$mode" in
  closed)
    seconds=${2:?seconds}; conns=${3:?connections}
    wrk_script; wrk -t1 -c"$conns" -d20s -s "$dir/post.lua" "http://127.0.0.1:$port" > /dev/null
    wrk_script; wrk -t1 -c"$conns" -d"${seconds}s" -s "$dir/post.lua" --latency "http://127.0.0.1:$port"
    ;;
  open)
    rate=${2:?rate}; seconds=${3:?seconds}; conns=${4:-128}
    cc -O2 -o "$dir/openloop" "$here/openloop.c"
    "$dir/openloop" --host 127.0.0.1 --port "$port" --path /v1/decisions --rate "$rate" --seconds "$seconds" \
      --warmup 20 --conns "$conns" --header "Authorization: Bearer $token" --body-file "$dir/body.json" \
      --idempotency-prefix "load-$$" --expect 201 ${TRACE:+--trace "$TRACE"}
    ;;
  hello)
    seconds=${2:?seconds}; conns=${3:?connections}
    hp=$((port + 10))
    "$JAVA_HOME/bin/java" -cp "$root/arbiter-bench/target/benchmarks.jar" "$here/HelloServer.java" "$hp" > "$dir/hello.log" 2>&1 &
    hello=$!
    for _ in $(seq 1 60); do curl -s -o /dev/null -X POST "http://127.0.0.1:$hp/v1/decisions" && break; sleep 0.5; done
    wrk_script; wrk -t1 -c"$conns" -d20s -s "$dir/post.lua" "http://127.0.0.1:$hp" > /dev/null
    wrk_script; wrk -t1 -c"$conns" -d"${seconds}s" -s "$dir/post.lua" --latency "http://127.0.0.1:$hp"
    kill $hello
    ;;
  fill)
    entries=${2:?entries}
    while (( $(leaves) < entries )); do
      wrk_script; wrk -t1 -c128 -d30s -s "$dir/post.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|Non-2xx'
      echo "ledger entries: $(leaves)"
    done
    ;;
  *) echo "usage: $0 closed SECONDS CONNECTIONS | open RATE SECONDS [CONNECTIONS] | hello SECONDS CONNECTIONS | fill ENTRIES" >&2; exit 2 ;;
esac
