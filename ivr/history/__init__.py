"""The call history: every event 8x8 sent and what was answered, and one
row per call, for staff, reports and reporting tools.

- `store`: storing an event once, in one statement on the hot path, folded
  into its call's row;
- `call_row`: the rules of the call's row (start, parties, menus, outcome),
  in SQL and in Python, side by side;
- `calls`: what 8x8's Session Summary and Call Status events say of a call:
  its legs, status, end and error, rebuilt from all of them;
- `search`: finding calls and events by a phone number;
- `paginators`: the history lists at millions of rows;
- `reports`: the call report's numbers; `exports`: CSV;
- `seed`: synthetic history for trying the admin at scale.

Deleting old history is `ivr_purge` (ivr/management/commands/).
"""
