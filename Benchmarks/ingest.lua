-- wrk script: POST a 100-event /v1/batch body, with messageIds made unique per request so every
-- event is a real insert (a re-sent messageId would only be a dedup look-up).
-- Usage: wrk ... -s Benchmarks/ingest.lua URL -- BODY_FILE BASIC_AUTH
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  body = file:read("*a")
  file:close()
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. args[2]
end

function request()
  counter = counter + 1
  local unique = body:gsub('"messageId":"bench%-', '"messageId":"w' .. id .. '-' .. counter .. '-')
  return wrk.format(nil, nil, nil, unique)
end
