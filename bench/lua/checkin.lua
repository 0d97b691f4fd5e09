-- POST /api/v1/checkin with a Bearer scanner token. BENCH_MODE=valid scans each pre-generated ticket
-- code once (thread i takes codes i, i+2, i+4…); BENCH_MODE=duplicate scans the first code, already
-- admitted, again and again. Every scan carries a unique scan_id, as real scanners do.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("BENCH_CODES")) do
    codes[#codes + 1] = line
  end
  mode = os.getenv("BENCH_MODE")
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
  counter = counter + 1
  local code = codes[1]
  if mode == "valid" then
    code = codes[((counter - 1) * 2 + id) % #codes + 1]
  end
  local body = string.format('{"code":"%s","scan_id":"bench-%s-%d-%d"}', code, mode, id, counter)
  return wrk.format(nil, nil, nil, body)
end
