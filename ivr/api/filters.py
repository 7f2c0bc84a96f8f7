"""The API's query parameters, as django-filter FilterSets.

Every filter is an exact match (times: a range), ANDed with the others. A
value that cannot be read is a 400 whose body names the parameter, and so
is a parameter the endpoint does not know: a misspelt filter would
otherwise return every row, silently.

- Times are ISO 8601: `2026-01-31T09:30:00+08:00`, `2026-01-31T01:30:00Z`,
  or without an offset (then in the server's `DJANGO_TIME_ZONE`); a date
  alone is its midnight. `..._after` includes its time, `..._before` does
  not, so consecutive windows neither overlap nor leave a gap.
- `number` is a phone number in any spelling ("+65 3158 1234",
  "6531581234", "006531581234"), matched whole against both ends of the
  call (`ivr.history.search.phone_number_query`; the admin's search also takes a
  number's last digits, a filter takes exact values).

The events' filters each have an index that starts with their column and
ends with the page order (see `ivr.models.CallEvent`), so a filtered page is
still a short index scan. For calls, `direction` and `status` have such
indexes and `number` and `session_id` find their few rows by index; the
menu and outcome filters are read off the newest calls in order, quick for
common values and slower for rare ones over long ranges.
"""

from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from rest_framework.exceptions import ValidationError

from ivr.eightbyeight import events
from ivr.history.search import phone_number_query
from ivr.models import OUTCOME_CHOICES, Call, CallEvent

UNKNOWN_PARAMETER = "This endpoint has no such parameter."

AFTER_HELP = "{what} at or after this time (ISO 8601; {zone})."
BEFORE_HELP = "{what} before this time (ISO 8601; {zone})."
ZONE = "without an offset, in the server's time zone"
NUMBER_HELP = "A phone number in any spelling (+65 3158 1234, 6531581234): {where}."
DIRECTION_HELP = "The call's direction, as 8x8 reports it."
DIRECTION_CHOICES = [(events.INBOUND, "Inbound"), (events.OUTBOUND, "Outbound")]
EVENT_TYPE_CHOICES = [
    (events.CALL_ACTION, "Voice Call Action"),
    (events.CALL_STATUS, "Voice Call Status"),
    (events.SESSION_SUMMARY, "Voice Session Summary"),
]


class PhoneNumberFilter(filters.CharFilter):
    """Rows where any of `fields` holds the number, in any spelling."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.fields = fields

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(phone_number_query(value, self.fields))


class CallEventFilter(filters.FilterSet):
    occurred_after = filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        help_text=AFTER_HELP.format(what="Events", zone=ZONE),
    )
    occurred_before = filters.IsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="lt",
        help_text=BEFORE_HELP.format(what="Events", zone=ZONE),
    )
    number = PhoneNumberFilter(
        fields=("source", "destination"),
        help_text=NUMBER_HELP.format(where="the event's source or destination"),
    )
    # The call's key, an indexed column; `session_id` repeats it unindexed.
    session_id = filters.CharFilter(
        field_name="call_id", help_text="8x8's session id: the events of one call."
    )
    event_type = filters.ChoiceFilter(
        choices=EVENT_TYPE_CHOICES, help_text="The 8x8 webhook that sent the event."
    )
    direction = filters.ChoiceFilter(
        choices=DIRECTION_CHOICES, help_text=DIRECTION_HELP
    )
    menu_key = filters.CharFilter(help_text="The key of the menu the event was in.")
    outcome = filters.ChoiceFilter(
        choices=OUTCOME_CHOICES, help_text="What the app made of the event."
    )
    event_id = filters.CharFilter(help_text="8x8's eventId.")
    call_leg_id = filters.CharFilter(help_text="8x8's callId: the events of one leg.")

    class Meta:
        model = CallEvent
        fields = []


class CallFilter(filters.FilterSet):
    started_after = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="gte",
        help_text=AFTER_HELP.format(what="Calls that started", zone=ZONE),
    )
    started_before = filters.IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="lt",
        help_text=BEFORE_HELP.format(what="Calls that started", zone=ZONE),
    )
    number = PhoneNumberFilter(
        fields=("caller", "number_called"),
        help_text=NUMBER_HELP.format(where="the caller or our number called"),
    )
    session_id = filters.CharFilter(help_text="8x8's session id.")
    direction = filters.ChoiceFilter(
        choices=DIRECTION_CHOICES, help_text=DIRECTION_HELP
    )
    status = filters.CharFilter(
        help_text="8x8's Session Summary status, for example COMPLETED, "
        "NO_ANSWER, FAILED."
    )
    outcome = filters.ChoiceFilter(
        field_name="last_outcome",
        choices=OUTCOME_CHOICES,
        help_text="The outcome of the call's last event.",
    )
    first_menu_key = filters.CharFilter(help_text="The menu the call started in.")
    last_menu_key = filters.CharFilter(help_text="The last menu the call was in.")

    class Meta:
        model = Call
        fields = []


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, refusing query parameters that are neither
    a filter of the view nor its paginator's."""

    def filter_queryset(self, request, queryset, view):
        known = set(self.get_filterset_class(view, queryset).base_filters)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            known |= {paginator.cursor_query_param, paginator.page_size_query_param}
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError({name: [UNKNOWN_PARAMETER] for name in unknown})
        return super().filter_queryset(request, queryset, view)
