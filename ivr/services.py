"""Writes: recording webhook events and calls, marking the menus changed.

`call_event_record` is idempotent on the event id: 8x8 may deliver the same
webhook twice, even at the same moment to two app servers, and both get the
answer that was stored first.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from .core.decide import Decision
from .eightbyeight.events import SESSION_SUMMARY, VoiceEvent
from .models import Call, CallEvent, MenuTreeVersion


@dataclass(frozen=True)
class RecordedEvent:
    response: dict | None  # what was answered, the first time this event came
    created: bool  # False: a repeat of an event already stored


def menu_tree_changed() -> None:
    """Tell every app process that the menus changed (a new random token)."""
    updated = MenuTreeVersion.objects.update(token=uuid.uuid4())
    if not updated:
        MenuTreeVersion.objects.create(token=uuid.uuid4())


def call_event_record(
    *, event: VoiceEvent, decision: Decision | None, response: dict | None
) -> RecordedEvent:
    """Store `event` once, with the response it got, and update its call.

    Returns the stored response: for a repeat of an event already stored, the
    answer given the first time, so both deliveries get the same callflow.
    """
    row = _event_row(event, decision, response)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            if row.call_id:
                _call_update(event, decision, row.occurred_at)
    except IntegrityError:
        stored = list(
            CallEvent.objects.filter(event_id=event.event_id).values_list(
                "response", flat=True
            )
        )
        if stored:
            return RecordedEvent(response=stored[0], created=False)
        # Not a repeat: the menu or option was deleted since the snapshot was
        # taken. Keep the event, without the links.
        row.pk = None
        row.menu_id = row.option_id = None
        with transaction.atomic():
            row.save(force_insert=True)
            if row.call_id:
                _call_update(event, decision, row.occurred_at)
    return RecordedEvent(response=response, created=True)


def _event_row(
    event: VoiceEvent, decision: Decision | None, response: dict | None
) -> CallEvent:
    option = decision.option if decision else None
    return CallEvent(
        event_id=event.event_id,
        event_type=event.event_type[:30],
        call_id=event.session_id or None,
        call_leg_id=event.call_id,
        session_id=event.session_id,
        sub_account_id=event.sub_account_id,
        status=event.call_status[:30],
        direction=event.direction[:20],
        call_type=event.call_type[:20],
        source=event.source or _first_leg(event, "source"),
        destination=event.destination or _first_leg(event, "destination"),
        digits=event.digits or "",
        client_action_id=event.client_action_id or "",
        sip_code=event.sip_code,
        occurred_at=event.occurred_at or timezone.now(),
        payload=event.payload,
        response=response,
        menu_id=decision.menu_id if decision else None,
        menu_key=decision.menu_key[:100] if decision else "",
        option_id=option.id if option else None,
        option_digits=option.digits if option else "",
        outcome=decision.outcome.value if decision else "",
        error=decision.error if decision else "",
    )


def _first_leg(event: VoiceEvent, attribute: str) -> str:
    legs = event.summary.legs if event.summary else ()
    return getattr(legs[0], attribute) if legs else ""


def _call_update(event: VoiceEvent, decision: Decision | None, at: datetime) -> None:
    """Fold one event into its call's summary row.

    Events can arrive out of order, so times use the earliest and latest
    seen, and the "last" fields only move forward in time.
    """
    Call.objects.get_or_create(
        session_id=event.session_id,
        defaults={"started_at": at, "last_event_at": at},
    )
    newer = Q(last_event_at__isnull=True) | Q(last_event_at__lte=at)
    fields = {
        "event_count": F("event_count") + 1,
        "started_at": Least(Coalesce("started_at", Value(at)), Value(at)),
        "last_event_at": Greatest(Coalesce("last_event_at", Value(at)), Value(at)),
        "sub_account_id": _first_value("sub_account_id", event.sub_account_id),
    }
    if event.direction:
        fields["direction"] = _first_value("direction", event.direction[:20])
        fields["caller"] = _first_value("caller", event.caller_number[:100])
        fields["number_called"] = _first_value(
            "number_called", event.virtual_number[:100]
        )
    if decision is not None:
        fields["first_menu_key"] = _first_value("first_menu_key", decision.menu_key)
        fields["last_menu_key"] = _newer_value(
            newer, "last_menu_key", decision.menu_key
        )
        fields["last_outcome"] = _newer_value(
            newer, "last_outcome", decision.outcome.value
        )
    if event.event_type == SESSION_SUMMARY and event.summary:
        fields.update(_summary_fields(event))
    Call.objects.filter(pk=event.session_id).update(**fields)


def _summary_fields(event: VoiceEvent) -> dict:
    summary = event.summary
    fields = {"status": Value(summary.status[:30])}
    if summary.started_at:
        fields["started_at"] = Value(summary.started_at)
    if summary.ended_at:
        fields["ended_at"] = Value(summary.ended_at)
    if summary.error_code is not None:
        fields["error_code"] = Value(summary.error_code)
        fields["error_message"] = Value(summary.error_message[:500])
    legs = summary.legs
    if legs and legs[0].direction:
        first = legs[0]
        caller = first.destination if first.direction == "OUTBOUND" else first.source
        ours = first.source if first.direction == "OUTBOUND" else first.destination
        fields["direction"] = _first_value("direction", first.direction[:20])
        fields["caller"] = _first_value("caller", caller[:100])
        fields["number_called"] = _first_value("number_called", ours[:100])
    return fields


def _first_value(field: str, value: str):
    """Keep the field's value once set; set it when still blank."""
    if not value:
        return F(field)
    return Case(When(**{field: ""}, then=Value(value)), default=F(field))


def _newer_value(newer: Q, field: str, value: str):
    if not value:
        return F(field)
    return Case(When(newer, then=Value(value)), default=F(field))
