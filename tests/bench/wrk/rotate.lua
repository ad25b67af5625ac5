-- wrk script for the benchmark: reads a file of queries or tickets.
--   wrk ... -s rotate.lua URL -- MODE FILE [TOKEN|-] [THREADS]
-- MODE: search  GET /api/v1/search?q=QUERY           (FILE: one query a line)
--       suggest GET /api/v1/suggest?q=PREFIX          (a query cut inside its last word)
--       assist  POST /api/v1/assist with a JSON body  (FILE: one JSON object a line)
--       fixed   GET / (the fixed-body HTTP ceiling)
-- With THREADS (wrk's -t), search and suggest split FILE into one part per
-- thread and each thread reads its part once, in order: no request repeats
-- another of the run until a part is used up, then the part starts again and
-- every request after that counts as a repeat. Without it, every thread
-- rotates through the whole file from its own place (assist's 200 tickets).
-- done() prints one JSON line: requests, rps, p50/p99/p99.9 in ms, errors,
-- repeats.
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
repeats = 0
served = 0

function init(args)
   local mode, file, token = args[1] or "fixed", args[2], args[3]
   if mode == "fixed" then
      reqs[1] = wrk.format("GET", "/")
      return
   end
   if token == "-" then token = nil end
   local nth = tonumber(args[4])
   local lines = {}
   for line in io.lines(file) do
      if #line > 0 then lines[#lines + 1] = line end
   end
   if nth and mode ~= "assist" then
      -- this thread's part of the stream only
      local t, n = tid or 0, #lines
      local first, last = math.floor(t * n / nth) + 1, math.floor((t + 1) * n / nth)
      local part = {}
      for i = first, last do part[#part + 1] = lines[i] end
      lines = part
      parted = true
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
   -- each thread starts at its own place in the list (its part: the start)
   if not parted then idx = math.floor((tid or 0) * #reqs / 2) end
end

function request()
   if parted and served >= #reqs then repeats = repeats + 1 end
   served = served + 1
   idx = idx % #reqs + 1
   return reqs[idx]
end

function done(summary, latency, requests)
   local e = summary.errors
   local rep = 0
   for _, t in ipairs(threads) do rep = rep + (t:get("repeats") or 0) end
   io.write(string.format(
      '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
      '"p999_ms": %.3f, "max_ms": %.3f, "errors": %d, "non2xx": %d, "repeats": %d}\n',
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, latency.max / 1000,
      e.connect + e.read + e.write + e.timeout, e.status, rep))
end
