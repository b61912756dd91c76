-- wrk script: POST one scan per request, each with the next code of this thread's slice and a fresh client_id.
-- args: codes_file event_id token threads
local next_tid = 0
local codes, counter, start, slice = {}, 0, 0, 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  event_id = args[2]
  local threads = tonumber(args[4])
  slice = math.floor(#codes / threads)
  start = tid * slice
  math.randomseed(os.time() + tid * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[3] ~= "" then wrk.headers["Authorization"] = "Token " .. args[3] end
end

local function hex(n)
  local s = ""
  for _ = 1, n do s = s .. string.format("%x", math.random(0, 15)) end
  return s
end

function request()
  local code = codes[start + (counter % slice) + 1]
  counter = counter + 1
  local client_id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local body = string.format('{"code":"%s","event":%s,"client_id":"%s"}', code, event_id, client_id)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
