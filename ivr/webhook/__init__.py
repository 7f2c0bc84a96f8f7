"""The webhooks 8x8 posts to during a call, and answering them.

A request goes through, in order:

- `middleware`: the body limit, and skipping the session, login and message
  middleware the webhooks do not use;
- `network`: the source address, against `IVR_WEBHOOK_ALLOWED_IPS` (behind a
  trusted proxy, from its header);
- `authentication`: the secret, compared in constant time with every value
  of `IVR_WEBHOOK_AUTH` (so it can be rotated);
- `parsers`: JSON in (orjson, depth-limited) and out;
- `views`: the endpoints, thin: parse the event (`ivr.eightbyeight.events`),
  answer it, log one line (logger `ivr.webhook`);
- `answer`: the app's main use case: decide the callflow (`ivr.core`) with
  the menus in memory, store the event once, whatever the database does
  (`ivr.resilience`), and answer the same to a redelivery.

`registration` registers these endpoints with 8x8 (`ivr_8x8_webhooks`).
"""
