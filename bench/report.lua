-- wrk script: cycles through paths and prints one JSON summary line at the end.
-- The paths come after "--": either the paths themselves, or "--file" and a file with one path per line
-- (the cold mix: thousands of URLs). Each thread starts at its own place in the list, so two threads do
-- not walk the same URLs side by side.
local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

local paths = {}
local counter = 0

function init(args)
  if args[1] == "--file" then
    for line in io.lines(args[2]) do
      if line ~= "" then paths[#paths + 1] = line end
    end
  else
    for i = 1, #args do paths[#paths + 1] = args[i] end
  end
  counter = (thread_number or 0) * math.floor(#paths / 2)
end

function request()
  if #paths == 0 then return wrk.format(nil) end
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx_3xx": %d, "timeouts": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration, errors, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
