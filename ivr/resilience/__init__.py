"""Answering calls through faults: a caller always gets a valid callflow,
quickly, and no event is lost, whatever the database does.

- `menu_cache`: the menus each process answers with, in memory and on disk,
  reloaded when the menus' version token changes;
- `breaker`: after a database failure, skip the database for a while;
- `deadline`: a deadline on webhook database work, for a server that stops
  answering without closing its connections;
- `spool`: events the database could not take, on local disk, written to it
  once it is back (`ivr_replay_spool`);
- `health`: `/healthz` for load balancers, and `/metrics`;
- `metrics`: the Prometheus metrics the app counts.
"""
