"""The call history: call events and calls, read-only, fast at millions
of rows."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from ivr.admin.display import (
    REJECTED_CALLFLOW,
    REJECTED_CALLFLOW_BANNER,
    REJECTED_CALLFLOW_CODE,
    SHORT_ID_CHARS,
    call_link,
    duration_display,
    error_code_display,
    local_time,
    pretty_json,
)
from ivr.admin.reports import ReportAdminMixin
from ivr.core.numbers import MIN_ENDING_DIGITS
from ivr.eightbyeight import events
from ivr.history.exports import CsvExportMixin
from ivr.history.paginators import LargeTablePaginator
from ivr.history.search import phone_number_query
from ivr.models import Call, CallEvent, CallLeg, Menu


class ReadOnlyAdminMixin:
    """The call history records what happened: readable, never written."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# What the search box of each history list takes, and what its list says
# when nothing matches. {digits} is MIN_ENDING_DIGITS.
NUMBER_SEARCH_HELP = (
    "A phone number: whole (+65 9123 4567), local (9123 4567) or its last "
    "{digits} or more digits"
)
NO_MATCH = (
    "No {items} match “{term}”: search by a whole number (+65 9123 4567), a "
    "local one (9123 4567), its last {digits} or more digits, or {ids}."
)
NO_MATCH_FILTERED = (
    "No {items} match “{term}” with the filters chosen: clear the filters, or "
    "search by a whole number (+65 9123 4567), a local one (9123 4567), its "
    "last {digits} or more digits, or {ids}."
)


class SearchedChangeList(ChangeList):
    """A history list that says in words why a search found nothing."""

    @cached_property
    def no_match_message(self) -> str:
        """What to search by instead, when a search found nothing; else ""."""
        if not self.query.strip() or self.result_count:
            return ""
        template = NO_MATCH_FILTERED if self.has_active_filters else NO_MATCH
        return template.format(
            items=self.opts.verbose_name_plural,
            term=self.query.strip(),
            digits=MIN_ENDING_DIGITS,
            ids=self.model_admin.id_search_description,
        )


class NumberSearchMixin:
    """Search by phone number and by exact ids, each an index lookup, where
    Django's default "contains" search would scan every row.

    A phone number is found whole in every spelling it may be stored in, as
    a local number, or by its last digits (`phone_number_query`), and as
    typed: Django would split "+65 9123 4567" at the spaces.
    """

    id_search_fields = ()
    # The ids, in words, for the help text and the "no match" message.
    id_search_description = ""
    number_search_fields = ()

    def get_search_fields(self, request):
        # What Django would search; it also shows the search box.
        return [
            f"={field}" for field in self.number_search_fields + self.id_search_fields
        ]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        query = phone_number_query(term, self.number_search_fields, endings=True)
        for field in self.id_search_fields:
            query |= Q(**{field: term})
        return queryset.filter(query), False

    def get_changelist(self, request, **kwargs):
        return SearchedChangeList

    @property
    def search_help_text(self):
        number = NUMBER_SEARCH_HELP.format(digits=MIN_ENDING_DIGITS)
        return f"{number}; or {self.id_search_description}."


class FixedValuesFilter(admin.SimpleListFilter):
    """Filter a text column by a fixed list of values: listing the values
    present, as Django does by default, would read every row."""

    values = ()
    # The label of the choice "the column is blank"; None offers no such one.
    blank_label = None
    BLANK = "-"

    def lookups(self, request, model_admin):
        choices = [
            (value, value.replace("_", " ").capitalize()) for value in self.values
        ]
        if self.blank_label:
            choices.append((self.BLANK, self.blank_label))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(
            **{self.parameter_name: "" if value == self.BLANK else value}
        )


class EventTypeFilter(FixedValuesFilter):
    title = "event type"
    parameter_name = "event_type"
    values = (events.CALL_ACTION, events.CALL_STATUS, events.SESSION_SUMMARY)


class DirectionFilter(FixedValuesFilter):
    title = "direction"
    parameter_name = "direction"
    values = (events.INBOUND, events.OUTBOUND)


class CallStatusFilter(FixedValuesFilter):
    title = "status"
    parameter_name = "status"
    # 8x8's Session Summary statuses for IVR calls; both spellings of
    # "canceled" appear in its documents.
    values = ("COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED", "ERROR")
    blank_label = "No summary yet"


class CallErrorFilter(admin.SimpleListFilter):
    """8x8's error on the call, the callflow it rejected first. Every choice
    reads the partial index of calls with an error, or its complement."""

    title = "8x8 error"
    parameter_name = "error"
    REJECTED, ANY, NONE = "rejected", "any", "none"

    def lookups(self, request, model_admin):
        return [
            (self.REJECTED, REJECTED_CALLFLOW),
            (self.ANY, "Any 8x8 error"),
            (self.NONE, "No error"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case self.REJECTED:
                return queryset.filter(error_code=REJECTED_CALLFLOW_CODE)
            case self.ANY:
                return queryset.filter(error_code__isnull=False)
            case self.NONE:
                return queryset.filter(error_code__isnull=True)
        return queryset


class MenuKeyFilter(admin.SimpleListFilter):
    """The menus as they are now, from the small menu table rather than the
    millions of events; a deleted menu's key still filters from the URL."""

    title = "menu"
    parameter_name = "menu_key"

    def lookups(self, request, model_admin):
        keys = list(Menu.objects.values_list("key", flat=True))
        if self.value() and self.value() not in keys:
            keys.append(self.value())
        return [(key, key) for key in keys]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(menu_key=self.value())
        return queryset


@admin.register(CallEvent)
class CallEventAdmin(
    # report/ and export/ beside the list (ivr/admin/reports.py,
    # ivr/history/exports.py).
    ReportAdminMixin,
    CsvExportMixin,
    ReadOnlyAdminMixin,
    NumberSearchMixin,
    admin.ModelAdmin,
):
    list_display = (
        "occurred_at",
        "call_session",
        "event_type",
        "direction",
        "caller",
        "number_called",
        "menu_key",
        "digits",
        "outcome",
    )
    # No date_hierarchy: it lists the years and months present, which reads
    # every row; the date filter's fixed ranges cost nothing.
    list_filter = (
        ("occurred_at", admin.DateFieldListFilter),
        EventTypeFilter,
        DirectionFilter,
        "outcome",
        MenuKeyFilter,
    )
    # "call" is the session id, through the indexed column.
    id_search_fields = ("event_id", "call", "call_leg_id")
    id_search_description = "a session, call or event id"
    number_search_fields = ("source", "destination")
    # Counting every row of a large table for "(N total)" is slow.
    show_full_result_count = False
    paginator = LargeTablePaginator
    # Rendering a row costs the admin about a millisecond: 50 a page keeps a
    # page well under 100 ms. Filters are not carried into each row's link
    # (Django resolves every link again to do it); the pages are read-only.
    list_per_page = 50
    preserve_filters = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == "ivr_callevent_changelist":
            # The list shows neither; each can be kilobytes of JSON a row.
            queryset = queryset.defer("payload", "response", "error")
        return queryset

    fieldsets = [
        (
            None,
            {
                "fields": (
                    "event_id",
                    "event_type",
                    "status",
                    "occurred_at",
                    "received_at",
                    "call_session",
                    "session_id",
                    "call_leg_id",
                    "sub_account_id",
                )
            },
        ),
        (
            "Call",
            {
                "fields": (
                    "direction",
                    "call_type",
                    "caller",
                    "number_called",
                    "sip_code",
                )
            },
        ),
        (
            "Menu",
            {
                "fields": (
                    "menu_link",
                    "client_action_id",
                    "digits",
                    "option_digits",
                    "outcome",
                    "error",
                )
            },
        ),
        ("Received from 8x8", {"fields": ("payload_json",)}),
        ("Answered", {"fields": ("response_json",)}),
    ]
    readonly_fields = (
        "occurred_at",
        "received_at",
        "call_session",
        "caller",
        "number_called",
        "menu_link",
        "payload_json",
        "response_json",
    )

    @admin.display(description="call", ordering="session_id")
    def call_session(self, obj):
        # The foreign key's own column: no join to the calls.
        return call_link(obj.call_id)

    @admin.display(description="caller", ordering="source")
    def caller(self, obj):
        return obj.source

    @admin.display(description="number called", ordering="destination")
    def number_called(self, obj):
        return obj.destination

    @admin.display(description="menu")
    def menu_link(self, obj):
        # The key as it was; a link while that menu still exists.
        if obj.menu_id is None:
            return obj.menu_key or None
        url = reverse("admin:ivr_menu_change", args=[obj.menu_id])
        return format_html('<a href="{}">{}</a>', url, obj.menu_key)

    @admin.display(description="request")
    def payload_json(self, obj):
        return pretty_json(obj.payload)

    @admin.display(description="response")
    def response_json(self, obj):
        return pretty_json(obj.response)


class CallEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CallEvent
    fk_name = "call"
    verbose_name_plural = "events, oldest first"
    fields = (
        "occurred_at",
        "event_type",
        "status",
        "digits",
        "menu_key",
        "option_digits",
        "outcome",
    )
    readonly_fields = fields
    ordering = ("occurred_at", "id")
    extra = 0
    can_delete = False
    show_change_link = True


class EmptyAsDashMixin:
    """On a read-only change page Django shows a display method's None as
    "None" (in lists, as "-"): `shown` makes it "-" on both."""

    def shown(self, value):
        return self.get_empty_value_display() if value is None else value


class CallLegInline(EmptyAsDashMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = CallLeg
    fk_name = "call"
    verbose_name_plural = "legs, as 8x8 reported them"
    fields = (
        "leg",
        "direction",
        "source",
        "destination",
        "status",
        "connected",
        "disconnected_at",
        "duration",
        "mos",
        "jitter",
        "packet_loss",
        "in_summary",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="call id")
    def leg(self, obj):
        short = obj.call_leg_id[:SHORT_ID_CHARS]
        if len(obj.call_leg_id) > SHORT_ID_CHARS:
            short += "…"
        return format_html('<span title="{}">{}</span>', obj.call_leg_id, short)

    @admin.display(description="connected")
    def connected(self, obj):
        # Only 8x8's summary can say so: a Call Status may just be missing.
        if obj.connected_at is None and obj.in_summary:
            return "never answered"
        return self.shown(local_time(obj.connected_at))

    @admin.display(description="duration")
    def duration(self, obj):
        return self.shown(duration_display(obj.duration_seconds))

    @admin.display(description="MOS")
    def mos(self, obj):
        return self.shown(None if obj.mos is None else f"{obj.mos:.1f}")

    @admin.display(description="jitter")
    def jitter(self, obj):
        return self.shown(None if obj.jitter_ms is None else f"{obj.jitter_ms:g} ms")

    @admin.display(description="packet loss")
    def packet_loss(self, obj):
        if obj.packet_loss_rate is None:
            return self.get_empty_value_display()
        return f"{obj.packet_loss_rate * 100:.2g} %"


@admin.register(Call)
class CallAdmin(
    CsvExportMixin,  # export/ beside the list (ivr/history/exports.py)
    EmptyAsDashMixin,
    ReadOnlyAdminMixin,
    NumberSearchMixin,
    admin.ModelAdmin,
):
    list_display = (
        "started_at",
        "session",
        "direction",
        "caller",
        "number_called",
        "first_menu_key",
        "last_menu_key",
        "event_count",
        "last_outcome",
        "status",
        "duration",
        "leg_count",
        "error",
    )
    list_display_links = ("started_at", "session")
    list_filter = (
        ("started_at", admin.DateFieldListFilter),
        DirectionFilter,
        CallStatusFilter,
        CallErrorFilter,
    )
    id_search_fields = ("session_id",)
    id_search_description = "a session id"
    number_search_fields = ("caller", "number_called")
    show_full_result_count = False
    paginator = LargeTablePaginator
    # Rendering a row costs the admin about a millisecond: 50 a page keeps a
    # page well under 100 ms. Filters are not carried into each row's link
    # (Django resolves every link again to do it); the pages are read-only.
    list_per_page = 50
    preserve_filters = False
    # The events first: tests and staff find them as the first inline.
    inlines = [CallEventInline, CallLegInline]
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "session_id",
                    "sub_account_id",
                    "direction",
                    "caller",
                    "number_called",
                )
            },
        ),
        (
            "Progress",
            {
                "fields": (
                    "started_at",
                    "last_event_at",
                    "ended_at",
                    "event_count",
                    "first_menu_key",
                    "last_menu_key",
                    "last_outcome",
                )
            },
        ),
        (
            "8x8 Session Summary",
            {
                "fields": (
                    "status",
                    "duration",
                    "last_action",
                    "leg_count",
                    "error",
                    "error_message",
                    "summary_received_at",
                )
            },
        ),
    ]
    readonly_fields = (
        "started_at",
        "last_event_at",
        "ended_at",
        "duration",
        "summary_received_at",
        "error",
    )

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, obj):
        return self.shown(duration_display(obj.duration_seconds))

    @admin.display(description="session", ordering="session_id")
    def session(self, obj):
        short = obj.session_id[:SHORT_ID_CHARS]
        return short + "…" if len(obj.session_id) > SHORT_ID_CHARS else short

    @admin.display(description="8x8 error", ordering="error_code")
    def error(self, obj):
        return self.shown(error_code_display(obj.error_code))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        # The one 8x8 error that is always ours to fix: said above the page,
        # not only in its field.
        if obj is not None and obj.error_code == REJECTED_CALLFLOW_CODE:
            messages.error(request, REJECTED_CALLFLOW_BANNER)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)
