-- One endpoint under load, for bench/run.py. The request comes from the environment:
-- BENCH_METHOD, BENCH_PATH (may hold {id}), BENCH_BODY, BENCH_TOKEN, and BENCH_IDS, a file of
-- ids that {id} takes in turn (each thread its own share, so no id is used twice).
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local headers = {["Content-Type"] = "application/json"}
if os.getenv("BENCH_TOKEN") then
  headers["Authorization"] = "Token " .. os.getenv("BENCH_TOKEN")
end
local ids = {}
local ids_file = os.getenv("BENCH_IDS")
if ids_file then
  for line in io.lines(ids_file) do ids[#ids + 1] = line end
end

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  thread_count = tonumber(os.getenv("BENCH_THREADS") or "2")
end

function request()
  local target = path
  if #ids > 0 then
    local index = thread_index + 1 + sent * thread_count
    target = string.gsub(path, "{id}", ids[math.min(index, #ids)])
  end
  sent = sent + 1
  return wrk.format(method, target, headers, body)
end

-- The first failure's status, to say what went wrong.
function response(status, headers, body)
  if status >= 400 and not first_failure then first_failure = status end
end

function done(summary, latency, requests)
  local failure = 0
  for _, thread in ipairs(threads) do
    failure = thread:get("first_failure") or failure
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d non2xx=%d errors=%d " ..
    "first_failure=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    failure
  ))
end
