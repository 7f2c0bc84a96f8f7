"""Writes: recording webhook events and their calls, marking menus changed.

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
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from ivr.core.decide import Decision
from ivr.eightbyeight.events import CALL_ACTION, VoiceEvent
from ivr.models import Call, CallEvent, MenuTreeVersion
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
                    cursor.execute(*_call_upsert_sql(record, source="VALUES"))
            token = _menu_token()
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


def menu_tree_changed() -> None:
    """Tell every app process that the menus changed (a new random token)."""
    updated = MenuTreeVersion.objects.update(token=uuid.uuid4())
    if not updated:
        MenuTreeVersion.objects.create(token=uuid.uuid4())


def _menu_token():
    return MenuTreeVersion.objects.values_list("token", flat=True).first()


# --- The hand-written statements -------------------------------------------
# Column lists are spelled out once here; tests/test_services.py checks them
# against the models, so a new model field cannot be silently skipped.

EVENT_COLUMNS = (
    "event_id",
    "event_type",
    "call_id",
    "call_leg_id",
    "session_id",
    "sub_account_id",
    "status",
    "direction",
    "call_type",
    "source",
    "destination",
    "digits",
    "client_action_id",
    "sip_code",
    "occurred_at",
    "received_at",
    "payload",
    "response",
    "menu_key",
    "option_digits",
    "outcome",
    "error",
    "failed_transfer_to",
)


def event_record_row(record: EventRecord) -> list:
    """`record` as a row of ivr_callevent: the EVENT_COLUMNS, then menu_id
    and option_id, adapted for the database in use."""
    return [*_event_values(record), record.menu_id, record.option_id]


def _event_values(record: EventRecord) -> list:
    ops = connection.ops
    occurred = ops.adapt_datetimefield_value(datetime.fromisoformat(record.occurred_at))
    received = ops.adapt_datetimefield_value(datetime.fromisoformat(record.received_at))
    return [
        record.event_id,
        record.event_type,
        record.session_id or None,
        record.call_leg_id,
        record.session_id,
        record.sub_account_id,
        record.status,
        record.direction,
        record.call_type,
        record.source,
        record.destination,
        record.digits,
        record.client_action_id,
        record.sip_code,
        occurred,
        received,
        json_dumps(record.payload).decode(),
        None if record.response is None else json_dumps(record.response).decode(),
        record.menu_key,
        record.option_digits,
        record.outcome,
        record.error,
        record.failed_transfer_to,
    ]


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
    call_sql = _call_upsert_text(postgres=True, source="inserted")
    return f"WITH inserted AS ({insert}), call AS ({call_sql}) {read}"


def _values_with_casts(json_cast: str) -> str:
    casts = {"payload": json_cast, "response": json_cast}
    return ", ".join(f"%s{casts.get(column, '')}" for column in EVENT_COLUMNS)


def _call_upsert_sql(record: EventRecord, *, source: str) -> tuple[str, list]:
    postgres = connection.vendor == "postgresql"
    return _call_upsert_text(postgres=postgres, source=source), _call_values(record)


def _call_values(record: EventRecord) -> list:
    at = connection.ops.adapt_datetimefield_value(
        datetime.fromisoformat(record.occurred_at)
    )
    # Status events of other legs (a transfer's) must not set the call's
    # direction; call-action events are about the call's own leg.
    direction = record.direction if record.event_type == CALL_ACTION else ""
    return [
        record.session_id,
        record.sub_account_id,
        direction,
        record.caller,
        record.number_called,
        at,
        at,
        record.menu_key,
        record.menu_key,
        record.outcome,
    ]


@lru_cache
def _call_upsert_text(*, postgres: bool, source: str) -> str:
    """Create the event's call or fold the event into it.

    Order-independent: the first and last times are the earliest and latest
    seen, the "last" fields move only forward in time, and the descriptive
    fields keep the first value that was not blank. `source` "inserted"
    makes the row depend on the event having been inserted (PostgreSQL CTE).
    """
    least, greatest = ("LEAST", "GREATEST") if postgres else ("MIN", "MAX")
    columns = (
        "session_id, sub_account_id, direction, caller, number_called, "
        "started_at, last_event_at, first_menu_key, last_menu_key, last_outcome, "
        "event_count, status, error_message"
    )
    row = ", ".join(["%s"] * 10) + ", 1, '', ''"
    if source == "inserted":
        head = f"INSERT INTO ivr_call AS c ({columns}) SELECT {row} FROM inserted"
    else:
        head = f"INSERT INTO ivr_call AS c ({columns}) VALUES ({row})"

    def first(name: str) -> str:
        return (
            f"{name} = CASE WHEN c.{name} = '' THEN excluded.{name} ELSE c.{name} END"
        )

    newer = "(c.last_event_at IS NULL OR c.last_event_at <= excluded.last_event_at)"
    older = "(c.started_at IS NULL OR excluded.started_at < c.started_at)"

    def earliest(name: str) -> str:
        return (
            f"{name} = CASE WHEN excluded.{name} <> '' AND (c.{name} = '' OR {older}) "
            f"THEN excluded.{name} ELSE c.{name} END"
        )

    def latest(name: str) -> str:
        return (
            f"{name} = CASE WHEN excluded.{name} <> '' AND {newer} "
            f"THEN excluded.{name} ELSE c.{name} END"
        )

    sql = (
        f"{head} ON CONFLICT (session_id) DO UPDATE SET "
        "event_count = c.event_count + 1, "
        f"started_at = {least}(COALESCE(c.started_at, excluded.started_at), "
        "excluded.started_at), "
        f"last_event_at = {greatest}(COALESCE(c.last_event_at, "
        "excluded.last_event_at), excluded.last_event_at), "
        f"{first('sub_account_id')}, {first('direction')}, {first('caller')}, "
        f"{first('number_called')}, {earliest('first_menu_key')}, "
        f"{latest('last_menu_key')}, {latest('last_outcome')}"
    )
    return sql
