"""The rules that build a call's row (`Call`) from its events: its start and
last event, who called which number, its first and last menu, its outcome.

They are written twice, on purpose, side by side here:

- in SQL (`call_upsert_text`), so that storing an event also folds it into
  its call in the same statement: one round trip on the hot path of every
  call (`ivr.history.store`);
- in Python (`call_row_merge`), where the call's row is worked out outside
  that statement: rebuilding a call from 8x8's summary and status events
  (`ivr.history.calls`) uses it for the start and the parties.

tests/test_call_row.py holds the two equal: it stores random sequences of
events through the SQL and folds the same ones with `call_row_merge`.

The rules, in both: order-independent, so events may arrive in any order.
The start is the earliest time seen and the last event the latest; "who"
fields (sub-account, direction, caller, number called) keep the first value
that was not blank; the first menu is the menu of the earliest event that
had one, the last menu and outcome those of the latest event that had one.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from ivr.eightbyeight.events import CALL_ACTION

# The "who" fields: the first value that is not blank stays.
FIRST_FILLED = ("sub_account_id", "direction", "caller", "number_called")
# Set by the earliest event that has one; by the latest.
EARLIEST = ("first_menu_key",)
LATEST = ("last_menu_key", "last_outcome")


@dataclass(frozen=True)
class CallRowEvent:
    """What one event brings to its call's row."""

    at: datetime
    sub_account_id: str = ""
    direction: str = ""  # the call's own leg only: see `call_row_event`
    caller: str = ""
    number_called: str = ""
    menu_key: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class CallRow:
    """The columns of `Call` these rules keep."""

    sub_account_id: str = ""
    direction: str = ""
    caller: str = ""
    number_called: str = ""
    started_at: datetime | None = None
    last_event_at: datetime | None = None
    first_menu_key: str = ""
    last_menu_key: str = ""
    last_outcome: str = ""
    event_count: int = 0


def call_row_event(
    *,
    event_type: str,
    at: datetime,
    sub_account_id: str,
    direction: str,
    caller: str,
    number_called: str,
    menu_key: str,
    outcome: str,
) -> CallRowEvent:
    """What an event of `event_type` brings. Status events of other legs (a
    transfer's) must not set the call's direction: call actions are about
    the call's own leg."""
    return CallRowEvent(
        at=at,
        sub_account_id=sub_account_id,
        direction=direction if event_type == CALL_ACTION else "",
        caller=caller,
        number_called=number_called,
        menu_key=menu_key,
        outcome=outcome,
    )


def call_row_merge(row: CallRow | None, event: CallRowEvent) -> CallRow:
    """`row` with `event` folded in (None: the call's first event), as
    `call_upsert_text` does in SQL. Every rule reads the row as it was."""
    if row is None:
        return CallRow(
            **{name: getattr(event, name) for name in FIRST_FILLED},
            started_at=event.at,
            last_event_at=event.at,
            first_menu_key=event.menu_key,
            last_menu_key=event.menu_key,
            last_outcome=event.outcome,
            event_count=1,
        )
    brought = {
        "first_menu_key": event.menu_key,
        "last_menu_key": event.menu_key,
        "last_outcome": event.outcome,
    }
    older = row.started_at is None or event.at < row.started_at
    newer = row.last_event_at is None or row.last_event_at <= event.at
    changes = {
        name: getattr(row, name) or getattr(event, name) for name in FIRST_FILLED
    }
    for name in EARLIEST:
        if brought[name] and (not getattr(row, name) or older):
            changes[name] = brought[name]
    for name in LATEST:
        if brought[name] and newer:
            changes[name] = brought[name]
    return replace(
        row,
        **changes,
        started_at=earliest(row.started_at, event.at),
        last_event_at=max(filter(None, (row.last_event_at, event.at))),
        event_count=row.event_count + 1,
    )


def earliest(current: datetime | None, seen: datetime | None) -> datetime | None:
    """A call's start only ever moves earlier."""
    return min(filter(None, (current, seen)), default=None)


def first_filled(current: str, seen: str) -> str:
    """A "who" field keeps the first value that was not blank."""
    return current or seen


# --- The same in SQL ---------------------------------------------------------


def call_upsert_values(event: CallRowEvent, *, session_id: str, adapt) -> list:
    """The parameters of `call_upsert_text`, in its order; `adapt` turns a
    datetime into what the database takes."""
    at = adapt(event.at)
    return [
        session_id,
        *(getattr(event, name) for name in FIRST_FILLED),
        at,
        at,
        event.menu_key,
        event.menu_key,
        event.outcome,
    ]


@lru_cache
def call_upsert_text(*, postgres: bool, source: str) -> str:
    """INSERT the event's call, or fold the event into it, by the rules of
    `call_row_merge`. `source` "inserted" makes the row depend on the event
    having been inserted (a PostgreSQL CTE); "VALUES" inserts as it is."""
    least, greatest = ("LEAST", "GREATEST") if postgres else ("MIN", "MAX")
    columns = (
        f"session_id, {', '.join(FIRST_FILLED)}, started_at, last_event_at, "
        f"{', '.join(EARLIEST)}, {', '.join(LATEST)}, "
        "event_count, status, error_message"
    )
    row = ", ".join(["%s"] * 10) + ", 1, '', ''"
    if source == "inserted":
        head = f"INSERT INTO ivr_call AS c ({columns}) SELECT {row} FROM inserted"
    else:
        head = f"INSERT INTO ivr_call AS c ({columns}) VALUES ({row})"
    newer = "(c.last_event_at IS NULL OR c.last_event_at <= excluded.last_event_at)"
    older = "(c.started_at IS NULL OR excluded.started_at < c.started_at)"
    first_filled_sql = [
        f"{name} = CASE WHEN c.{name} = '' THEN excluded.{name} ELSE c.{name} END"
        for name in FIRST_FILLED
    ]
    earliest_sql = [
        f"{name} = CASE WHEN excluded.{name} <> '' AND (c.{name} = '' OR {older}) "
        f"THEN excluded.{name} ELSE c.{name} END"
        for name in EARLIEST
    ]
    latest_sql = [
        f"{name} = CASE WHEN excluded.{name} <> '' AND {newer} "
        f"THEN excluded.{name} ELSE c.{name} END"
        for name in LATEST
    ]
    return (
        f"{head} ON CONFLICT (session_id) DO UPDATE SET "
        "event_count = c.event_count + 1, "
        f"started_at = {least}(COALESCE(c.started_at, excluded.started_at), "
        "excluded.started_at), "
        f"last_event_at = {greatest}(COALESCE(c.last_event_at, "
        "excluded.last_event_at), excluded.last_event_at), "
        + ", ".join([*first_filled_sql, *earliest_sql, *latest_sql])
    )
