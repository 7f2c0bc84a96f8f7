"""The read API: call events and calls, as JSON, for reporting (BI) tools.

Read-only (GET; anything else gets 405), behind a token or a staff
session, and only for users allowed to view the model in the admin.
Pages are walked with a cursor over the columns an index is sorted on, so
a page costs the same few queries with millions of rows. Everything here
sets its own DRF classes: the project's `REST_FRAMEWORK` defaults belong
to the webhooks.

- `urls`: `/api/v1/call-events/`, `/api/v1/calls/`, `/api/schema/`, `/api/docs/`
- `views`: the endpoints; `serializers`: the JSON; `filters`: the query
  parameters; `pagination`: the cursor; `permissions`: who may read.
"""
