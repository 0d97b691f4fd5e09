-- POST the registration form of one event with a unique email per request (the registration rush).
-- BENCH_PATH is the form's action; BENCH_FIELDS extra form fields (urlencoded, without email).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  path = os.getenv("BENCH_PATH")
  fields = os.getenv("BENCH_FIELDS") or ""
  run = os.getenv("BENCH_RUN") or "0"
  limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  if limit > 0 and counter > limit then
    wrk.thread:stop()
  end
  local body = string.format("%s&email=rush-%s-%d-%d%%40example.org&name=Rush+%d", fields, run, id, counter, counter)
  return wrk.format(nil, path, nil, body)
end
