-- wrk script for POST /api/v1/checkins/: every request a new reading (a distinct employee and round).
-- The data file has one request a line: "<token> <employee id> <round> <client key> <measured at>".
-- Thread k of n
-- takes lines k, k+n, k+2n…, so no two requests of the run repeat. The ids of the rows the 2xx answers
-- name are written to $BENCH_IDS_FILE so that the caller can check them against the table.
--   wrk -t2 -c16 -d15s -s benchmarks/monitoring_checkin.lua http://127.0.0.1:8765 -- <data> <threads>   (env BENCH_IDS_FILE: where the ids go)
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  items = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then
      local token, employee, round, key, at = line:match("^(%S+) (%S+) (%S+) (%S+) (%S+)$")
      local body = string.format(
        '{"employee": %s, "round": %s, "temperature": "36.%d", "client_key": "%s", "measured_at": "%s"}',
        employee, round, n % 8, key, at)
      items[#items + 1] = wrk.format("POST", "/api/v1/checkins/",
        { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" }, body)
    end
    n = n + 1
  end
  next_item, created, repeated, bad, ids = 0, 0, 0, 0, {}
end

function request()
  next_item = next_item + 1
  if next_item > #items then
    -- The list ran out: a resend of the last one (answered 200, not a new row) keeps wrk going.
    return items[#items]
  end
  return items[next_item]
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    ids[#ids + 1] = body:match('"id":(%d+)')
  elseif status >= 200 and status < 300 then
    repeated = repeated + 1
  else
    bad = bad + 1
    if bad <= 3 then io.stderr:write(string.format("status %d: %s\n", status, body:sub(1, 300))) end
  end
end

function done(summary, latency, requests)
  local c, r, b = 0, 0, 0
  local out = io.open(os.getenv("BENCH_IDS_FILE") or "/dev/null", "w")
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    r = r + t:get("repeated")
    b = b + t:get("bad")
    local got = t:get("ids")
    out:write(table.concat(got, "\n"), "\n")
  end
  out:close()
  io.write(string.format("RESULT created=%d repeated=%d bad=%d duration_us=%d p50_us=%d p99_us=%d\n",
    c, r, b, summary.duration, latency:percentile(50), latency:percentile(99)))
end
