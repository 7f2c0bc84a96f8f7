"""The call row's rules, written twice (ivr.history.call_row): in SQL, run by
storing each event, and in Python, `call_row_merge`. Random sequences of
events, in random orders, give the same row both ways, on each database."""

import random
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from ivr.history.call_row import CallRow, call_row_merge
from ivr.history.store import EventRecord, event_record_store, record_call_row_event
from ivr.models import Call

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
MENUS = ["", "", "main", "sales", "billing"]
OUTCOMES = ["", "entered_menu", "chose_option", "no_input"]
WHO = ["", "", "+6591234567", "+6531581234"]


def random_record(rng: random.Random, session: str, index: int) -> EventRecord:
    return EventRecord(
        event_id=f"{session}-{index}",
        event_type=rng.choice(["CALL_ACTION", "CALL_ACTION", "CALL_STATUS"]),
        # Some at the same time: ties are part of the rules.
        occurred_at=(START + timedelta(seconds=rng.randrange(6) * 10)).isoformat(),
        payload={},
        response={},
        session_id=session,
        sub_account_id=rng.choice(["", "account_x", "account_y"]),
        direction=rng.choice(["", "INBOUND", "OUTBOUND"]),
        caller=rng.choice(WHO),
        number_called=rng.choice(WHO),
        menu_key=rng.choice(MENUS),
        outcome=rng.choice(OUTCOMES),
    )


def stored_row(session: str) -> CallRow:
    call = Call.objects.get(pk=session)
    return CallRow(**{f.name: getattr(call, f.name) for f in fields(CallRow)})


@pytest.mark.parametrize("seed", range(40))
def test_the_sql_and_the_python_rules_give_the_same_row(seed):
    rng = random.Random(seed)
    session = f"call-{seed}"
    records = [random_record(rng, session, i) for i in range(rng.randrange(1, 7))]

    merged = None
    for record in records:
        event_record_store(record)
        merged = call_row_merge(merged, record_call_row_event(record))

    assert stored_row(session) == merged


def test_a_status_event_does_not_set_the_calls_direction():
    record = EventRecord(
        event_id="e",
        event_type="CALL_STATUS",
        occurred_at=START.isoformat(),
        payload={},
        response=None,
        session_id="s",
        direction="OUTBOUND",
    )
    event_record_store(record)

    assert call_row_merge(None, record_call_row_event(record)).direction == ""
    assert Call.objects.get(pk="s").direction == ""
