"""The admin: menus with their options, the numbers that start them, and the
call history, which staff can read but nobody can change.

Everything a caller or 8x8 sent is shown through Django's escaping or
`format_html`, never marked safe. The history lists show only their own
columns (no joins, no per-row queries) and search by indexed values (ids,
and phone numbers whole or by their last digits), so a page costs the same
few queries with millions of events.

- `menus`: menus with their options inline, the map, the simulator; numbers.
- `history`: call events and calls, read-only.
- `publishing`: the published versions, publishing and rollback.
- `reports`: the call report.
- `voices`: 8x8's voices as last fetched, read-only.
- `staff`: adding staff with their role; the login page's message.
- `display`: how stored values are shown (times, JSON, links, 8x8's errors).

The audit history's pages are in `ivr.audit.admin`.
"""

from django.contrib import admin

admin.site.site_header = "IVR admin"
admin.site.site_title = "IVR admin"

# Each module registers its models' admins.
from ivr.admin import history, menus, publishing, reports, staff, voices  # noqa: E402, F401
