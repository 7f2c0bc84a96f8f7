"""Call history rows written straight to the database, for the admin and role
tests that need rows to list, not the webhooks' way of making them
(tests/known_history.py makes a history through the webhooks).

`make_event(**fields)`: one event with its call; event and session ids are
numbered in each test from 0 (tests/numbering.py), unless given.
"""

from datetime import UTC, datetime

from ivr.models import Call, CallEvent, Outcome
from tests.numbering import next_number

CALLER = "+6591234567"


def make_event(**fields) -> CallEvent:
    number = next_number("history events")
    values = {
        "event_id": f"event-{number}",
        "event_type": "CALL_ACTION",
        "status": "ACTION_COMPLETED",
        "direction": "INBOUND",
        "source": CALLER,
        "destination": "+6531581234",
        "occurred_at": datetime(2024, 11, 11, 9, 30, tzinfo=UTC),
        "payload": {},
        "menu_key": "main",
        "outcome": Outcome.CHOSE_OPTION,
        **fields,
    }
    session_id = values.pop("session_id", f"session-{number}")
    call, _ = Call.objects.get_or_create(
        session_id=session_id,
        defaults={
            "started_at": values["occurred_at"],
            "direction": values["direction"],
            "caller": values["source"],
            "number_called": values["destination"],
        },
    )
    return CallEvent.objects.create(call=call, session_id=session_id, **values)
