#!/usr/bin/env bash
# Prints a wrk script that POSTs BODY_FILE to /v1/decisions with the bearer TOKEN and an
# Idempotency-Key unique to this call and request (Lua's math.random is not seeded, so the run id
# comes from here): a replayed key is answered from memory and writes nothing.
#   arbiter-bench/load/post-lua.sh TOKEN BODY_FILE > post.lua
set -euo pipefail
cat <<LUA
local counter = 0
local run_id = "$(date +%s%N)-$RANDOM"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${1:?token}"
wrk.body = '$(cat "${2:?body file}")'
request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = "load-" .. run_id .. "-" .. counter
  return wrk.format(nil, "/v1/decisions")
end
LUA
