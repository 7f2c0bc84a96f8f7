"""The admin's audit history pages, on simple-history's.

Each menu and number gets a "History" page listing its versions, who saved
each and what changed, and a page per version with a Revert button. A menu's
history also lists its options' changes (staff edit them on the menu's page),
and reverting a menu restores its options as they were in that version.

Revert needs the permission to change the menu or number: simple-history
only hides the button from staff without it, these pages also refuse their
POST.
"""

from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from ..forms import MenuForm
from ..menu_checks import menu_tree_problems
from ..models import Menu
from ..selectors import ivr_snapshot_from_database
from ..validation import menu_option_problems
from .records import change_reason
from .versions import (
    menu_audit_entries,
    menu_options_restore,
    menu_version_options,
    option_subject,
)

REVERTED_TO = "reverted to the version of {time}"
REVERTED = "Reverted to the version of {time}: {options}."
REVERT_REFUSED = "Nothing was reverted. {problem}"
TIME_FORMAT = "Y-m-d H:i:s T"


def version_time(version) -> str:
    return dateformat.format(timezone.localtime(version.history_date), TIME_FORMAT)


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, whose Revert is refused, not only hidden, to
    staff who may not change the object, and who see a version read-only."""

    history_list_per_page = 50

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # The object and what a revert restores with it change together.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(
                request, object_id, version_id, extra_context
            )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.version_of(request) and not self.has_change_permission(request, obj):
            # As Django's change page shows an object to staff who may only
            # view it: the model's fields read-only, the form's own (hidden)
            # ones left to the form. (Not from get_fieldsets, which may ask
            # for the form, which asks for these.)
            if self.fieldsets:
                names = flatten_fieldsets(self.fieldsets)
            else:
                names = self.fields or [
                    f.name for f in self.model._meta.fields if f.editable
                ]
            declared = getattr(self.form, "declared_fields", {})
            readonly += [
                name for name in names if name not in readonly + list(declared)
            ]
        return readonly

    def version_of(self, request) -> tuple[str, str] | None:
        """The object id and version id of the version page `request` is
        for; None on any other page."""
        match = request.resolver_match
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_simple_history"
        if match and match.url_name == name:
            return match.args[0], match.args[1]
        return None


class MenuHistoryAdmin(AuditHistoryAdmin):
    """A menu's history with its options', and a revert that restores them."""

    object_history_template = "admin/ivr/menu/audit_history.html"
    object_history_form_template = "admin/ivr/menu/audit_version.html"

    def history_view(self, request, object_id, extra_context=None):
        request.current_app = self.admin_site.name
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            obj = self._deleted_menu(unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(menu_audit_entries(obj.pk), self.history_list_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name_plural),
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "may_revert": self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def _deleted_menu(self, object_id):
        """A deleted menu, as its last version had it; 404 without one."""
        try:
            rows = Menu.history.filter(id=int(object_id))
        except ValueError:
            raise Http404 from None
        last = rows.order_by("-history_date", "-history_id").first()
        if last is None:
            raise Http404
        return last.instance

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        version = self._version(object_id, version_id)
        options = menu_version_options(version)
        context = {
            "version_time": version_time(version),
            "version_options": [
                f"{option_subject(option)}: {option.get_action_display()}"
                for option in options
            ],
            **(extra_context or {}),
        }
        try:
            return super().history_form_view(request, object_id, version_id, context)
        except ValidationError as error:
            # Raised by save_model inside the revert's transaction, which is
            # rolled back: nothing changed.
            problem = " ".join(error.messages)
            self.message_user(
                request, REVERT_REFUSED.format(problem=problem), messages.ERROR
            )
            return HttpResponseRedirect(request.path)

    def _version(self, object_id, version_id):
        try:
            return Menu.history.get(id=int(object_id), history_id=int(version_id))
        except (ValueError, Menu.history.model.DoesNotExist):
            raise Http404 from None

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        ids = self.version_of(request)
        if ids is None:
            return form
        digits = [option.digits for option in menu_version_options(self._version(*ids))]
        return revert_form(form, digits)

    def save_model(self, request, obj, form, change):
        ids = self.version_of(request)
        if ids is None:
            super().save_model(request, obj, form, change)
            return
        version = self._version(*ids)
        time = version_time(version)
        before = ivr_snapshot_from_database()
        with change_reason(REVERTED_TO.format(time=time)):
            super().save_model(request, obj, form, change)
            options = menu_version_options(version)
            menu_options_restore(menu=obj, options=options)
        # A revert is a save: the version may lead to a menu deactivated
        # since, say. What would break a live call refuses it (the revert's
        # transaction is rolled back), the rest warns, as on any save.
        problems = menu_tree_problems(before=before, changed={obj.key})
        if problems.refused:
            raise ValidationError([str(problem) for problem in problems.refused])
        for problem in problems.warnings:
            self.message_user(request, str(problem), messages.WARNING)
        count = len(options)
        what = "no options" if not count else f"{count} option" + "s" * (count > 1)
        self.message_user(request, REVERTED.format(time=time, options=what))


def revert_form(form_class: type[MenuForm], option_digits: list[str]):
    """`form_class` (the menu's form) for reverting to a version whose
    options have the keys `option_digits`."""

    class RevertMenuForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # The version's own time of saving is old: the check that nobody
            # else saved the menu meanwhile starts from the menu as it is
            # now (a deleted menu has nobody to collide with).
            saved = (
                Menu.objects.filter(pk=self.instance.pk)
                .values_list("updated_at", flat=True)
                .first()
            )
            field = self.fields.get("loaded_version")
            if field is not None:
                field.initial = saved.isoformat() if saved else ""

        def clean(self):
            # MenuForm.clean checks the capture settings against the options
            # the menu has now; a revert brings back the version's options,
            # so these are checked instead. Otherwise the same steps.
            cleaned_data = super(MenuForm, self).clean()
            self._check_not_changed_meanwhile(cleaned_data.get("loaded_version"))
            problems = menu_option_problems(
                option_digits=option_digits,
                min_digits=cleaned_data.get("min_digits"),
                max_digits=cleaned_data.get("max_digits"),
                complete_on_hash=cleaned_data.get("complete_on_hash"),
            )
            for name, problem in problems.items():
                self.add_error(name if name in self.fields else None, problem)
            return cleaned_data

    return RevertMenuForm
