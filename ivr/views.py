"""The 8x8 webhook endpoints: authenticate, parse, decide, record, answer.

A caller waits in silence while the call-action webhook runs, and a 5xx ends
their call, so nothing here may fail: any error inside becomes the fallback
callflow (an apology, then an operator or a hang-up), and the error is
recorded. 8x8 may point several webhook types at one URL, so every endpoint
dispatches on the event's `eventType`; the URL only supplies the default.
"""

import logging
from dataclasses import replace

from rest_framework.exceptions import ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import IsWebhookCaller, WebhookAuthentication
from .core.decide import Outcome, decide, fallback_decision
from .eightbyeight.events import (
    CALL_ACTION,
    CALL_STATUS,
    SESSION_SUMMARY,
    PayloadError,
    VoiceEvent,
    parse_event,
)
from .parsers import WebhookJSONParser
from .selectors import fallback_from_settings, ivr_snapshot
from .services import call_event_record

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error: {error!r}"


class WebhookView(APIView):
    """Receives 8x8 voice webhooks (POST only, JSON)."""

    authentication_classes = [WebhookAuthentication]
    permission_classes = [IsWebhookCaller]
    parser_classes = [WebhookJSONParser]
    renderer_classes = [JSONRenderer]
    default_event_type = CALL_ACTION

    def post(self, request):
        try:
            event = parse_event(request.data, self.default_event_type)
        except PayloadError as error:
            return Response({"detail": error.message, "field": error.field}, status=400)
        if event.event_type == CALL_ACTION:
            body = answer_call_action(event)
        else:
            body = record_notification(event)
        return Response(body)

    def handle_exception(self, exc):
        # DRF's ParseError text names the problem; keep it, but say where.
        if isinstance(exc, ParseError):
            return Response({"detail": str(exc.detail), "field": None}, status=400)
        return super().handle_exception(exc)


class CallActionWebhook(WebhookView):
    """8x8 Voice Call Action (VCA): answers with the next callflow."""

    default_event_type = CALL_ACTION


class SessionSummaryWebhook(WebhookView):
    """8x8 Voice Session Summary (VSS): stored; answers `{}`."""

    default_event_type = SESSION_SUMMARY


class CallStatusWebhook(WebhookView):
    """8x8 Voice Call Status (VCS): stored; answers `{}`."""

    default_event_type = CALL_STATUS


def answer_call_action(event: VoiceEvent) -> dict:
    """The callflow for `event`, recorded once; never raises."""
    try:
        decision = decide(ivr_snapshot(), event)
    except Exception as error:  # a caller is waiting: never a 5xx
        logger.exception("Deciding the callflow failed for event %s", event.event_id)
        fallback = fallback_decision(
            fallback_from_settings(), event, INTERNAL_ERROR.format(error=error)
        )
        decision = replace(fallback, outcome=Outcome.ERROR)
    try:
        stored = call_event_record(
            event=event, decision=decision, response=decision.response
        )
    except Exception:
        logger.exception("Recording event %s failed", event.event_id)
        return decision.response
    return stored.response or decision.response


def record_notification(event: VoiceEvent) -> dict:
    """Store a status or summary event; 8x8 only needs a 200."""
    call_event_record(event=event, decision=None, response={})
    return {}
