"""The admin side of publishing: the published versions, a page that shows
what publishing would change and publishes it, and a one-click rollback.

Publishing and rolling back need the "add published version" permission
(the IVR editors role has it); everyone who can see menus sees the versions.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import Publication
from ..publishing import (
    PublishingError,
    draft_changes,
    live_publication,
    menus_publish,
    menus_roll_back,
    previous_publication,
    publishing_problems,
)
from ..selectors import ivr_snapshot_from_database

PUBLISHED = "Version {version} is live: the next call hears it."
NOTHING_CHANGED = "The menus as saved are the live version: nothing to publish."


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "published_at", "published_by", "note", "is_live")
    list_display_links = ("__str__",)
    list_select_related = ("published_by", "restored_from")
    fields = (
        "published_at",
        "published_by",
        "note",
        "restored_from",
        "menus",
        "snapshot_json",
    )
    readonly_fields = fields

    # Versions are made by publishing, never edited or deleted: calls in
    # progress may still run on any of them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def can_publish(self, request) -> bool:
        return request.user.has_perm("ivr.add_publication")

    def get_queryset(self, request):
        newest = Publication.objects.order_by("-id").values("id")[:1]
        return super().get_queryset(request).annotate(live_id=Subquery(newest))

    @admin.display(boolean=True, description="live")
    def is_live(self, publication):
        return publication.pk == publication.live_id

    @admin.display(description="menus")
    def menus(self, publication):
        keys = sorted(menu["key"] for menu in publication.snapshot["menus"])
        return ", ".join(keys)

    @admin.display(description="published menus (JSON)")
    def snapshot_json(self, publication):
        text = json.dumps(publication.snapshot, indent=2, ensure_ascii=False)
        return format_html("<pre class='ivr-json'>{}</pre>", text)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("publish/", view(self.publish_view), name="ivr_publication_publish"),
            path(
                "<int:pk>/roll-back/",
                view(self.roll_back_view),
                name="ivr_publication_roll_back",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        live = live_publication()
        extra = {
            "can_publish": self.can_publish(request),
            "live": live,
            "previous": previous_publication(),
            "changes": draft_changes(live=live),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        live = live_publication()
        extra = {
            "can_publish": self.can_publish(request),
            "is_live": live is not None and str(live.pk) == str(object_id),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def publish_view(self, request):
        """GET: what would change, with a note field; POST: publish."""
        if not self.can_publish(request):
            raise PermissionDenied
        live = live_publication()
        draft = ivr_snapshot_from_database()
        changes = draft_changes(draft, live)
        if request.method == "POST":
            return self._publish(request, changes, live)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Publish the menus",
            "live": live,
            "changes": changes,
            "problems": publishing_problems(draft),
        }
        return TemplateResponse(request, "admin/ivr/publication/publish.html", context)

    def _publish(self, request, changes, live):
        if not changes and live is not None:
            self.message_user(request, NOTHING_CHANGED, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))
        try:
            publication = menus_publish(
                user=request.user, note=request.POST.get("note", "").strip()
            )
        except PublishingError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:ivr_publication_publish"))
        self.message_user(request, PUBLISHED.format(version=publication.pk))
        return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))

    def roll_back_view(self, request, pk):
        """GET: confirm; POST: publish version `pk`'s menus again."""
        if not self.can_publish(request):
            raise PermissionDenied
        target = get_object_or_404(Publication, pk=pk)
        if request.method == "POST":
            try:
                publication = menus_roll_back(user=request.user, to=target)
            except PublishingError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, PUBLISHED.format(version=publication.pk))
            return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Roll back to version {target.pk}?",
            "target": target,
            "live": live_publication(),
        }
        return TemplateResponse(
            request, "admin/ivr/publication/roll_back.html", context
        )


def draft_notice(request) -> None:
    """Tell staff on the menu pages whether their saved edits are live."""
    live = live_publication()
    if live is None:
        return
    changes = draft_changes(live=live)
    if not changes:
        return
    changed = ", ".join([*changes.added, *changes.changed, *changes.removed])
    what = changed or " and ".join(changes.other)
    messages.info(
        request,
        format_html(
            "Callers hear version {}. Saved but not yet published: {}. "
            '<a href="{}">Review and publish</a>',
            live.pk,
            what,
            reverse("admin:ivr_publication_publish"),
        ),
    )
