"""The read API's endpoints: lists and details of call events and calls.

Each view sets all its DRF classes itself (`ReadOnlyAPIViewSet`): the
project's `REST_FRAMEWORK` defaults are the webhooks'. The docstrings are
public text: they are the endpoints' descriptions in the OpenAPI schema.
"""

from django.db import OperationalError
from drf_spectacular.openapi import AutoSchema
from rest_framework import viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ivr.api import filters, pagination, serializers
from ivr.api.permissions import CanViewModel
from ivr.models import Call, CallEvent

# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"
TOO_SLOW = (
    "The database did not finish this page in the time a web request may "
    "take. Narrow it with a shorter time range or fewer filters, or ask for "
    "smaller pages."
)


def statement_timed_out(error: BaseException) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED


class ReadOnlyAPIViewSet(viewsets.ReadOnlyModelViewSet):
    """GET only: a list and a detail. Other methods get 405."""

    # Token first: a request without credentials then gets 401 with
    # `WWW-Authenticate: Token`, not 403. Sessions are staff in a browser
    # (the docs page), logged in through the admin.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [CanViewModel]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    filter_backends = [filters.StrictFilterBackend]
    throttle_classes = []
    # drf-spectacular's schema on these views only, not as a global default
    # (which also means no @extend_schema on their methods: it would build
    # on the global default).
    schema = AutoSchema()
    list_serializer_class = None
    detail_serializer_class = None

    def handle_exception(self, exc):
        # Web processes give every statement the callers' budget
        # (IVR_DB_STATEMENT_TIMEOUT_MS). An indexed page takes a fraction of
        # it; a filter that has no index of its own (a call's outcome or
        # menus) over a long range may not: say so rather than fail with 500.
        if isinstance(exc, OperationalError) and statement_timed_out(exc):
            return Response({"detail": TOO_SLOW}, status=503)
        return super().handle_exception(exc)

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        return self.detail_serializer_class


class CallEventViewSet(ReadOnlyAPIViewSet):
    """Call events: what 8x8 sent and what the app answered."""

    filterset_class = filters.CallEventFilter
    pagination_class = pagination.CallEventPagination
    list_serializer_class = serializers.CallEventSerializer
    detail_serializer_class = serializers.CallEventDetailSerializer
    lookup_value_regex = r"[0-9]+"
    queryset = CallEvent.objects.all()

    def list(self, request, *args, **kwargs):
        """Call events, newest first, one per webhook request 8x8 sent.

        Each row leaves out the stored request body, our answer and any
        error: they are at the event's `url`. Pages follow `next` (older
        rows) until it is null.
        """
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One call event, with the request body 8x8 sent (`payload`), our
        answer (`response`, null for events that need none) and any error."""
        return super().retrieve(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer(*serializers.EVENT_DETAIL_ONLY)
        return queryset


class CallViewSet(ReadOnlyAPIViewSet):
    """Calls: each sums up its events and what 8x8's Session Summary and
    Call Status events said about it."""

    filterset_class = filters.CallFilter
    pagination_class = pagination.CallPagination
    list_serializer_class = serializers.CallSerializer
    detail_serializer_class = serializers.CallDetailSerializer
    lookup_field = "session_id"
    lookup_value_regex = r"[^/]+"
    queryset = Call.objects.all()

    def list(self, request, *args, **kwargs):
        """Calls (8x8 sessions), newest first by start time.

        A call's start is its earliest event, so an event stored late can
        move a call further down the list, where a walk through the pages
        may meet it again: keep the last copy of each `session_id`. Calls
        without a start time yet are not listed. Each call's `events` link
        lists its events.
        """
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One call, with its legs as 8x8 reported them (call quality
        included) and a link to its events."""
        return super().retrieve(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # A cursor position needs a time: the page order has none for
            # these, and the index ivr_call_started serves the condition.
            return queryset.filter(started_at__isnull=False)
        return queryset.prefetch_related("legs")
