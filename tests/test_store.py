"""Storing events by hand-written SQL (ivr.history.store)."""

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from django.db.models import NOT_PROVIDED

from ivr.history.store import (
    EVENT_COLUMNS,
    EventRecord,
    call_upsert_sql,
    event_record_store,
)
from ivr.models import Call, CallEvent

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_every_event_column_is_written():
    columns = {f.column for f in CallEvent._meta.concrete_fields} - {"id"}
    assert columns == {*EVENT_COLUMNS, "menu_id", "option_id"}


def test_every_required_call_column_is_written():
    record = EventRecord(
        event_id="e",
        event_type="CALL_ACTION",
        occurred_at=START.isoformat(),
        payload={},
        response={},
        session_id="s",
    )
    sql, _ = call_upsert_sql(record, source="VALUES")
    written = sql.split("(", 1)[1].split(")", 1)[0].replace(" ", "").split(",")
    # A NOT NULL column without a database default, left out of the INSERT,
    # would fail every new call.
    required = {
        f.column
        for f in Call._meta.concrete_fields
        if not f.null and f.db_default is NOT_PROVIDED
    }
    assert required <= set(written)


def record(event_id, minutes, menu_key="", outcome="", **fields):
    return EventRecord(
        event_id=event_id,
        event_type="CALL_ACTION",
        occurred_at=(START + timedelta(minutes=minutes)).isoformat(),
        payload={"payload": {"eventId": event_id}},
        response={"callflow": [{"action": "hangup"}]},
        session_id="session-1",
        menu_key=menu_key,
        outcome=outcome,
        **fields,
    )


EVENTS = [
    record(
        "a",
        0,
        "main",
        "entered_menu",
        direction="INBOUND",
        caller="+6591234567",
        number_called="+6531581234",
    ),
    record("b", 1, "main", "chose_option"),
    record("c", 2, "sales", "no_input"),
]


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_a_call_is_the_same_whatever_order_its_events_arrive_in(order):
    for index in order:
        assert event_record_store(EVENTS[index]).created
    call = Call.objects.get()
    assert call.event_count == 3
    assert call.started_at == START
    assert call.last_event_at == START + timedelta(minutes=2)
    assert call.first_menu_key == "main"
    assert (call.last_menu_key, call.last_outcome) == ("sales", "no_input")
    assert (call.direction, call.caller, call.number_called) == (
        "INBOUND",
        "+6591234567",
        "+6531581234",
    )


def test_storing_twice_stores_once_and_returns_the_first_answer():
    first = event_record_store(EVENTS[0])
    changed = EventRecord(**{**EVENTS[0].__dict__, "response": {"other": 1}})
    again = event_record_store(changed)
    assert (first.created, again.created) == (True, False)
    assert again.response == EVENTS[0].response
    assert CallEvent.objects.count() == 1
    assert Call.objects.get().event_count == 1


def test_a_record_survives_the_spool_format():
    text = EVENTS[0].to_json()
    assert EventRecord.from_json(text) == EVENTS[0]


def test_a_status_event_of_another_leg_does_not_name_the_caller(payload):
    from ivr.eightbyeight.events import parse_event
    from ivr.history.store import event_record_from

    transfer_leg = payload("vcs-call-status")
    transfer_leg["payload"].update(
        eventId="vcs-b",
        callDirection="OUTBOUND",
        source="+6531581234",
        destination="+6560001111",
    )
    event_record_store(event_record_from(parse_event(transfer_leg), None, {}))
    inbound = payload("vca-call-received-inbound")
    inbound["payload"]["sessionId"] = transfer_leg["payload"]["sessionId"]
    event_record_store(event_record_from(parse_event(inbound), None, {}))
    call = Call.objects.get()
    assert (call.direction, call.caller, call.number_called) == (
        "INBOUND",
        "+6591234567",
        "+6531581234",
    )
