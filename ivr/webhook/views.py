"""The 8x8 webhook endpoints: authenticate, parse, decide, record, answer.

A caller waits in silence while the call-action webhook runs, and a 5xx ends
their call, so nothing here may fail: `ivr.webhook.answer` answers even when the
database is away, and any error inside becomes the fallback callflow (an
apology, then an operator or a hang-up), recorded.

8x8 may point several webhook types at one URL, so every endpoint dispatches
on the event's `eventType`; the URL only supplies the default.
"""

import logging
import time

from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from ivr.eightbyeight.events import (
    CALL_ACTION,
    CALL_STATUS,
    SESSION_SUMMARY,
    PayloadError,
    parse_event,
)
from ivr.resilience import metrics
from ivr.webhook.answer import answer_call_action, record_notification
from ivr.webhook.authentication import IsWebhookCaller, WebhookAuthentication
from ivr.webhook.parsers import JSONOnly, WebhookJSONParser, WebhookJSONRenderer

logger = logging.getLogger("ivr.webhook")


class WebhookView(APIView):
    """Receives 8x8 voice webhooks (POST only, JSON)."""

    authentication_classes = [WebhookAuthentication]
    permission_classes = [IsWebhookCaller]
    parser_classes = [WebhookJSONParser]
    renderer_classes = [WebhookJSONRenderer]
    content_negotiation_class = JSONOnly
    # No throttling or versioning: DRF would still call into them per request.
    throttle_classes = []
    default_event_type = CALL_ACTION
    endpoint = "call-action"  # the metrics label

    def post(self, request):
        started = time.perf_counter()
        try:
            event = parse_event(request.data, self.default_event_type)
        except PayloadError as error:
            return Response({"detail": error.message, "field": error.field}, status=400)
        if event.event_type == CALL_ACTION:
            answer = answer_call_action(event)
            body, outcome, menu = answer.response, answer.outcome, answer.menu_key
        else:
            record_notification(event)
            body, outcome, menu = {}, "stored", ""
        seconds = time.perf_counter() - started
        metrics.WEBHOOK_SECONDS.labels(self.endpoint).observe(seconds)
        logger.info(
            "%s %s answered: %s",
            event.event_type,
            event.event_id,
            outcome,
            extra={
                "event_type": event.event_type,
                "event_id": event.event_id,
                "session_id": event.session_id,
                "menu": menu,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        return Response(body)

    def handle_exception(self, exc):
        # DRF's ParseError text names the problem; keep it, but say where.
        if isinstance(exc, ParseError):
            return Response({"detail": str(exc.detail), "field": None}, status=400)
        return super().handle_exception(exc)


class CallActionWebhook(WebhookView):
    """8x8 Voice Call Action (VCA): answers with the next callflow."""

    default_event_type = CALL_ACTION
    endpoint = "call-action"


class SessionSummaryWebhook(WebhookView):
    """8x8 Voice Session Summary (VSS): stored; answers `{}`."""

    default_event_type = SESSION_SUMMARY
    endpoint = "session-summary"


class CallStatusWebhook(WebhookView):
    """8x8 Voice Call Status (VCS): stored; answers `{}`."""

    default_event_type = CALL_STATUS
    endpoint = "call-status"
