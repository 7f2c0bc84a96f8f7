"""Realistic synthetic call history, for trying the admin at scale.

Calls walk the real menus with the real decision code: each call comes in,
the caller presses keys (mostly valid, sometimes wrong, sometimes nothing; a
quarter of the transfers are not answered), and 8x8's Session Summary ends
it. Events and calls are written in bulk: PostgreSQL's COPY, or executemany
on SQLite. Call times spread over the last `days` days, more of them in
office hours.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from ivr.core.decide import decide
from ivr.core.snapshot import IvrSnapshot
from ivr.core.state import decode_state
from ivr.eightbyeight.events import ACTION_COMPLETED, CALL_RECEIVED, VoiceEvent
from ivr.history.store import EVENT_COLUMNS, event_record_from, event_record_row

CALL_COLUMNS = (
    "session_id",
    "sub_account_id",
    "direction",
    "caller",
    "number_called",
    "started_at",
    "last_event_at",
    "event_count",
    "first_menu_key",
    "last_menu_key",
    "last_outcome",
    "status",
    "ended_at",
    "duration_seconds",
    "last_action",
    "leg_count",
    "summary_received_at",
    "error_code",
    "error_message",
)
SEED_PREFIX = "seed-"
# The share of seeded transfers that 8x8 reports back as not answered.
TRANSFERS_NOT_ANSWERED = 0.25


@dataclass(frozen=True)
class SeedCall:
    events: list[tuple]  # rows in EVENT_COLUMNS order, plus menu_id, option_id
    call: tuple  # a row in CALL_COLUMNS order


def _caller(rng: random.Random) -> str:
    # A pool of repeat callers, so that searching a number finds several calls.
    return f"+659{rng.randrange(100_000):07d}"


def _start_time(rng: random.Random, now: datetime, days: int) -> datetime:
    day = now - timedelta(days=rng.random() * days)
    hour = rng.choice([9, 10, 10, 11, 11, 12, 14, 15, 15, 16, 17, 20, 2])
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def _presses(rng: random.Random, snapshot: IvrSnapshot, cid: str) -> str | None:
    menu = snapshot.menus.get(decode_state(cid).menu)
    roll = rng.random()
    if menu is None or not menu.options or roll < 0.08:
        return None  # silence
    if roll < 0.18:
        return "7" if menu.option_for("7") is None else "8"
    return rng.choice(menu.options).digits


def seed_calls(
    snapshot: IvrSnapshot, *, events: int, days: int, seed: int, number: str
) -> Iterator[SeedCall]:
    """Calls until about `events` events were made."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    now = datetime.now(UTC)
    made = 0
    serial = 0
    while made < events:
        serial += 1
        call = _one_call(rng, snapshot, now, days, serial, number, events - made)
        made += len(call.events)
        yield call


def _one_call(rng, snapshot, now, days, serial, number, room) -> SeedCall:
    session = f"{SEED_PREFIX}{_seed_token(rng)}-{serial}"
    caller = _caller(rng)
    at = _start_time(rng, now, days)
    started = at
    rows = []
    first_menu = last_menu = last_outcome = ""
    cid = None
    sip_code = 200
    steps = min(room - 1, rng.choice([1, 2, 2, 3, 3, 3, 4, 5, 6]))
    for step in range(max(steps, 0) + 1):
        status = CALL_RECEIVED if step == 0 else ACTION_COMPLETED
        digits = None
        if step and sip_code == 200:
            digits = _presses(rng, snapshot, cid or "")
        event = VoiceEvent(
            event_type="CALL_ACTION",
            event_id=f"{session}-{step}",
            session_id=session,
            call_id=f"{session}-a",
            sub_account_id="account_x",
            call_status=status,
            direction="INBOUND",
            call_type="PSTN",
            source=caller,
            destination=number,
            digits=digits,
            client_action_id=cid,
            sip_code=sip_code,
            occurred_at=at,
        )
        decision = decide(snapshot, event)
        last_at = at
        payload = _payload(event)
        rows.append(_event_row(event, decision, payload))
        first_menu = first_menu or decision.menu_key
        last_menu, last_outcome = decision.menu_key, decision.outcome.value
        cid = decision.response.get("clientActionId")
        at += timedelta(seconds=rng.randrange(4, 25))
        if cid is None:
            break
        # A transfer: one in four is busy or not answered, and 8x8 says so;
        # the others connect and the call leaves the menus.
        sip_code = 200
        if decode_state(cid).after:
            if rng.random() >= TRANSFERS_NOT_ANSWERED:
                break
            sip_code = 486
    ended = at + timedelta(seconds=rng.randrange(1, 60))
    call = (
        session,
        "account_x",
        "INBOUND",
        caller,
        number,
        started,
        last_at,
        len(rows),
        first_menu,
        last_menu,
        last_outcome,
        "COMPLETED",
        ended,
        int((ended - started).total_seconds()),
        "HANGUP",
        1,
        ended,
        None,
        "",
    )
    return SeedCall(rows, call)


def _seed_token(rng: random.Random) -> str:
    return f"{rng.getrandbits(48):012x}"


def _payload(event: VoiceEvent) -> dict:
    payload = {
        "eventId": event.event_id,
        "callId": event.call_id,
        "sessionId": event.session_id,
        "subAccountId": event.sub_account_id,
        "callStatus": event.call_status,
        "callDirection": event.direction,
        "callType": event.call_type,
        "source": event.source,
        "destination": event.destination,
        "sourceFormat": "MSISDN",
        "destinationFormat": "MSISDN",
        "sourceCountryCode": "SG",
        "destinationCountryCode": "SG",
        "callDuration": 0,
        "sipCode": 200,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
    }
    payload["sipCode"] = event.sip_code
    if event.call_status == ACTION_COMPLETED:
        payload["clientActionId"] = event.client_action_id
        if event.sip_code == 200:
            payload["eventData"] = {"dtmf": event.digits}
    return {"namespace": "VOICE", "eventType": "CALL_ACTION", "payload": payload}


def _event_row(event: VoiceEvent, decision, payload: dict) -> tuple:
    # The row the webhook would store for this event, received as it
    # happened.
    record = event_record_from(
        replace(event, payload=payload), decision, decision.response
    )
    return tuple(event_record_row(replace(record, received_at=record.occurred_at)))


def write_calls(calls: list[SeedCall]) -> None:
    """Write a batch of calls and their events, in one transaction."""
    event_columns = (*EVENT_COLUMNS, "menu_id", "option_id")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, "ivr_call", CALL_COLUMNS, [c.call for c in calls])
            rows = [row for c in calls for row in c.events]
            _copy(cursor, "ivr_callevent", event_columns, rows)
        else:
            _insert(cursor, "ivr_call", CALL_COLUMNS, [c.call for c in calls])
            rows = [row for c in calls for row in c.events]
            _insert(cursor, "ivr_callevent", event_columns, rows)


def _copy(cursor, table: str, columns: tuple, rows: list[tuple]) -> None:
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(cursor, table: str, columns: tuple, rows: list[tuple]) -> None:
    ops = connection.ops
    adapted = [
        tuple(
            ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v
            for v in row
        )
        for row in rows
    ]
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        adapted,
    )
