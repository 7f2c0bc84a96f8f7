"""The admin of menus (with their options inline) and numbers."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import CharField, Count, Value
from django.db.models.functions import Cast, Concat
from django.urls import path
from django.utils.html import format_html, format_html_join

from ivr.admin.display import pretty_json
from ivr.admin.forms import (
    MenuForm,
    MenuOptionForm,
    MenuOptionInlineFormSet,
    problem_links,
)
from ivr.admin.map.view import menu_map_view
from ivr.admin.publishing import draft_notice
from ivr.admin.simulator import menu_simulate_view
from ivr.audit.admin import AuditHistoryAdmin, MenuHistoryAdmin
from ivr.core.capture import capture_for, how_callers_choose
from ivr.core.decide import enter_menu
from ivr.core.numbers import normalize_number
from ivr.core.snapshot import (
    ExhaustedAction,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
)
from ivr.eightbyeight.limits import E164_RE
from ivr.menus.checks import menus_delete_problems
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.menus.voices import fallback_voice_problem
from ivr.models import (
    EXHAUSTED_FIELDS_BY_ACTION,
    NO_ANSWER_FIELDS_BY_ACTION,
    OPTION_FIELDS_BY_ACTION,
    Menu,
    MenuOption,
    Number,
)


class MenuOptionInline(admin.TabularInline):
    # A table reads like the menu itself ("press 1 for sales"): the keys, a
    # label, the action, then in one cell only what that action uses
    # (templates/admin/ivr/menu/options_inline.html), so it fits a screen.
    model = MenuOption
    fk_name = "menu"
    form = MenuOptionForm
    formset = MenuOptionInlineFormSet
    template = "admin/ivr/menu/options_inline.html"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 1
    # The first three are columns; the rest, "what it does", share one cell.
    fieldsets = [
        (None, {"fields": MenuOptionForm.Meta.fields[:3]}),
        ("What it does", {"fields": MenuOptionForm.Meta.fields[3:]}),
    ]


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
    readonly_fields = ("entering_a_choice",)
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
                "description": "Leave blank to derive them from the options. "
                "8x8 takes a choice on its last key when every option has "
                "the same number of keys; with options of different lengths "
                "(1 and 12), callers finish with #, so say so in the prompt.",
                "fields": (
                    "entering_a_choice",
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

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_count=Count("options"))

    def render_change_form(self, request, context, add=False, change=False, **kw):
        # Which fields each choice uses, for the editor's script; and the
        # preview of the menu as saved, shown under its options (not before
        # the menu exists).
        context["field_rules"] = FIELD_RULES
        obj = kw.get("obj")
        if obj is not None and obj.pk:
            context["preview"] = menu_preview(obj)
        return super().render_change_form(request, context, add, change, **kw)

    @admin.display(description="options", ordering="option_count")
    def option_count(self, obj):
        return obj.option_count

    # Once menus are published, a saved edit waits for the next publication:
    # the menu pages say so, so nobody wonders why callers don't hear it yet.
    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            menu_notices(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            menu_notices(request)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="how callers choose")
    def entering_a_choice(self, obj):
        _, menu = saved_menu(obj) if obj and obj.pk else (None, None)
        if menu is None:
            return "Shown once the menu is saved."
        return how_callers_choose(capture_for(menu))

    def get_urls(self):
        # The simulator on the change page (ivr/admin/simulator.py) posts here.
        view = self.admin_site.admin_view(self.simulate_view)
        simulate = path("<path:object_id>/simulate/", view, name="ivr_menu_simulate")
        # The map of the menus (ivr/admin/map/): before Django's own URLs,
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

    # --- Checks of the menus after a save or a deletion (ivr/menus/checks.py) ---
    # A save that would break live calls is refused by the options formset
    # (ivr/admin/forms.py); what only looks wrong is said once the menu is saved.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for problem in getattr(formset, "menu_warnings", ()):
                messages.warning(request, str(problem))

    def get_deleted_objects(self, objs, request):
        # What would break, in plain words, each linked to the menu, option
        # or number to change first (the default entry included, which no
        # foreign key protects). Django's own PROTECT list names rows without
        # links: it is shown only should the menu checks find nothing.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        breaks = menus_delete_problems(menus=objs).refused
        if breaks:
            protected = problem_links(breaks)
        return deleted, counts, perms_needed, protected


# Which fields each choice uses (ivr/models.py), for options_editor.js.
FIELD_RULES = {
    "option": {key: list(v) for key, v in OPTION_FIELDS_BY_ACTION.items()},
    "option_fields": sorted(
        {f for fields in OPTION_FIELDS_BY_ACTION.values() for f in fields}
    ),
    "no_answer": {key: list(v) for key, v in NO_ANSWER_FIELDS_BY_ACTION.items()},
    "exhausted": {key: list(v) for key, v in EXHAUSTED_FIELDS_BY_ACTION.items()},
}


def menu_preview(obj) -> dict | None:
    """A call entering `obj` as saved: in plain words and as the JSON sent
    to 8x8; None once the menu is deleted."""
    snapshot, menu = saved_menu(obj)
    if menu is None:
        return None
    return {
        "caller_hears": describe_menu(snapshot, menu),
        "callflow": pretty_json(enter_menu(snapshot, menu.key).response),
    }


def menu_notices(request) -> None:
    """What staff on the menu pages should know beyond the menus: whether
    their saves reach callers (at once before anything is published, else
    at the next publication; a draft still holding what a rollback took
    back), and a fallback voice 8x8 does not offer."""
    draft_notice(request)
    problem = fallback_voice_problem()
    if problem:
        messages.warning(request, problem)


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
        "<p>Hears “{}”, then has {} seconds to choose. {}</p><ul>{}</ul>"
        "<p>A wrong key or none: {}, then {}.</p>",
        menu.prompt,
        f"{capture.overall_timeout_ms / 1000:g}",
        how_callers_choose(capture),
        choices,
        asked_again(menu.max_retries),
        describe_exhausted(snapshot, menu),
    )


def asked_again(retries: int) -> str:
    """ "asked again once", "… up to 3 times", "not asked again"."""
    if not retries:
        return "not asked again"
    if retries == 1:
        return "asked again once"
    times = "twice" if retries == 2 else f"{retries} times"
    return f"asked again up to {times}"


def describe_option(snapshot: IvrSnapshot, option) -> str:
    then = f"then {go_to(snapshot, option.target)}" if option.target else "then hang up"
    match option.action:
        case OptionAction.MENU:
            return go_to(snapshot, option.target)
        case OptionAction.TRANSFER:
            recorded = " (recorded)" if option.record else ""
            return (
                f"transfer to {option.destination}{recorded}; if not answered, "
                + describe_no_answer(snapshot, option)
            )
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


def describe_no_answer(snapshot: IvrSnapshot, option) -> str:
    sorry = (
        f"hear “{option.no_answer_message}”"
        if option.no_answer_message
        else ("hear an apology")
    )
    match option.on_no_answer:
        case NoAnswerAction.MENU:
            return f"{sorry}, then {go_to(snapshot, option.no_answer_target)}"
        case NoAnswerAction.TRANSFER:
            return f"{sorry}, then transfer to {option.no_answer_destination}"
        case NoAnswerAction.HANGUP:
            return f"{sorry}, then hang up"
    return f"{sorry}, then this menu again"


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
