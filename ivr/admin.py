"""The admin: menus with their options, the numbers that start them, and the
call history, which staff can read but nobody can change.

Everything a caller or 8x8 sent is shown through Django's escaping or
`format_html`, never marked safe. The history lists show only their own
columns (no joins, no per-row queries) and search by exact, indexed values,
so a page costs the same few queries with millions of events.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db import models
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join

from .audit.admin import AuditHistoryAdmin, MenuHistoryAdmin
from .core.capture import capture_for
from .core.decide import enter_menu
from .core.numbers import normalize_number, number_spellings
from .core.snapshot import ExhaustedAction, IvrSnapshot, MenuSnapshot, OptionAction
from .eightbyeight import events
from .eightbyeight.limits import E164_RE
from .exports import CsvExportMixin
from .forms import MenuForm, MenuOptionForm, MenuOptionInlineFormSet
from .menu_checks import menus_delete_problems
from .menu_map import menu_map_view
from .models import Call, CallEvent, CallLeg, Menu, MenuOption, Number
from .paginators import LargeTablePaginator
from .publishing_admin import draft_notice
from .reports_admin import ReportAdminMixin
from .selectors import ivr_snapshot_from_database
from .simulator import menu_simulate_view

admin.site.site_header = "IVR admin"
admin.site.site_title = "IVR admin"

# 8x8's Session Summary error for a callflow it refused: the one error that
# is always ours to fix.
REJECTED_CALLFLOW_CODE = -2003
REJECTED_CALLFLOW = "8x8 rejected our callflow"
REJECTED_CALLFLOW_BANNER = (
    "8x8 rejected our callflow (error -2003) and ended this call with an "
    "error. The answer we sent last before 8x8's Session Summary, in the "
    "events below, is most likely the one refused: please report it."
)
# Django's default DATETIME_FORMAT drops the seconds, which tell the events
# of one call apart.
TIME_FORMAT = "Y-m-d H:i:s T"
SHORT_ID_CHARS = 8


# --- Display helpers -----------------------------------------------------------


def local_time(value):
    """`value` to the second in the configured time zone; None (shown as
    "-") when there is none."""
    if value is None:
        return None
    try:
        return dateformat.format(timezone.localtime(value), TIME_FORMAT)
    except OverflowError:  # a time at the very edge of the calendar, in UTC
        return dateformat.format(value, TIME_FORMAT)


def pretty_json(value):
    """`value` as indented JSON in a <pre>, escaped (it holds whatever the
    caller or 8x8 sent); None when there is none."""
    if value is None:
        return None
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


def call_link(session_id: str):
    """A link to the call's admin page, labelled with the start of its id."""
    if not session_id:
        return None
    url = reverse("admin:ivr_call_change", args=[quote(session_id)])
    short = session_id[:SHORT_ID_CHARS]
    if len(session_id) > SHORT_ID_CHARS:
        short += "…"
    return format_html('<a href="{}" title="{}">{}</a>', url, session_id, short)


def error_code_display(code):
    """8x8's error code; the callflow rejection in bold red."""
    if code is None:
        return None
    if code == REJECTED_CALLFLOW_CODE:
        return format_html(
            '<strong style="color: var(--error-fg)">{} {}</strong>',
            code,
            REJECTED_CALLFLOW,
        )
    return str(code)


def duration_display(seconds):
    """Seconds as "m:ss" or "h:mm:ss"; None (shown as "-") when unknown."""
    if seconds is None:
        return None
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02}:{seconds:02}"
    return f"{minutes}:{seconds:02}"


# --- Menus and numbers ---------------------------------------------------------


class MenuOptionInline(admin.TabularInline):
    # A table reads like the menu itself ("press 1 for sales"); the fields an
    # action does not use simply stay blank in its row.
    model = MenuOption
    fk_name = "menu"
    form = MenuOptionForm
    formset = MenuOptionInlineFormSet
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 1
    fields = (
        "digits",
        "label",
        "action",
        "target_menu",
        "destination",
        "caller_id",
        "record",
        "message",
        "file_url",
    )


@admin.register(Menu)
class MenuAdmin(MenuHistoryAdmin):
    # The History page lists the menu's and its options' changes, each
    # version with a Revert button (ivr/audit/admin.py).
    form = MenuForm
    inlines = [MenuOptionInline]
    list_display = ("key", "name", "is_active", "is_default", "option_count")
    list_display_links = ("key", "name")
    list_filter = ("is_active",)
    search_fields = ("key", "name")
    readonly_fields = ("caller_hears", "callflow_preview")
    fieldsets = [
        (
            None,
            {"fields": ("key", "name", ("is_active", "is_default"), "loaded_version")},
        ),
        (
            "What the caller hears",
            {"fields": ("prompt", ("voice_profile", "speed"))},
        ),
        (
            "Capture settings",
            {
                "classes": ["collapse"],
                "description": "Leave blank to derive them from the options.",
                "fields": (
                    ("min_digits", "max_digits"),
                    ("digit_timeout_ms", "overall_timeout_ms"),
                    "complete_on_hash",
                    "tries",
                ),
            },
        ),
        (
            "When the caller presses a wrong key or none",
            {
                "fields": (
                    "invalid_message",
                    "no_input_message",
                    "max_retries",
                    "on_exhausted",
                    "exhausted_message",
                    "exhausted_destination",
                    "exhausted_menu",
                )
            },
        ),
    ]
    preview_fieldset = (
        "Preview",
        {
            "description": "A call entering this menu, as last saved.",
            "fields": ("caller_hears", "callflow_preview"),
        },
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_count=Count("options"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # Not on a past version's page: the preview is of the menu as saved.
        if obj is None or self.version_of(request):
            return fieldsets
        return [*fieldsets, self.preview_fieldset]

    @admin.display(description="options", ordering="option_count")
    def option_count(self, obj):
        return obj.option_count

    # Once menus are published, a saved edit waits for the next publication:
    # the menu pages say so, so nobody wonders why callers don't hear it yet.
    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            draft_notice(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            draft_notice(request)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="in plain words")
    def caller_hears(self, obj):
        snapshot, menu = saved_menu(obj)
        return describe_menu(snapshot, menu) if menu else None

    @admin.display(description="JSON sent to 8x8")
    def callflow_preview(self, obj):
        snapshot, menu = saved_menu(obj)
        return pretty_json(enter_menu(snapshot, menu.key).response) if menu else None

    def get_urls(self):
        # The simulator on the change page (ivr/simulator.py) posts here.
        view = self.admin_site.admin_view(self.simulate_view)
        simulate = path("<path:object_id>/simulate/", view, name="ivr_menu_simulate")
        # The map of the menus (ivr/menu_map.py): before Django's own URLs,
        # whose "<object_id>/" would take "map/" for a menu's id.
        view = self.admin_site.admin_view(self.map_view)
        menu_map = path("map/", view, name="ivr_menu_map")
        return [simulate, menu_map, *super().get_urls()]

    def map_view(self, request):
        return menu_map_view(request, model_admin=self)

    def simulate_view(self, request, object_id):
        return menu_simulate_view(request, object_id, model_admin=self)

    def save_formset(self, request, form, formset, change):
        if formset.model is MenuOption:
            release_reused_digits(formset)
        super().save_formset(request, form, formset, change)

    # --- Checks of the menus after a save or a deletion (ivr/menu_checks.py) ---
    # A save that would break live calls is refused by the options formset
    # (ivr/forms.py); what only looks wrong is said once the menu is saved.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for problem in getattr(formset, "menu_warnings", ()):
                messages.warning(request, str(problem))

    def get_deleted_objects(self, objs, request):
        # Django's PROTECT names the options, menus and numbers that lead to
        # these menus; the graph says what would break in plain words, the
        # default entry included, which no foreign key protects.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        breaks = menus_delete_problems(menus=objs).refused
        return deleted, counts, perms_needed, [*protected, *map(str, breaks)]


def saved_menu(obj) -> tuple[IvrSnapshot, MenuSnapshot | None]:
    """All menus as saved, and `obj`'s among them (None once deleted).

    Found by id: after a refused edit, `obj` holds the edited key.
    """
    snapshot = ivr_snapshot_from_database()
    menus = (menu for menu in snapshot.menus.values() if menu.id == obj.pk)
    return snapshot, next(menus, None)


def release_reused_digits(formset):
    """Park the keys of the options this save deletes or gives new keys.

    Options are saved one by one, so swapping two options' keys, or giving
    one option the keys of another being deleted, would trip the unique
    constraint halfway through. Inside the admin's transaction, those rows
    first get a temporary key ("~" and their id) that no option can have.
    """
    changing = [
        form.instance.pk
        for form in formset.initial_forms
        if form in formset.deleted_forms or "digits" in form.changed_data
    ]
    if changing:
        MenuOption.objects.filter(pk__in=changing).update(
            digits=Concat(Value("~"), Cast("pk", CharField()))
        )


def describe_menu(snapshot: IvrSnapshot, menu: MenuSnapshot):
    """What a caller entering `menu` hears and can do, in plain words."""
    capture = capture_for(menu)
    if capture.min_digits == capture.max_digits:
        keys = "1 key" if capture.max_digits == 1 else f"{capture.max_digits} keys"
    else:
        keys = f"{capture.min_digits} to {capture.max_digits} keys"
    if capture.complete_on_hash:
        keys += " (# ends the input)"
    choices = format_html_join(
        "",
        "<li>{}{}: {}</li>",
        (
            (
                option.digits,
                f" ({option.label})" if option.label else "",
                describe_option(snapshot, option),
            )
            for option in menu.options
        ),
    )
    return format_html(
        "<p>Hears “{}”, then has {} seconds to press {}.</p><ul>{}</ul>"
        "<p>A wrong key or none: asked again up to {} times, then {}.</p>",
        menu.prompt,
        f"{capture.overall_timeout_ms / 1000:g}",
        keys,
        choices,
        menu.max_retries,
        describe_exhausted(snapshot, menu),
    )


def describe_option(snapshot: IvrSnapshot, option) -> str:
    then = f"then {go_to(snapshot, option.target)}" if option.target else "then hang up"
    match option.action:
        case OptionAction.MENU:
            return go_to(snapshot, option.target)
        case OptionAction.TRANSFER:
            recorded = " (recorded)" if option.record else ""
            return f"transfer to {option.destination}{recorded}"
        case OptionAction.SAY:
            return f"hear “{option.message}”, {then}"
        case OptionAction.PLAY:
            return f"hear the file {option.file_url}, {then}"
        case OptionAction.REPEAT:
            return "hear this menu again"
        case OptionAction.BACK:
            return "go back to the menu before"
        case OptionAction.HANGUP:
            return f"hear “{option.message or snapshot.goodbye_message}”, hang up"
    return str(option.action)


def describe_exhausted(snapshot: IvrSnapshot, menu: MenuSnapshot) -> str:
    match menu.on_exhausted:
        case ExhaustedAction.TRANSFER:
            return f"transfer to {menu.exhausted_destination}"
        case ExhaustedAction.MENU:
            return go_to(snapshot, menu.exhausted_target)
    return "hang up"


def go_to(snapshot: IvrSnapshot, key: str | None) -> str:
    if snapshot.active_menu(key) is None:
        return f"go to menu {key} (not active: the caller hears the apology)"
    return f"go to menu {key}"


@admin.register(Number)
class NumberAdmin(AuditHistoryAdmin):  # History, with Revert
    list_display = ("number", "menu", "label")
    list_select_related = ("menu",)
    search_fields = ("number", "label")
    search_help_text = "Part of the number, in any spelling, or the label."

    def get_search_results(self, request, queryset, search_term):
        # Numbers are stored as E.164; "+65 3158 1234" must find one.
        number = normalize_number(search_term)
        if E164_RE.fullmatch(number):
            search_term = number.removeprefix("+")
        return super().get_search_results(request, queryset, search_term)


# --- The call history ----------------------------------------------------------


class ReadOnlyAdminMixin:
    """The call history records what happened: readable, never written."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExactSearchMixin:
    """Search by exact ids and phone numbers only: each is an index lookup,
    where Django's default "contains" search would scan every row.

    A phone number is searched in every spelling it may be stored in, and as
    a whole: Django would split "+65 9123 4567" at the spaces.
    """

    id_search_fields = ()
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
        query = Q()
        for field in self.id_search_fields:
            query |= Q(**{field: term})
        spellings = number_spellings(term)
        for field in self.number_search_fields:
            query |= Q(**{f"{field}__in": spellings})
        return queryset.filter(query), False


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


class EventTimeMixin:
    @admin.display(description="time", ordering="occurred_at")
    def time(self, obj):
        return local_time(obj.occurred_at)


@admin.register(CallEvent)
class CallEventAdmin(
    # report/ and export/ beside the list (ivr/reports_admin.py, ivr/exports.py).
    ReportAdminMixin,
    CsvExportMixin,
    ReadOnlyAdminMixin,
    ExactSearchMixin,
    EventTimeMixin,
    admin.ModelAdmin,
):
    list_display = (
        "time",
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
    number_search_fields = ("source", "destination")
    search_help_text = (
        "A phone number (any spelling), or an exact session, call or event id."
    )
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
                    "time",
                    "received",
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
        "time",
        "received",
        "call_session",
        "caller",
        "number_called",
        "menu_link",
        "payload_json",
        "response_json",
    )

    @admin.display(description="received")
    def received(self, obj):
        return local_time(obj.received_at)

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


class CallEventInline(ReadOnlyAdminMixin, EventTimeMixin, admin.TabularInline):
    model = CallEvent
    fk_name = "call"
    verbose_name_plural = "events, oldest first"
    fields = (
        "time",
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
        "disconnected",
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

    @admin.display(description="disconnected")
    def disconnected(self, obj):
        return self.shown(local_time(obj.disconnected_at))

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
    CsvExportMixin,  # export/ beside the list (ivr/exports.py)
    EmptyAsDashMixin,
    ReadOnlyAdminMixin,
    ExactSearchMixin,
    admin.ModelAdmin,
):
    list_display = (
        "started",
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
    list_display_links = ("started", "session")
    list_filter = (
        ("started_at", admin.DateFieldListFilter),
        DirectionFilter,
        CallStatusFilter,
        CallErrorFilter,
    )
    id_search_fields = ("session_id",)
    number_search_fields = ("caller", "number_called")
    search_help_text = "A phone number (any spelling), or an exact session id."
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
                    "started",
                    "last_event",
                    "ended",
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
                    "summary_received",
                )
            },
        ),
    ]
    readonly_fields = (
        "started",
        "last_event",
        "ended",
        "duration",
        "summary_received",
        "error",
    )

    @admin.display(description="started", ordering="started_at")
    def started(self, obj):
        return self.shown(local_time(obj.started_at))

    @admin.display(description="last event", ordering="last_event_at")
    def last_event(self, obj):
        return self.shown(local_time(obj.last_event_at))

    @admin.display(description="ended", ordering="ended_at")
    def ended(self, obj):
        return self.shown(local_time(obj.ended_at))

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, obj):
        return self.shown(duration_display(obj.duration_seconds))

    @admin.display(description="summary received")
    def summary_received(self, obj):
        return self.shown(local_time(obj.summary_received_at))

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
