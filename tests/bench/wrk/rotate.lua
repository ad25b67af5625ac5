-- wrk script for the benchmark: rotates through a file of queries or tickets.
--   wrk ... -s rotate.lua URL -- MODE FILE [TOKEN]
-- MODE: search  GET /api/v1/search?q=QUERY           (FILE: one query a line)
--       suggest GET /api/v1/suggest?q=PREFIX          (a query cut inside its last word)
--       assist  POST /api/v1/assist with a JSON body  (FILE: one JSON object a line)
--       fixed   GET / (the fixed-body HTTP ceiling)
-- done() prints one JSON line: requests, rps, p50/p99/p99.9 in ms, errors.
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local function enc(s)
   return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local reqs = {}
local idx = 0

function init(args)
   local mode, file, token = args[1] or "fixed", args[2], args[3]
   if mode == "fixed" then
      reqs[1] = wrk.format("GET", "/")
      return
   end
   local lines = {}
   for line in io.lines(file) do
      if #line > 0 then lines[#lines + 1] = line end
   end
   for i, l in ipairs(lines) do
      if mode == "search" then
         reqs[i] = wrk.format("GET", "/api/v1/search?q=" .. enc(l))
      elseif mode == "suggest" then
         -- what a customer has typed so far: the last word cut short
         local head, last = l:match("^(.-)(%S+)$")
         local keep = math.max(1, math.floor(#last / 2) + 1)
         reqs[i] = wrk.format("GET", "/api/v1/suggest?q=" .. enc(head .. last:sub(1, keep)))
      elseif mode == "assist" then
         reqs[i] = wrk.format("POST", "/api/v1/assist",
                              {["Content-Type"] = "application/json",
                               ["Authorization"] = "Bearer " .. token}, l)
      end
   end
   -- each thread starts at its own place in the list
   idx = math.floor((tid or 0) * #reqs / 2)
end

function request()
   idx = idx % #reqs + 1
   return reqs[idx]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
      '"p999_ms": %.3f, "max_ms": %.3f, "errors": %d, "non2xx": %d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, latency.max / 1000,
      e.connect + e.read + e.write + e.timeout, e.status))
end
