-- wrk script for bench/webhooks.py: POST pre-signed Stripe events from a file, one request a
-- line ("<Stripe-Signature>\t<body>", a newline in the body written as the byte 1), each
-- thread taking every n-th line, and write every answer ("<status>\t<body>") to a file per
-- thread so the benchmark can check them all.
--
--     wrk -t2 -c16 -d10s -s bench/webhooks.lua URL -- REQUESTS_FILE THREADS ANSWERS_PREFIX

local threads = {}
local created = 0

function setup(thread)
   thread:set("number", created)
   created = created + 1
   table.insert(threads, thread)
end

function init(args)
   local path, count, prefix = args[1], tonumber(args[2]), args[3]
   prepared = {}
   local index = 0
   for line in io.lines(path) do
      if index % count == number then
         local tab = line:find("\t", 1, true)
         prepared[#prepared + 1] = wrk.format("POST", nil, {
            ["Stripe-Signature"] = line:sub(1, tab - 1),
            ["Content-Type"] = "application/json",
            ["X-Forwarded-Proto"] = "https",
         }, (line:sub(tab + 1):gsub("\1", "\n")))
      end
      index = index + 1
   end
   answers = io.open(prefix .. number, "w")
   answers:setvbuf("line")  -- no hook runs when a thread ends: nothing may wait in a buffer
   position = 0
   issued = 0
   wrapped = 0
end

function request()
   position = position + 1
   if position > #prepared then
      -- Out of events: from here on every request repeats one (the benchmark reports it).
      position = 1
      wrapped = wrapped + 1
   end
   issued = issued + 1
   return prepared[position]
end

function response(status, headers, body)
   answers:write(status, "\t", (body:gsub("\n", " ")), "\n")
end

function done(summary, latency, requests)
   for _, thread in ipairs(threads) do
      io.write(string.format("webhooks thread %d: issued %d wrapped %d\n",
         thread:get("number"), thread:get("issued"), thread:get("wrapped")))
   end
end
