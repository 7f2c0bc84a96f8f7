"""Answer a webhook event and record it, whatever state the database is in.

The order of work for a Voice Call Action, with a caller waiting:

1. An event this process answered a moment ago (a redelivery) gets the same
   answer again, from memory.
2. Decide with the menus in memory (`ivr.resilience.menu_cache`).
3. Store the event and its answer in one statement, which also says whether
   the menus changed meanwhile; if they did, decide again with the new menus
   and correct the stored answer. A repeat of a stored event gets the answer
   stored first.
4. If the database cannot take it (down, slow, restarting), the event goes to
   the spool (`ivr.resilience.spool`) before the answer is returned, and is written once
   the database is back.

Nothing here raises: a caller always gets a valid callflow.
"""

import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from threading import Lock

from django.db import DatabaseError, connection, transaction

from ivr.core.decide import Decision, Outcome, decide, fallback_decision
from ivr.core.state import decode_state
from ivr.eightbyeight.events import VoiceEvent, parse_event
from ivr.history.calls import call_history_apply
from ivr.history.store import (
    EventRecord,
    StoredEvent,
    event_record_from,
    event_record_replace_decision,
    event_record_store,
)
from ivr.menus.snapshots import fallback_from_settings
from ivr.resilience import metrics
from ivr.resilience.breaker import breaker, is_transient
from ivr.resilience.deadline import database_deadline
from ivr.resilience.menu_cache import menus
from ivr.resilience.spool import AutoReplayer, spool_append

# Named as before the module moved: operators filter the logs on it.
logger = logging.getLogger("ivr.recorder")

REPEAT = "repeat"
INTERNAL_ERROR = "Internal error: {error!r}"
NO_MENUS = "The menus could not be loaded (database unreachable, no copy)."
NOT_STORABLE = "The database refused this event: {error}"


class RecentAnswers:
    """The last answers this process gave, by event id, so a redelivery gets
    the same answer even while the database is away."""

    def __init__(self, size: int = 2000):
        self._size = size
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = Lock()

    def get(self, event_id: str) -> dict | None:
        with self._lock:
            return self._answers.get(event_id)

    def remember(self, event_id: str, response: dict) -> None:
        with self._lock:
            self._answers[event_id] = response
            self._answers.move_to_end(event_id)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


recent_answers = RecentAnswers()


@dataclass(frozen=True)
class Answer:
    response: dict
    outcome: str  # "repeat" for a redelivery answered as the first time
    menu_key: str = ""


def answer_call_action(event: VoiceEvent) -> Answer:
    """The callflow for a Voice Call Action event, recorded once; never raises."""
    known = recent_answers.get(event.event_id)
    if known is not None:
        return Answer(known, REPEAT)
    pinned = decode_state(event.client_action_id).version
    decision = decide_safely(_menus_for(pinned), event)
    stored = store_or_spool(event_record_from(event, decision, decision.response))
    if stored is not None and not stored.created and stored.response:
        return Answer(stored.response, REPEAT)
    if stored is not None and not pinned and not menus.is_current(stored.menu_token):
        decision = _decide_again_if_menus_changed(event, decision)
    recent_answers.remember(event.event_id, decision.response)
    metrics.ANSWERS.labels(decision.outcome.value).inc()
    return Answer(decision.response, decision.outcome.value, decision.menu_key)


def _menus_for(pinned: int):
    """The menus to decide with: the published version the call started on
    (it never changes, so no reload is needed), else the live ones."""
    live = menus.snapshot()
    return (menus.version(pinned) or live) if pinned else live


def record_notification(event: VoiceEvent) -> None:
    """Store a status or summary event and update its call; never raises."""
    store_or_spool(event_record_from(event, None, {}))


def decide_safely(snapshot, event: VoiceEvent) -> Decision:
    """`decide`, or the fallback when there are no menus or deciding fails."""
    fallback = fallback_from_settings()
    if snapshot is None:
        return replace(
            fallback_decision(fallback, event, NO_MENUS), outcome=Outcome.ERROR
        )
    try:
        return decide(snapshot, event)
    except Exception as error:  # a caller is waiting: never a 5xx
        logger.exception("Deciding the callflow failed for event %s", event.event_id)
        decision = fallback_decision(
            fallback, event, INTERNAL_ERROR.format(error=error)
        )
        return replace(decision, outcome=Outcome.ERROR)


def _decide_again_if_menus_changed(event: VoiceEvent, decision: Decision) -> Decision:
    """Staff saved menus since this process loaded them: reload, decide
    again, and correct the stored answer if it changed."""
    fresh = menus.reload()
    if fresh is None:
        return decision
    again = decide_safely(fresh, event)
    if again.response == decision.response:
        return decision
    try:
        event_record_replace_decision(event_record_from(event, again, again.response))
    except DatabaseError:
        logger.warning("Could not correct event %s", event.event_id, exc_info=True)
        return decision
    return again


def store_or_spool(record: EventRecord) -> StoredEvent | None:
    """Store `record`; None when it went to the spool instead."""
    if not breaker.allows():
        _spool(record)
        return None
    # Django would check a reused connection with a SELECT 1 first: a round
    # trip the webhook doesn't need, since a dead connection only fails the
    # one statement below, whose event then waits in the spool, and Django
    # drops the connection at the end of the request.
    connection.health_check_done = True
    try:
        with database_deadline():
            stored = _store(record)
    except Exception as error:
        metrics.DATABASE_ERRORS.labels(type(error).__name__).inc()
        if is_transient(error):
            breaker.failed()
            logger.warning(
                "Database unavailable; event %s spooled: %s", record.event_id, error
            )
        else:
            logger.exception("Storing event %s failed; spooled", record.event_id)
        _spool(record)
        return None
    breaker.succeeded()
    replayer.database_answered()
    return stored


def _store(record: EventRecord) -> StoredEvent:
    # Status and summary events also update the call's history, in the same
    # transaction.
    if record.event_type in ("CALL_ACTION", ""):
        return event_record_store(record)
    with transaction.atomic():
        stored = event_record_store(record)
        if stored.created:
            _apply_call_history(record)
    return stored


def _apply_call_history(record: EventRecord) -> None:
    call_history_apply(parse_event(record.payload, record.event_type))


def _spool(record: EventRecord) -> None:
    spool_append(record.to_json())
    metrics.SPOOLED.inc()
    recent_answers.remember(record.event_id, record.response or {})
    replayer.spooled()


def store_spooled_line(line: str) -> None:
    """Replay one spooled record. Raises ValueError for a record that can
    never be stored (so the spool sets it aside), the database's error when
    it is still away."""
    record = EventRecord.from_json(line)
    try:
        _store(record)
    except DatabaseError as error:
        if is_transient(error):
            raise
        raise ValueError(NOT_STORABLE.format(error=error)) from error


replayer = AutoReplayer(store_spooled_line)
