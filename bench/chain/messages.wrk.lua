-- wrk's part of `python -m bench peers`: the chain's test request alone (POST a message on a
-- channel the bench created and saw active), a fresh message_uid each time. wrk has no
-- prerequisites, no checks and no webhooks: it is the floor, not a peer.
-- Arguments after `--`: token, channel uid, contact uid, a run prefix.
local counter = 0
local channel, contact, prefix

function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  channel, contact, prefix = args[2], args[3], args[4]
end

function request()
  counter = counter + 1
  local unique = prefix .. "-" .. counter
  local body = string.format(
    '{"channel_uid":"%s","external_uid":"loadspec-%s","contact_uid":"%s",'
      .. '"message":"Load test message %s","message_uid":"msg-%s"}',
    channel, unique, contact, unique, unique)
  return wrk.format(nil, "/business/communication/messages", nil, body)
end
