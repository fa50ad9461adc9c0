# Latency of governed calls through a running `arbiter quickstart`, one at a time:
#   python3 arbiter-bench/load/quickstart-gateway-latency.py DIR/quickstart.json [CALLS [WARMUP]]
# For each call: a fresh auto-allowed decision (examples.auto_allow, new Idempotency-Key), then the
# timed POST of its payload to the gateway with that decision's grant. Prints p50/p90/p99 of the
# gateway calls (keep-alive connections to the engine and the gateway). Defaults: 2000 calls, 600 warm-up.
import json, http.client, uuid, sys, time
q = json.load(open(sys.argv[1])); n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
warm = int(sys.argv[3]) if len(sys.argv) > 3 else 600
def conn(url):
    h, p = url.split('//')[1].rstrip('/').split('/')[0].split(':')
    return http.client.HTTPConnection(h, int(p))
eng = conn(q['engine_url']); gw = conn(q['gateway_url'])
ex = q['examples']['auto_allow']; tok = q['identities']['agent']['token']
body = json.dumps(ex['action']['payload']).encode()
path = '/tools/' + ex['action']['tool']
lat = []
for i in range(n + warm):
    eng.request('POST', '/v1/decisions', json.dumps(ex), {'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json', 'Idempotency-Key': str(uuid.uuid4())})
    r = eng.getresponse(); d = json.loads(r.read())
    g = d['grant']
    t0 = time.perf_counter()
    gw.request('POST', path, body, {'Content-Type': 'application/json', 'Arbiter-Grant': g})
    r = gw.getresponse(); r.read()
    t = time.perf_counter() - t0
    if r.status != 200:
        sys.exit('gateway answered %d' % r.status)
    if i >= warm: lat.append(t * 1000)
lat.sort()
print('n=%d p50=%.2fms p90=%.2fms p99=%.2fms' % (len(lat), lat[len(lat)//2], lat[int(len(lat)*.9)], lat[int(len(lat)*.99)]))
