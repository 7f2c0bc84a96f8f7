"""Storing webhook events, each folded into its call's row.

Recording an event is the one statement on the hot path of every call, so it
is written by hand (see `_store_sql`): on PostgreSQL a single statement
inserts the event unless its id is already stored, folds it into its call's
summary row and reads the menus' version token, in one round trip. The ORM
would need a transaction and four statements for the same work.

Idempotent on the event id: 8x8 may deliver the same webhook twice, even at
the same moment to two app servers; the row is stored once and both get the
answer that was stored first.
"""

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from ivr.core.decide import Decision
from ivr.eightbyeight.events import CALL_ACTION, VoiceEvent
from ivr.history.call_row import (
    CallRowEvent,
    call_row_event,
    call_upsert_text,
    call_upsert_values,
)
from ivr.menus.snapshots import menu_tree_token
from ivr.models import Call, CallEvent
from ivr.webhook.parsers import json_dumps


@dataclass(frozen=True)
class EventRecord:
    """One event, ready to store: plain JSON values only, so that it can
    wait in the spool as it is while the database is away."""

    event_id: str
    event_type: str
    occurred_at: str  # ISO 8601, UTC
    payload: dict
    response: dict | None
    session_id: str = ""
    call_leg_id: str = ""
    sub_account_id: str = ""
    status: str = ""
    direction: str = ""
    call_type: str = ""
    source: str = ""
    destination: str = ""
    digits: str = ""
    client_action_id: str = ""
    sip_code: int | None = None
    menu_id: int | None = None
    menu_key: str = ""
    option_id: int | None = None
    option_digits: str = ""
    outcome: str = ""
    error: str = ""
    failed_transfer_to: str = ""
    # For the call's summary row.
    caller: str = ""
    number_called: str = ""
    received_at: str = field(default_factory=lambda: timezone.now().isoformat())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "EventRecord":
        return cls(**json.loads(text))


@dataclass(frozen=True)
class StoredEvent:
    created: bool  # False: a repeat of an event already stored
    response: dict | None  # the answer stored first for this event id
    menu_token: object = None  # the menus' version when it was stored


def event_record_from(
    event: VoiceEvent, decision: Decision | None, response: dict | None
) -> EventRecord:
    """The row for `event`, answered with `response` after `decision`."""
    option = decision.option if decision else None
    describes_caller = event.event_type == CALL_ACTION and bool(event.direction)
    legs = event.summary.legs if event.summary else ()
    first_leg = legs[0] if legs else None
    return EventRecord(
        event_id=event.event_id,
        event_type=event.event_type[:30],
        occurred_at=(event.occurred_at or timezone.now()).isoformat(),
        payload=event.payload,
        response=response,
        session_id=event.session_id,
        call_leg_id=event.call_id,
        sub_account_id=event.sub_account_id,
        status=event.call_status[:30],
        direction=event.direction[:20],
        call_type=event.call_type[:20],
        source=(event.source or (first_leg.source if first_leg else ""))[:100],
        destination=(event.destination or (first_leg.destination if first_leg else ""))[
            :100
        ],
        digits=(event.digits or "")[:100],
        client_action_id=event.client_action_id or "",
        sip_code=event.sip_code,
        menu_id=decision.menu_id if decision else None,
        menu_key=decision.menu_key[:100] if decision else "",
        option_id=option.id if option else None,
        option_digits=option.digits if option else "",
        outcome=decision.outcome.value if decision else "",
        error=decision.error if decision else "",
        failed_transfer_to=decision.failed_transfer_to[:100] if decision else "",
        # Only the call's own leg says who called which number: a status event
        # of a transfer's leg would name the transfer's parties.
        caller=event.caller_number[:100] if describes_caller else "",
        number_called=event.virtual_number[:100] if describes_caller else "",
    )


def event_record_store(record: EventRecord) -> StoredEvent:
    """Store `record` unless its event id is already stored.

    Returns whether it was new, the response stored for the event id (the
    one given the first time, for a repeat) and the menus' version token as
    the database saw it, so the caller can tell that its menus were stale.
    Raises the database's error when it cannot store (the caller spools).
    """
    sql, params = _store_sql(record)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, params)
            inserted, token = cursor.fetchone()
        else:
            with transaction.atomic():
                cursor.execute(sql, params)
                inserted = cursor.rowcount
                if inserted and record.session_id:
                    cursor.execute(*call_upsert_sql(record, source="VALUES"))
            token = menu_tree_token()
    if inserted:
        return StoredEvent(created=True, response=record.response, menu_token=token)
    stored = (
        CallEvent.objects.filter(event_id=record.event_id)
        .values_list("response", flat=True)
        .first()
    )
    return StoredEvent(created=False, response=stored, menu_token=token)


def event_record_replace_decision(record: EventRecord) -> None:
    """Correct a just-stored event whose answer was decided on stale menus."""
    CallEvent.objects.filter(event_id=record.event_id).update(
        response=record.response,
        menu_key=record.menu_key,
        option_digits=record.option_digits,
        outcome=record.outcome,
        error=record.error,
        failed_transfer_to=record.failed_transfer_to,
    )
    if record.session_id and record.menu_key:
        Call.objects.filter(
            session_id=record.session_id, last_event_at=record.occurred_at
        ).update(last_menu_key=record.menu_key, last_outcome=record.outcome)


# --- The hand-written statements -------------------------------------------
# The event's columns are the record's fields, in its order: each field but
# those that are for the call's row only, and the menu and option links
# (inserted checked against their tables); `call_id` is the session id.
# tests/test_store.py holds them equal to the model's columns.

_CALL_ROW_ONLY = ("caller", "number_called")
_LINKS = ("menu_id", "option_id")
EVENT_COLUMNS = (
    "call_id",
    *(f.name for f in fields(EventRecord) if f.name not in (*_CALL_ROW_ONLY, *_LINKS)),
)
_TIME_COLUMNS = frozenset({"occurred_at", "received_at"})
_JSON_COLUMNS = frozenset({"payload", "response"})


def event_record_row(record: EventRecord) -> list:
    """`record` as a row of ivr_callevent: the EVENT_COLUMNS, then menu_id
    and option_id, adapted for the database in use."""
    return [*_event_values(record), record.menu_id, record.option_id]


def _event_values(record: EventRecord) -> list:
    values = [record.session_id or None]  # call_id
    for name in EVENT_COLUMNS[1:]:
        value = getattr(record, name)
        if name in _TIME_COLUMNS:
            value = _adapt_time(datetime.fromisoformat(value))
        elif name in _JSON_COLUMNS and value is not None:
            value = json_dumps(value).decode()
        values.append(value)
    return values


def _adapt_time(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _store_sql(record: EventRecord) -> tuple[str, list]:
    """INSERT the event unless already stored. On PostgreSQL, in the same
    statement: fold it into its call and read the menus' token."""
    postgres = connection.vendor == "postgresql"
    params = event_record_row(record)
    with_call = postgres and bool(record.session_id)
    sql = _store_text(postgres, with_call)
    if with_call:
        params += _call_values(record)
    return sql, params


@lru_cache
def _store_text(postgres: bool, with_call: bool) -> str:
    # A menu or option deleted since the snapshot was taken leaves the link
    # empty instead of failing the whole insert at commit.
    values_sql = _values_with_casts("::jsonb" if postgres else "")
    insert = (
        f"INSERT INTO ivr_callevent ({', '.join(EVENT_COLUMNS)}, menu_id, option_id) "
        f"VALUES ({values_sql}, "
        "(SELECT id FROM ivr_menu WHERE id = %s), "
        "(SELECT id FROM ivr_menuoption WHERE id = %s)) "
        "ON CONFLICT (event_id) DO NOTHING"
    )
    if not postgres:
        return insert
    insert += " RETURNING 1"
    read = (
        "SELECT (SELECT count(*) FROM inserted), "
        "(SELECT token FROM ivr_menutreeversion ORDER BY id LIMIT 1)"
    )
    if not with_call:  # an event of no call: nothing to fold it into
        return f"WITH inserted AS ({insert}) {read}"
    call_sql = call_upsert_text(postgres=True, source="inserted")
    return f"WITH inserted AS ({insert}), call AS ({call_sql}) {read}"


def _values_with_casts(json_cast: str) -> str:
    return ", ".join(
        f"%s{json_cast if column in _JSON_COLUMNS else ''}" for column in EVENT_COLUMNS
    )


def call_upsert_sql(record: EventRecord, *, source: str) -> tuple[str, list]:
    """The statement that folds `record` into its call (ivr.history.call_row)."""
    postgres = connection.vendor == "postgresql"
    return call_upsert_text(postgres=postgres, source=source), _call_values(record)


def record_call_row_event(record: EventRecord) -> CallRowEvent:
    """What `record` brings to its call's row."""
    return call_row_event(
        event_type=record.event_type,
        at=datetime.fromisoformat(record.occurred_at),
        sub_account_id=record.sub_account_id,
        direction=record.direction,
        caller=record.caller,
        number_called=record.number_called,
        menu_key=record.menu_key,
        outcome=record.outcome,
    )


def _call_values(record: EventRecord) -> list:
    return call_upsert_values(
        record_call_row_event(record), session_id=record.session_id, adapt=_adapt_time
    )
