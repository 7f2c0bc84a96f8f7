"""What 8x8 says happened on each call: its final status, start, end and
duration, its legs with their call quality, and 8x8's error.

`call_history_apply(event)` is called for every event after it is stored as
a `CallEvent`, in the same transaction. It acts on Session Summary (VSS) and
Call Status (VCS) events only; for any other it returns at once, with no
query. Storing each event keeps the rest of the call's row (first and last
times, menus, outcome, event count: `ivr.history.call_row`).

Rebuilt, not merged: each time, the call's facts are computed again from
*all* its stored VSS and VCS events (`history_fold`), rather than one event
being merged into what is there. The result is then a function of the set
of events, so the order they arrive in (8x8 promises none for VCS) and
repeats (8x8 warns of them) cannot change it; the tests prove it over every
order. A call has a handful of these events, read in one indexed query.

The rules, in `history_fold`:

- A Session Summary is final. Every field it gives, for the call and for each
  leg, wins; the fields it leaves out (a leg never answered has no
  `connectedTimestamp`; `callQuality` is optional) are filled from the Call
  Status events. If 8x8 sent two different summaries, the one that ends
  latest wins where they disagree.
- Call Status events describe each leg until the summary comes: started
  (CALL_INITIATED, CALL_RECEIVED) and connected at the earliest time
  reported, disconnected at the latest, the status the furthest the leg got
  (initiated, connected, disconnected), the duration a disconnection
  reported (the largest, should there be two).
  Direction, type and numbers come from the earliest event that has them.
- The call starts at the earliest start anything reported (the summary,
  its legs, a status), and never later than the call's row already has it
  (`ivr.history.call_row`); it
  ends at the summary's end or, without one, when every leg known has
  disconnected. Its duration is the summary's end minus its start, or
  without them the time between ours. Its status, last action and error
  are the summary's alone: "No summary yet" stays blank.

Concurrency: the rebuild first locks the call's row (SELECT ... FOR UPDATE),
then reads the events. Two app servers storing two events of one call
therefore rebuild one after the other, and the second, reading after the
first has committed (PostgreSQL's READ COMMITTED reads anew at each
statement), sees both events: no rebuild can overwrite a newer one with
facts from fewer events. The legs are then written with INSERT ... ON
CONFLICT (call, leg id) DO UPDATE (`bulk_create(update_conflicts=True)`),
so the unique constraint, not luck, keeps one row per leg even for a writer
that skipped the lock. Only what changed is written: a repeated event reads
three times and writes nothing.
"""

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from django.db import transaction

from ivr.eightbyeight.events import (
    CALL_STATUS,
    OUTBOUND,
    SESSION_SUMMARY,
    PayloadError,
    SessionSummary,
    VoiceEvent,
    parse_event,
)
from ivr.history.call_row import earliest, first_filled
from ivr.models import Call, CallEvent, CallLeg

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.call_history")

HISTORY_EVENT_TYPES = (CALL_STATUS, SESSION_SUMMARY)

# How far along a leg each Call Status says it is. CALL_UPDATED and
# DTMF_RECEIVED say nothing about that; they still describe the leg.
CALL_STARTED = ("CALL_INITIATED", "CALL_RECEIVED")
CALL_CONNECTED = "CALL_CONNECTED"
CALL_DISCONNECTED = "CALL_DISCONNECTED"
PROGRESS = {
    "CALL_INITIATED": 1,
    "CALL_RECEIVED": 1,
    CALL_CONNECTED: 2,
    CALL_DISCONNECTED: 3,
}

# What the database columns hold; anything else from 8x8 is dropped, not
# stored, so that a strange value can never fail the event's transaction.
SECONDS_MAX = 2**31 - 1
MOS_RANGE = (1.0, 5.0)  # voice-api-reference.md §4.2
PACKET_LOSS_RANGE = (0.0, 1.0)  # a fraction
LEG_ID_MAX_CHARS = 100
# Sorts an event without a time (8x8's times are aware, in UTC).
NO_TIME = datetime.min.replace(tzinfo=UTC)

NOT_STORED_YET = (
    "call_history_apply was called for event %s before it was stored: "
    "it counts only once stored."
)
REBUILD_FAILED = "Rebuilding the history of call %s failed; left as it was."


@dataclass
class LegFacts:
    """One leg, as the events describe it (the columns of `CallLeg`)."""

    call_leg_id: str
    direction: str = ""
    call_type: str = ""
    source: str = ""
    destination: str = ""
    status: str = ""
    initiated_at: datetime | None = None
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    duration_seconds: int | None = None
    mos: float | None = None
    jitter_ms: float | None = None
    packet_loss_rate: float | None = None
    in_summary: bool = False


@dataclass
class CallFacts:
    """The call, as its VSS and VCS events describe it."""

    status: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    last_action: str = ""
    error_code: int | None = None
    error_message: str = ""
    summary_received_at: datetime | None = None
    # The caller's leg in the summary: fills the call's blanks only.
    direction: str = ""
    caller: str = ""
    number_called: str = ""
    legs: dict[str, LegFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredHistoryEvent:
    """A stored VSS or VCS event, parsed again."""

    event_id: str
    event: VoiceEvent
    received_at: datetime | None = None


def call_history_apply(event: VoiceEvent) -> None:
    """Rebuild the history of `event`'s call if it is a VSS or VCS event.

    Call it once `event` is stored, inside the same transaction. Does
    nothing (and runs no query) for other events or events without a
    session. Never raises: a failure is logged and rolled back to before
    the call, so the stored event stays, and the next VSS or VCS event of
    the call (or `call_history_rebuild`) rebuilds it all.
    """
    if event.event_type not in HISTORY_EVENT_TYPES or not event.session_id:
        return
    try:
        with transaction.atomic():
            rebuilt = call_history_rebuild(session_id=event.session_id)
    except Exception:  # the event matters more than its summary
        logger.exception(REBUILD_FAILED, event.session_id)
        return
    if event.event_id not in rebuilt.event_ids:
        logger.warning(NOT_STORED_YET, event.event_id)


@dataclass
class RebuiltHistory:
    """What `call_history_rebuild` found and wrote."""

    facts: CallFacts
    event_ids: set[str]
    legs_written: int
    call_fields_written: list[str]


def call_history_rebuild(*, session_id: str) -> RebuiltHistory:
    """Compute the call's history from its stored VSS and VCS events and
    write what differs: the legs, then the call's row (created if missing).

    Returns the facts, the ids of the events they come from, and what was
    written (nothing, for a repeat). Raises the database's errors.
    """
    # A transaction for the lock when called alone; no savepoint of its own
    # inside call_history_apply's.
    with transaction.atomic(savepoint=False):
        call = _locked_call(session_id)
        rows = CallEvent.objects.filter(
            session_id=session_id, event_type__in=HISTORY_EVENT_TYPES
        ).values_list("event_id", "event_type", "payload", "received_at")
        events = [
            stored
            for event_id, event_type, payload, received_at in rows
            if (stored := _parsed(event_id, event_type, payload, received_at))
        ]
        facts = history_fold(events)
        legs_written, leg_count = _write_legs(call, facts.legs)
        fields = _write_call(call, facts, leg_count)
    return RebuiltHistory(
        facts=facts,
        event_ids={stored.event_id for stored in events},
        legs_written=legs_written,
        call_fields_written=fields,
    )


# --- The rules: events in, facts out (no database) ---------------------------


def history_fold(events: Iterable[StoredHistoryEvent]) -> CallFacts:
    """The call's facts from its VSS and VCS events, in any order.

    The events are put in one fixed order first (by time, then by id), so
    the result depends only on which events there are.
    """
    statuses, summaries = [], []
    for stored in events:
        if stored.event.event_type == SESSION_SUMMARY and stored.event.summary:
            summaries.append(stored)
        elif stored.event.event_type == CALL_STATUS:
            statuses.append(stored)
    summaries.sort(key=_summary_order)
    statuses.sort(key=_status_order)

    legs: dict[str, LegFacts] = {}
    progress: dict[str, int] = {}
    for stored in statuses:
        _fold_status(legs, progress, stored.event)
    for stored in summaries:
        _fold_summary_legs(legs, stored.event.summary)
    for leg in legs.values():
        _finish_leg(leg)

    facts = CallFacts(legs=legs)
    summary = summaries[-1].event.summary if summaries else None
    if summary:
        facts.status = summary.status[:30]
        facts.ended_at = summary.ended_at
        facts.last_action = summary.last_action[:30]
        facts.error_code = summary.error_code
        facts.error_message = summary.error_message[:500]
        facts.summary_received_at = summaries[-1].received_at
        _fill_parties(facts, summary)
    # The earliest start anything reported, not the legs' final values: a
    # summary may put a leg's start later than a status did, and the call's
    # start only ever moves earlier (ivr.history.call_row, with every
    # event's time), so it must come from a set that only grows.
    starts = [s.event.summary.started_at for s in summaries]
    starts += [
        leg.initiated_at or leg.connected_at
        for s in summaries
        for leg in s.event.summary.legs
    ]
    starts += [
        s.event.occurred_at
        for s in statuses
        if s.event.call_id and s.event.call_status in (*CALL_STARTED, CALL_CONNECTED)
    ]
    facts.started_at = min(filter(None, starts), default=None)
    if facts.ended_at is None and legs:
        ends = [leg.disconnected_at for leg in legs.values()]
        if all(ends):
            facts.ended_at = max(ends)
    # 8x8's own start and end when the summary has both; else ours.
    start, end = facts.started_at, facts.ended_at
    if summary and summary.started_at and summary.ended_at:
        start, end = summary.started_at, summary.ended_at
    if start and end:
        facts.duration_seconds = _seconds((end - start).total_seconds())
    return facts


def _status_order(stored: StoredHistoryEvent):
    at = stored.event.occurred_at
    return (at is None, at or NO_TIME, stored.event_id)


def _summary_order(stored: StoredHistoryEvent):
    summary = stored.event.summary
    return (
        summary.ended_at is not None,
        summary.ended_at or NO_TIME,
        summary.started_at is not None,
        summary.started_at or NO_TIME,
        stored.event_id,
    )


def _fold_status(
    legs: dict[str, LegFacts], progress: dict[str, int], event: VoiceEvent
) -> None:
    """One Call Status event, taken in time order, into its leg."""
    if not event.call_id:
        return  # no leg to put it on; it stays in the events
    leg_id = event.call_id[:LEG_ID_MAX_CHARS]
    leg = legs.setdefault(leg_id, LegFacts(leg_id))
    _fill_blanks(
        leg,
        direction=event.direction[:20],
        call_type=event.call_type[:20],
        source=event.source[:100],
        destination=event.destination[:100],
    )
    at, status = event.occurred_at, event.call_status
    if at is not None:
        if status in CALL_STARTED:
            leg.initiated_at = min(filter(None, (leg.initiated_at, at)))
        elif status == CALL_CONNECTED:
            leg.connected_at = min(filter(None, (leg.connected_at, at)))
        elif status == CALL_DISCONNECTED:
            leg.disconnected_at = max(filter(None, (leg.disconnected_at, at)))
    rank = PROGRESS.get(status)
    # In time order, so among equally far statuses the latest one shows.
    if rank is not None and rank >= progress.get(leg_id, 0):
        progress[leg_id] = rank
        leg.status = status[:30]
    # Before the end, callDuration is only the time so far.
    duration = _seconds(event.duration_seconds)
    if status == CALL_DISCONNECTED and duration is not None:
        leg.duration_seconds = max(duration, leg.duration_seconds or 0)


def _fold_summary_legs(legs: dict[str, LegFacts], summary: SessionSummary) -> None:
    """A Session Summary's legs, over what the statuses said: every value
    the summary gives wins."""
    for index, reported in enumerate(summary.legs):
        leg_id = (reported.call_id or reported.key or f"leg {index + 1}")[
            :LEG_ID_MAX_CHARS
        ]
        leg = legs.setdefault(leg_id, LegFacts(leg_id))
        leg.in_summary = True
        given = {
            "direction": reported.direction[:20],
            "call_type": reported.call_type[:20],
            "source": reported.source[:100],
            "destination": reported.destination[:100],
            "status": reported.status[:30],
            "initiated_at": reported.initiated_at,
            "connected_at": reported.connected_at,
            "disconnected_at": reported.disconnected_at,
            "duration_seconds": _seconds(reported.duration_seconds),
            "mos": _within(reported.mos, MOS_RANGE),
            "jitter_ms": _within(reported.jitter_ms, (0.0, float("inf"))),
            "packet_loss_rate": _within(reported.packet_loss_rate, PACKET_LOSS_RANGE),
        }
        for name, value in given.items():
            if value not in ("", None):
                setattr(leg, name, value)


def _finish_leg(leg: LegFacts) -> None:
    # No duration reported: the connected time, when both ends are known.
    if leg.duration_seconds is None and leg.connected_at and leg.disconnected_at:
        leg.duration_seconds = _seconds(
            (leg.disconnected_at - leg.connected_at).total_seconds()
        )


def _fill_parties(facts: CallFacts, summary: SessionSummary) -> None:
    """Who called whom, from the summary's first leg (as a Call Action's is
    read): our number is the source of an outbound leg."""
    if not summary.legs or not summary.legs[0].direction:
        return
    first = summary.legs[0]
    outbound = first.direction == OUTBOUND
    facts.direction = first.direction[:20]
    facts.caller = (first.destination if outbound else first.source)[:100]
    facts.number_called = (first.source if outbound else first.destination)[:100]


def _fill_blanks(leg: LegFacts, **values: str) -> None:
    for name, value in values.items():
        if value and not getattr(leg, name):
            setattr(leg, name, value)


def _seconds(value: float | None) -> int | None:
    """Whole seconds a PositiveIntegerField holds; None for anything else."""
    if value is None or not 0 <= value <= SECONDS_MAX:
        return None
    return int(value)


def _within(value: float | None, bounds: tuple[float, float]) -> float | None:
    low, high = bounds
    return value if value is not None and low <= value <= high else None


# --- Reading and writing -----------------------------------------------------


def _locked_call(session_id: str) -> Call:
    call = Call.objects.select_for_update().filter(pk=session_id).first()
    if call is None:
        # Storing the event creates the call; this is for callers
        # that did not. A concurrent creator makes get_or_create read theirs.
        Call.objects.get_or_create(session_id=session_id)
        call = Call.objects.select_for_update().get(pk=session_id)
    return call


def _parsed(event_id, event_type, payload, received_at) -> StoredHistoryEvent | None:
    try:
        event = parse_event(payload, event_type)
    except PayloadError:  # stored, so it parsed once; never expected
        logger.warning("Stored event %s no longer parses; skipped.", event_id)
        return None
    return StoredHistoryEvent(event_id=event_id, event=event, received_at=received_at)


LEG_FIELDS = [name for name in LegFacts.__dataclass_fields__ if name != "call_leg_id"]
CALL_FIELDS = (
    "status",
    "ended_at",
    "duration_seconds",
    "last_action",
    "error_code",
    "error_message",
    "summary_received_at",
)


def _write_legs(call: Call, legs: dict[str, LegFacts]) -> tuple[int, int]:
    """Upsert the legs that differ from their rows; returns how many were
    written and how many the call has. Legs are never deleted: history
    events that are purged take nothing away."""
    stored = {
        row[0]: dict(zip(LEG_FIELDS, row[1:], strict=True))
        for row in CallLeg.objects.filter(call=call).values_list(
            "call_leg_id", *LEG_FIELDS
        )
    }
    changed = [
        CallLeg(call=call, **asdict(leg))
        for leg_id, leg in legs.items()
        if stored.get(leg_id) != {name: getattr(leg, name) for name in LEG_FIELDS}
    ]
    if changed:
        CallLeg.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["call", "call_leg_id"],
            update_fields=LEG_FIELDS,
        )
    return len(changed), len(stored.keys() | legs.keys())


def _write_call(call: Call, facts: CallFacts, leg_count: int) -> list[str]:
    """Update the call's columns that differ; returns their names."""
    wanted = {name: getattr(facts, name) for name in CALL_FIELDS}
    wanted["leg_count"] = min(leg_count, 32767)
    # By the call row's own rules (ivr.history.call_row), as storing an
    # event applies them in SQL.
    wanted["started_at"] = earliest(call.started_at, facts.started_at)
    for name in ("direction", "caller", "number_called"):
        wanted[name] = first_filled(getattr(call, name), getattr(facts, name))
    changed = {
        name: value for name, value in wanted.items() if getattr(call, name) != value
    }
    if changed:
        Call.objects.filter(pk=call.pk).update(**changed)
    return sorted(changed)
