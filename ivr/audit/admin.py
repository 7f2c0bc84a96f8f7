"""The admin's audit history pages.

Each menu and number gets a "History" page listing its changes, newest
first: who made each, when, and what changed; a menu's also lists its
options' changes (staff edit them on the menu's page). Saves that changed
nothing are not listed (see `versions._listed`). From each line:

- **View or revert** opens the version the change belongs to, read-only:
  what it held (a menu's options included) and what a revert would change,
  "now → then", messages in full. Its one button, "Revert to this version",
  makes the object exactly that version (`restore.version_revert`).
- **Undo this change** asks first, showing what goes back, then puts back
  what that one change changed, leaving later changes to other fields alone
  (`restore.change_undo`); when a later change touched the same fields, it
  says which and offers the revert instead.

Nothing on these pages is a form of the object's fields: a revert or an
undo saves what the history holds, whatever a request posts, and an edit
is made on the object's own page, recorded as an edit. Both need the
permission to change the menu or number (checked on the POST too, not only
by hiding the button); staff who may only view see the pages read-only.
They are saves like any other: checked the same way, refused (changing
nothing) when they would break live calls.
"""

from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from ivr.audit.restore import (
    change_undo,
    revert_plan,
    undo_plan,
    version_revert,
    version_time,
)
from ivr.audit.versions import menu_audit_entries, object_audit_entries
from ivr.models import Menu, MenuOption

REVERTED = "Reverted to the version of {time}: {options}."
REVERTED_NUMBER = "Reverted to the version of {time}."
REVERT_REFUSED = "Nothing was reverted. {problem}"
UNDONE = "Undid the change of {change} to {subject}: {result}."
UNDO_REFUSED = "Nothing was undone. {problem}"
# What an undo did, by `UndoPlan.action`.
UNDONE_RESULTS = {
    "changes back": "what it changed is back as it was before",
    "is deleted": "the option is deleted",
    "comes back": "the option is back",
}


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """A History page, a read-only page per version with a Revert button,
    and an Undo page per change, for a model with `history` (a number)."""

    object_history_template = "admin/ivr/audit/history.html"
    object_history_form_template = "admin/ivr/audit/version.html"
    undo_template = "admin/ivr/audit/undo.html"
    history_list_per_page = 50

    def audit_entries(self, object_id):
        """The History page's lines for object `object_id`."""
        return object_audit_entries(self.model, object_id)

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.undo_view)
        # Before Django's own URLs, whose "<object_id>/" would take these.
        undo = path(
            "<path:object_id>/history/<slug:model_name>/<int:history_id>/undo/",
            view,
            name=f"{opts.app_label}_{opts.model_name}_undo",
        )
        return [undo, *super().get_urls()]

    # --- The History page ------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        request.current_app = self.admin_site.name
        obj = self._object_or_deleted(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(self.audit_entries(obj.pk), self.history_list_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR))
        exists = self.model.objects.filter(pk=obj.pk).exists()
        may_revert = self.has_change_permission(request, obj)
        context = {
            **self._context(request, obj),
            "title": f"History: {obj}",
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "may_revert": may_revert,
            # A deleted object has nothing to undo a change of.
            "may_undo": may_revert and exists,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)

    # --- A version, and the revert ---------------------------------------------

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A version's page, read-only, and its Revert. What the POST holds
        is never saved: a revert restores what the history holds."""
        request.current_app = self.admin_site.name
        version = self._row(self.model, object_id, version_id)
        obj = self._object_or_deleted(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        may_revert = self.has_change_permission(request, obj)
        if request.method == "POST":
            if not may_revert:
                raise PermissionDenied
            return self._revert(request, obj, version)
        plan = revert_plan(version)
        context = {
            **self._context(request, obj),
            "title": f"{capfirst(self.model._meta.verbose_name)} {obj}, "
            f"as it was on {plan.time}",
            "plan": plan,
            "held": self._in_fieldsets(request, plan.held),
            "may_revert": may_revert,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_form_template, context)

    def _revert(self, request, obj, version):
        # The one field read from the POST is the page's version of the
        # object (restore.version_revert): no field of the object is.
        loaded = request.POST.get("loaded")
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                restored = version_revert(version=version, loaded=loaded)
        except ValidationError as error:
            problem = " ".join(error.messages)
            self.message_user(
                request, REVERT_REFUSED.format(problem=problem), messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        time = version_time(version)
        if self.model is Menu:
            count = restored.options
            what = "no options" if not count else f"{count} option" + "s" * (count > 1)
            done = REVERTED.format(time=time, options=what)
        else:
            done = REVERTED_NUMBER.format(time=time)
        obj = self.model.objects.get(pk=obj.pk)
        self.log_change(request, obj, done)
        for warning in restored.warnings:
            self.message_user(request, warning, messages.WARNING)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._url("history", obj.pk))

    # --- Undo one change ---------------------------------------------------------

    def undo_view(self, request, object_id, model_name, history_id):
        """Undo one change: GET says what it would do (or why it can't);
        the POST does it. Only the row's id is read from the request."""
        request.current_app = self.admin_site.name
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        model = self._audit_models().get(model_name)
        if model is None:
            raise Http404
        row = self._row(model, None, history_id)
        if (row.menu_id if model is MenuOption else row.id) != obj.pk:
            raise Http404  # a row of another object
        if request.method == "POST":
            return self._undo(request, obj, row)
        plan = undo_plan(row)
        revert_url = None
        if plan.revert_to is not None:
            revert_url = self._url("simple_history", obj.pk, plan.revert_to)
        context = {
            **self._context(request, obj),
            "title": f"Undo the change of {plan.change}",
            "plan": plan,
            "revert_url": revert_url,
        }
        return TemplateResponse(request, self.undo_template, context)

    def _undo(self, request, obj, row):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                restored = change_undo(row=row)
        except ValidationError as error:
            problem = " ".join(error.messages)
            self.message_user(
                request, UNDO_REFUSED.format(problem=problem), messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        plan = restored.undone
        done = UNDONE.format(
            change=plan.change,
            subject=plan.subject,
            result=UNDONE_RESULTS[plan.action],
        )
        self.log_change(request, self.model.objects.get(pk=obj.pk), done)
        for warning in restored.warnings:
            self.message_user(request, warning, messages.WARNING)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._url("history", obj.pk))

    # --- Helpers -------------------------------------------------------------------

    def _audit_models(self) -> dict:
        """The models whose history rows this admin's History page lists, by
        the name the undo page's address gives them."""
        return {self.model._meta.model_name: self.model}

    def _object_or_deleted(self, request, object_id):
        """The object, or, once deleted, as its last version had it; 404
        without one."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            return obj
        try:
            rows = self.model.history.filter(id=int(unquote(object_id)))
        except ValueError:
            raise Http404 from None
        last = rows.order_by("-history_date", "-history_id").first()
        if last is None:
            raise Http404
        return last.instance

    def _row(self, model, object_id, history_id):
        """History row `history_id` of `model` (of object `object_id` when
        given); 404 without one."""
        lookup = {"history_id": history_id}
        if object_id is not None:
            lookup["id"] = unquote(object_id)
        try:
            return model.history.get(**lookup)
        except (ValueError, model.history.model.DoesNotExist):
            raise Http404 from None

    def _in_fieldsets(self, request, values):
        """`values` (FieldValue) grouped as the change page groups their
        fields, [(heading or None, values)]: "Transfer to" reads differently
        under "When the caller presses a wrong key or none"."""
        by_name = {value.name: value for value in values}
        groups = []
        for title, options in self.get_fieldsets(request):
            names = flatten_fieldsets([(title, options)])
            group = [by_name.pop(name) for name in names if name in by_name]
            if group:
                groups.append((title, group))
        if by_name:
            groups.append((None, list(by_name.values())))
        return groups

    def _url(self, view, *args) -> str:
        opts = self.model._meta
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}"
        return reverse(name, args=args)

    def _context(self, request, obj) -> dict:
        opts = self.model._meta
        return {
            **self.admin_site.each_context(request),
            "object": obj,
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name_plural),
            "history_url": self._url("history", obj.pk),
        }


class MenuHistoryAdmin(AuditHistoryAdmin):
    """A menu's history with its options', a revert that restores them, and
    the undo of an option's change."""

    def audit_entries(self, object_id):
        return menu_audit_entries(object_id)

    def _audit_models(self) -> dict:
        return {"menu": Menu, "menuoption": MenuOption}
