-- wrk script for GatewayLoadBench --serve: POST the body with a fresh grant per request.
--   GRANTS=DIR/grants.txt BODY=DIR/body.json [OFFSET=0] [PACE_MS=0] wrk -t1 -c32 -d10s -s gateway.lua http://127.0.0.1:PORT/tools/deployer
-- Without GRANTS it posts the body with no grant header (the direct call to the upstream).
-- PACE_MS > 0 makes each connection wait that long between requests (a rough fixed rate).
local grants = {}
local path = os.getenv("GRANTS")
if path then
  for line in io.lines(path) do grants[#grants + 1] = line end
end
local f = assert(io.open(os.getenv("BODY"), "rb"))
local body = f:read("*a")
f:close()
local i = tonumber(os.getenv("OFFSET") or "0")
local pace = tonumber(os.getenv("PACE_MS") or "0")

request = function()
  local headers = {["Content-Type"] = "application/json"}
  if #grants > 0 then
    i = i + 1
    if i > #grants then error("out of grants") end
    headers["Arbiter-Grant"] = grants[i]
  end
  return wrk.format("POST", nil, headers, body)
end

if pace > 0 then
  delay = function() return pace end
end

done = function(summary, latency, requests)
  io.write(string.format("requests=%d errors(status)=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
