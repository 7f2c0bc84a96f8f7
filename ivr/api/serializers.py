"""The JSON of events and calls.

Times are ISO 8601 with their offset, in the server's `DJANGO_TIME_ZONE`
("Z" for UTC). A list row holds only the row's own columns, so a page is
one query; the stored request body and our answer (kilobytes of JSON each)
come with one event at a time, at its detail URL. Links are absolute URLs
built from ids the row already holds, never from another query.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from ivr.models import OUTCOME_CHOICES, Call, CallEvent, CallLeg

EVENT_FIELDS = (
    "id",
    "url",
    "event_id",
    "event_type",
    "status",
    "occurred_at",
    "received_at",
    "session_id",
    "call",
    "call_leg_id",
    "sub_account_id",
    "direction",
    "call_type",
    "source",
    "destination",
    "digits",
    "client_action_id",
    "sip_code",
    "menu_key",
    "option_digits",
    "outcome",
)
# The columns a list page reads; the rest are deferred.
EVENT_DETAIL_ONLY = ("error", "payload", "response")


class CallEventSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:callevent-detail")
    # The call's key is its session id: the link is built from `call_id`
    # alone (lookup_field "pk"), without reading the call.
    call = serializers.HyperlinkedRelatedField(
        view_name="api:call-detail",
        lookup_field="pk",
        lookup_url_kwarg="session_id",
        read_only=True,
        allow_null=True,
        help_text="The call this event belongs to; null for an event "
        "without a session.",
    )
    # Declared so that the schema admits the blank the column may hold
    # (DRF drops `allow_blank` from the read-only fields it builds).
    outcome = serializers.ChoiceField(
        choices=OUTCOME_CHOICES, allow_blank=True, read_only=True
    )

    class Meta:
        model = CallEvent
        fields = EVENT_FIELDS
        read_only_fields = fields


class CallEventDetailSerializer(CallEventSerializer):
    class Meta(CallEventSerializer.Meta):
        fields = EVENT_FIELDS + EVENT_DETAIL_ONLY
        read_only_fields = fields


class CallLegSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallLeg
        fields = (
            "call_leg_id",
            "direction",
            "call_type",
            "source",
            "destination",
            "status",
            "initiated_at",
            "connected_at",
            "disconnected_at",
            "duration_seconds",
            "mos",
            "jitter_ms",
            "packet_loss_rate",
            "in_summary",
        )
        read_only_fields = fields


CALL_FIELDS = (
    "session_id",
    "url",
    "events",
    "sub_account_id",
    "direction",
    "caller",
    "number_called",
    "started_at",
    "last_event_at",
    "ended_at",
    "duration_seconds",
    "event_count",
    "first_menu_key",
    "last_menu_key",
    "last_outcome",
    "status",
    "last_action",
    "leg_count",
    "error_code",
    "error_message",
    "summary_received_at",
)


class CallSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:call-detail", lookup_field="session_id"
    )
    last_outcome = serializers.ChoiceField(
        choices=OUTCOME_CHOICES, allow_blank=True, read_only=True
    )
    events = serializers.SerializerMethodField(
        help_text="A link to the call's events: the event list filtered by "
        "this session id."
    )

    class Meta:
        model = Call
        fields = CALL_FIELDS
        read_only_fields = fields

    def get_events(self, call) -> str:
        return replace_query_param(self._event_list_url, "session_id", call.session_id)

    @cached_property
    def _event_list_url(self) -> str:
        # Once per page, not per row: a list shares one row serializer.
        url = reverse("api:callevent-list")
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class CallDetailSerializer(CallSerializer):
    legs = CallLegSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = (*CALL_FIELDS, "legs")
        read_only_fields = fields
