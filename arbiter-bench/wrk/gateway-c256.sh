#!/usr/bin/env bash
# Throughput at 256 connections, sampled: one GatewayLoadBench --serve JVM, 10 s at 32 connections
# (warm-up, not reported), then three 8 s runs at 256 (a fresh grant per request; wrk, one thread):
#   arbiter-bench/wrk/gateway-c256.sh arbiter-bench/target/benchmarks.jar LABEL
JAR=$1; L=$2
D=$(mktemp -d /tmp/gw256-XXXX)
java -cp "$JAR" dev.arbiter.bench.GatewayLoadBench --serve 300 --grants 150000 --data-dir "$D" > "$D/serve.out" 2>"$D/serve.err" &
PID=$!
until grep -q '^ready' "$D/serve.out" 2>/dev/null; do sleep 1; done
GW=$(sed -n 's/^ready gateway=\([0-9]*\).*/\1/p' "$D/serve.out")
LUA="$(dirname "$0")/gateway.lua"
OFF=0
run() {
  out=$(GRANTS=$D/grants.txt BODY=$D/body.json OFFSET=$OFF wrk -t1 -c"$1" -d"$2"s -s "$LUA" "http://127.0.0.1:$GW/tools/deployer")
  n=$(echo "$out" | sed -n 's/^requests=\([0-9]*\).*/\1/p'); OFF=$((OFF + n + $1))
  echo "$L c=$1 $(echo "$out" | sed -n 's/^Requests\/sec: *//p')/s"
}
run 32 10 > /dev/null
for i in 1 2 3; do run 256 8; done
kill $PID; wait; rm -rf "$D"
