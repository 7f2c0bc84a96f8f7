"""Helpers that show stored values in the admin: times in the staff time
zone, JSON, links to calls, 8x8's error codes."""

import json

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

# 8x8's Session Summary error for a callflow it refused: the one error that
# is always ours to fix.
REJECTED_CALLFLOW_CODE = -2003
REJECTED_CALLFLOW = "8x8 rejected our callflow"
REJECTED_CALLFLOW_BANNER = (
    "8x8 rejected our callflow (error -2003) and ended this call with an "
    "error. The answer we sent last before 8x8's Session Summary, in the "
    "events below, is most likely the one refused: please report it."
)
SHORT_ID_CHARS = 8


# --- Display helpers -----------------------------------------------------------


def local_time(value):
    """`value` as the admin shows every time (to the second, in the staff
    time zone: the DATETIME_FORMAT of ivrproject/formats), for the values a
    method shows; None (shown as "-") when there is none."""
    if value is None:
        return None
    return formats.localize(timezone.template_localtime(value))


def pretty_json(value):
    """`value` as indented JSON in a <pre>, escaped (it holds whatever the
    caller or 8x8 sent); None when there is none."""
    if value is None:
        return None
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


def call_link(session_id: str):
    """A link to the call's admin page, labelled with the start of its id."""
    if not session_id:
        return None
    url = reverse("admin:ivr_call_change", args=[quote(session_id)])
    short = session_id[:SHORT_ID_CHARS]
    if len(session_id) > SHORT_ID_CHARS:
        short += "…"
    return format_html('<a href="{}" title="{}">{}</a>', url, session_id, short)


def error_code_display(code):
    """8x8's error code; the callflow rejection in bold red."""
    if code is None:
        return None
    if code == REJECTED_CALLFLOW_CODE:
        return format_html(
            '<strong style="color: var(--error-fg)">{} {}</strong>',
            code,
            REJECTED_CALLFLOW,
        )
    return str(code)


def duration_display(seconds):
    """Seconds as "m:ss" or "h:mm:ss"; None (shown as "-") when unknown."""
    if seconds is None:
        return None
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02}:{seconds:02}"
    return f"{minutes}:{seconds:02}"
