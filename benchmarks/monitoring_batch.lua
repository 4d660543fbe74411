-- wrk script for POST /api/v1/checkins/batch/: each line of the list file is "<token> <body file>", one
-- batch of up to 5,000 new readings of one firm, sent one after another on one connection.
-- wrk runs for its whole -d duration whatever a script does, so this script times the batches itself
-- (gettimeofday through LuaJIT's ffi: from the first request written to the last answer read) and, when
-- every batch is answered, creates the file named by $BENCH_DONE_FILE; the caller then stops wrk with
-- SIGINT, and done() prints the figures.
--   BENCH_DONE_FILE=/tmp/done wrk -t1 -c1 -d600s --timeout 120s -s benchmarks/monitoring_batch.lua \
--       http://127.0.0.1:8765 -- <list>
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  items = {}
  for line in io.lines(args[1]) do
    local token, path = line:match("^(%S+) (%S+)$")
    first_token = first_token or token
    local f = assert(io.open(path, "rb"))
    local body = f:read("*a")
    f:close()
    items[#items + 1] = wrk.format("POST", "/api/v1/checkins/batch/",
      { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }, body)
  end
  ping = wrk.format("GET", "/api/v1/ping/", { ["Authorization"] = "Token " .. first_token })
  answered, stored, duplicates, errors, bad, calls = 0, 0, 0, 0, 0, 0
  started_us, finished_us = 0, 0
end

function request()
  -- One connection, one request in flight: the next batch is the one after the last answered. Should
  -- wrk ask again before an answer (a reconnect), it gets the same batch, which the server would answer
  -- as duplicates, not as new rows. Once all are answered, a cheap GET fills the time until SIGINT.
  if answered >= #items then return ping end
  calls = calls + 1
  if started_us == 0 then started_us = now_us() end
  return items[answered + 1]
end

function response(status, headers, body)
  if answered >= #items then return end
  answered = answered + 1
  if status == 200 then
    stored = stored + tonumber(body:match('"stored":(%d+)'))
    duplicates = duplicates + tonumber(body:match('"duplicates":(%d+)'))
    errors = errors + tonumber(body:match('"errors":(%d+)'))
  else
    bad = bad + 1
    io.stderr:write(string.format("status %d: %s\n", status, body:sub(1, 300)))
  end
  if answered == #items then
    finished_us = now_us()
    local marker = os.getenv("BENCH_DONE_FILE")
    if marker then io.open(marker, "w"):close() end
  end
end

function done(summary, latency, requests)
  local t = threads[1]
  io.write(string.format(
    "RESULT batches=%d stored=%d duplicates=%d errors=%d bad=%d requests=%d duration_us=%d\n",
    t:get("answered"), t:get("stored"), t:get("duplicates"), t:get("errors"), t:get("bad"), t:get("calls"),
    t:get("finished_us") - t:get("started_us")))
end
