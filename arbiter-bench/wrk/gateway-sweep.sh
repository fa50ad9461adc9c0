#!/usr/bin/env bash
# Gateway throughput by wrk connection count (GatewayLoadBench --serve, a fresh grant per request).
#   arbiter-bench/wrk/gateway-sweep.sh JAR LABEL CONNECTIONS...   e.g. ... benchmarks.jar after 32 128 256 512
JAR=$1; L=$2; shift 2
D=$(mktemp -d /tmp/gwscale-XXXX)
java -cp $JAR dev.arbiter.bench.GatewayLoadBench --serve 300 --grants ${GRANTS_N:-120000} --data-dir $D > $D/serve.out 2>$D/serve.err &
until grep -q '^ready' $D/serve.out 2>/dev/null; do sleep 1; done
GW=$(sed -n 's/^ready gateway=\([0-9]*\).*/\1/p' $D/serve.out); UP=$(sed -n 's/^ready.*upstream=\([0-9]*\).*/\1/p' $D/serve.out)
OFF=0
for c in "$@"; do
  out=$(GRANTS=$D/grants.txt BODY=$D/body.json OFFSET=$OFF wrk -t1 -c$c -d8s -s "$(dirname "$0")/gateway.lua" http://127.0.0.1:$GW/tools/deployer)
  n=$(echo "$out" | sed -n 's/^requests=\([0-9]*\).*/\1/p'); OFF=$((OFF+n+c))
  echo "$L gateway c=$c $(echo "$out" | sed -n 's/^Requests\/sec: *//p')/s $(echo "$out" | grep '^requests') non2xx=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p') load=$(cut -d' ' -f1 /proc/loadavg)"
done
kill %1; wait
