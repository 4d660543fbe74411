-- wrk script for GET /api/v1/ping/ with a token: counts the answers by status, as the check-in script
-- does, so both runs carry the same client-side work.
--   wrk -t2 -c16 -d15s -s benchmarks/monitoring_ping.lua http://127.0.0.1:8765 -- <token>
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  ok, bad = 0, 0
  req = wrk.format("GET", "/api/v1/ping/", { ["Authorization"] = "Token " .. args[1] })
end

function request()
  return req
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("RESULT ok=%d bad=%d duration_us=%d p50_us=%d p99_us=%d\n", total_ok, total_bad,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
