#!/usr/bin/env bash
# Issue 3's size criterion, time-matched: does p99 at 2,500 decisions/s depend on the ledger's size?
#
#   arbiter-bench/load/size-compare.sh [ENTRIES] [PAIRS]        # defaults: 5000000 entries, 3 pairs
#
# Engine A (`arbiter quickstart` on a new data directory) is measured fresh, then filled past ENTRIES
# ledger entries through POST /v1/decisions (wrk, closed loop, 128 connections, 30 s rounds) and
# measured again PAIRS times in the same JVM. Beside each of A's runs, before and after the fill, a new
# engine B on a new, empty ledger is measured and removed. B answers the question the plain
# before/after comparison cannot: on this host a fill (~20 GB written in ~3 min) leaves the machine
# slower for minutes, for an empty ledger too (BENCHMARKS.md), so only runs at the same time can say
# what the ledger's size does. Every run: open loop at 2,500/s for 40 s after a 20 s warm-up, 128
# connections, latency from each request's due time (openloop.c). Prints one line per run and the
# medians of A's and B's p99 after the fill.
#
# Needs wrk, a C compiler, python3, curl, JAVA_HOME at a JDK 21+ (or one in /usr/lib/jvm), ~25 GB of
# disk for 5M entries. Data directories live under ${OUT:-/tmp/arbiter-size-compare}, removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
entries=${1:-5000000}
pairs=${2:-3}
out=${OUT:-/tmp/arbiter-size-compare}
rm -rf "$out"; mkdir -p "$out"
cc -O2 -o "$out/openloop" "$here/openloop.c"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$out"' EXIT

started=
start() { # start DIR PORT: runs a quickstart there, returns once quickstart.json is written; its pid in $started
  local dir=$1 port=$2
  mkdir -p "$dir"; rm -f "$dir/quickstart.json"
  (cd "$root" && exec ./arbiter quickstart --dir "$dir" --port-base "$port" > "$dir/quickstart.log" 2>&1) &
  started=$!; pids+=("$started")
  for _ in $(seq 1 1200); do [[ -f "$dir/quickstart.json" ]] || ! kill -0 $started 2>/dev/null && break; sleep 0.5; done
  [[ -f "$dir/quickstart.json" ]] || { echo "quickstart did not start; see $dir/quickstart.log" >&2; exit 1; }
}
field() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['identities']['agent'][sys.argv[2]])" "$1/quickstart.json" "$2"; }
body() { # the auto-allowed dev read request of decisions-run.sh, for the agent of DIR
  printf '%s' '{"action":{"class":"read","tool":"grafana","intent":"check error rate","target":{"type":"dashboard","id":"payments-slo"},"payload":{}},"context":{"actor":{"id":"'"$(field "$1" subject)"'"},"environment":"dev"}}' > "$1/body.json"
}
measure() { # measure DIR PORT LABEL: one open-loop run; prints p50/p90/p99/max
  local res
  res=$("$out/openloop" --host 127.0.0.1 --port "$2" --path /v1/decisions --rate 2500 --seconds 40 --warmup 20 --conns 128 \
    --header "Authorization: Bearer $(field "$1" token)" --body-file "$1/body.json" --idempotency-prefix "sc-$$-$3" --expect 201 | tail -1)
  python3 -c "import json,sys;d=json.loads(sys.argv[1]);print('p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.1f ms  ok %d' % (d['p50_ms'],d['p90_ms'],d['p99_ms'],d['max_ms'],d['ok']))" "$res"
}
leaves() { # the ledger's size: the leaf index of one more decision's receipt, plus one
  curl -s -X POST -H "Authorization: Bearer $(field "$1" token)" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: size-$$-$RANDOM$RANDOM" --data-binary @"$1/body.json" "http://127.0.0.1:$2/v1/decisions" |
    python3 -c "import json,sys;print(json.load(sys.stdin)['receipt']['leaf_index'] + 1)"
}
run_b() { # a new engine B on a new, empty ledger: one run, then stopped and removed
  local dir="$out/b-$1"
  start "$dir" 19100; body "$dir"
  echo "B $1  $(date +%T)  empty ledger          $(measure "$dir" 19100 "b$1" | tee -a "$out/b.txt")"
  kill "$started"; wait "$started" 2>/dev/null || true; rm -rf "$dir"
}

a="$out/a"
start "$a" 19000; body "$a"
uptime
echo "A fresh  $(date +%T)  $(leaves "$a" 19000) entries       $(measure "$a" 19000 a0)"
run_b 0
token=$(field "$a" token)
while (( $(leaves "$a" 19000) < entries )); do
  "$here/post-lua.sh" "$token" "$a/body.json" > "$out/post.lua"
  echo "fill  $(date +%T)  $(wrk -t1 -c128 -d30s -s "$out/post.lua" http://127.0.0.1:19000 | sed -n 's/^Requests\/sec: *//p') decisions/s, ledger at $(leaves "$a" 19000) entries"
done
sleep 10
for i in $(seq 1 "$pairs"); do
  echo "A $i  $(date +%T)  $(leaves "$a" 19000) entries, same JVM  $(measure "$a" 19000 "a$i" | tee -a "$out/a.txt")"
  run_b "$i"
done
python3 - "$out/a.txt" "$out/b.txt" <<'PY'
import re, statistics, sys
p99 = lambda f: [float(re.search(r'p99 ([\d.]+)', l).group(1)) for l in open(f)]
a, b = p99(sys.argv[1]), p99(sys.argv[2])[1:]  # B 0 ran before the fill
ma, mb = statistics.median(a), statistics.median(b)
print(f"after the fill: median p99 A (filled ledger) {ma:.2f} ms, B (empty ledgers) {mb:.2f} ms: A/B = {ma / mb:.2f}")
PY
