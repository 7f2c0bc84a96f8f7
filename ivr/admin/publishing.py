"""The admin side of publishing: the published versions, each shown in plain
words; a page that shows what publishing would change, field by field, and
publishes it; a rollback that asks first and says what it does; and
discarding the draft.

Publishing, rolling back and discarding the draft need the "add published
version" permission (the IVR editors role has it); everyone who can see
menus sees the versions. Each action that changes what callers hear, or
throws away saved work, is a POST from a page that says first what it will
do.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ivr.core.changes import snapshot_changes, snapshots_equal
from ivr.menus.publishing import (
    UNREADABLE,
    PublishingError,
    RolledBackChangesInDraft,
    draft_changes,
    live_publication,
    menus_discard_draft,
    menus_publish,
    menus_roll_back,
    previous_publication,
    publishing_problems,
    readable_menus,
    rolled_back_changes,
    rolled_back_from,
)
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Publication

PUBLISHED = "Version {version} is live: the next call hears it."
ROLLED_BACK_LIVE = (
    "Version {version} is live: from the next call, callers hear the menus of "
    "version {target} again."
)
NOTHING_CHANGED = "The menus as saved are the live version: nothing to publish."
DISCARDED = (
    "Draft discarded: the saved menus are those of version {version} again "
    "({count} menus, options or numbers put back; each is in its History)."
)
# The links to the rollback's page say what it does: an older version's
# menus are published again. After a rollback, the version before the live
# one is the one rolled back *from*: going to it undoes the rollback.
ROLL_BACK_TO = "Publish the menus of version {version} again…"
UNDO_ROLL_BACK = "Undo the rollback: publish the menus of version {version} again…"
DISCARD_LINK = "Discard the draft…"
# The menu pages, before anything is published and after.
NOTHING_PUBLISHED_YET = "Nothing is published yet: each save reaches callers at once."
DRAFT_WAITING = "Callers hear version {version}. Saved but not yet published: {what}."
DRAFT_HOLDS_ROLLED_BACK = (
    "Callers hear version {version}, the menus of version {target} again: "
    "version {rolled_back} was rolled back. The saved menus (the draft) still "
    "hold what was rolled back ({changes}): the next publication would put it "
    "back."
)
CHANGES_SHOWN = 3


def can_publish(request) -> bool:
    return request.user.has_perm("ivr.add_publication")


def roll_back_label(version: int, live: Publication | None) -> str:
    """The words of a link to publish `version`'s menus again, while `live`
    is the live version."""
    if version == getattr(rolled_back_from(live), "pk", None):
        return UNDO_ROLL_BACK.format(version=version)
    return ROLL_BACK_TO.format(version=version)


def changes_in_short(changes) -> str:
    """The first few changes, one after another, and how many more."""
    shown = "; ".join(map(str, changes[:CHANGES_SHOWN]))
    if len(changes) > CHANGES_SHOWN:
        shown += f"; and {len(changes) - CHANGES_SHOWN} more"
    return shown


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
        "menus_in_words",
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

    def get_queryset(self, request):
        newest = Publication.objects.order_by("-id").values("id")[:1]
        return super().get_queryset(request).annotate(live_id=Subquery(newest))

    @admin.display(boolean=True, description="live")
    def is_live(self, publication):
        return publication.pk == publication.live_id

    @admin.display(description="menus, as callers hear them")
    def menus_in_words(self, publication):
        # Imported here: ivr.admin.menus imports this module for its notices.
        from ivr.admin.menus import describe_menu

        snapshot = readable_menus(publication)
        if snapshot is None:
            return "This version cannot be read by this code: see its JSON below."
        menus = format_html_join(
            "",
            "<h3>{}</h3>{}",
            (
                (_menu_heading(snapshot, menu), describe_menu(snapshot, menu))
                for _, menu in sorted(snapshot.menus.items())
            ),
        )
        numbers = format_html_join(
            "",
            "<li>Calls to {} start in {}.</li>",
            (
                (number, _menu_name(snapshot, key))
                for number, key in sorted(snapshot.numbers.items())
            ),
        )
        default = (
            format_html("start in {}", _menu_name(snapshot, snapshot.default_menu))
            if snapshot.default_menu
            else "hear the apology: there is no default entry"
        )
        return format_html(
            '<div id="version-menus">{}<h3>Numbers</h3><ul>{}'
            "<li>Calls to other numbers {}.</li></ul></div>",
            menus,
            numbers,
            default,
        )

    @admin.display(description="published menus (JSON)")
    def snapshot_json(self, publication):
        text = json.dumps(publication.snapshot, indent=2, ensure_ascii=False)
        return format_html(
            '<details id="version-json"><summary>Show the JSON</summary>'
            "<pre class='ivr-json'>{}</pre></details>",
            text,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("publish/", view(self.publish_view), name="ivr_publication_publish"),
            path(
                "discard-draft/",
                view(self.discard_view),
                name="ivr_publication_discard",
            ),
            path(
                "<int:pk>/roll-back/",
                view(self.roll_back_view),
                name="ivr_publication_roll_back",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        live = live_publication()
        draft = ivr_snapshot_from_database()
        previous = previous_publication()
        extra = {
            "can_publish": can_publish(request),
            "live": live,
            "rolled_back_from": rolled_back_from(live),
            "previous": previous,
            "roll_back_label": roll_back_label(previous.pk, live) if previous else "",
            "changes": draft_changes(draft, live),
            "rolled_back": rolled_back_changes(draft, live),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        live = live_publication()
        is_live = live is not None and str(live.pk) == str(object_id)
        extra = {
            "can_publish": can_publish(request),
            "is_live": is_live,
            **(extra_context or {}),
        }
        if not is_live and str(object_id).isdigit():
            extra["roll_back_label"] = roll_back_label(int(object_id), live)
        return super().change_view(request, object_id, form_url, extra)

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/ivr/publication/{template}", context)

    def publish_view(self, request):
        """GET: what would change, field by field, with a note field; POST:
        publish."""
        if not can_publish(request):
            raise PermissionDenied
        live = live_publication()
        draft = ivr_snapshot_from_database()
        changes = draft_changes(draft, live)
        if request.method == "POST":
            return self._publish(request, changes, live)
        rolled_back = rolled_back_changes(draft, live)
        again = {change.identity for change in rolled_back}
        return self._page(
            request,
            "publish.html",
            "Publish the menus",
            live=live,
            rolled_back_from=rolled_back_from(live),
            changes=changes,
            lines=[(change, change.identity in again) for change in changes.lines],
            rolled_back=rolled_back,
            problems=publishing_problems(draft),
        )

    def _publish(self, request, changes, live):
        if not changes and live is not None:
            self.message_user(request, NOTHING_CHANGED, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))
        try:
            publication = menus_publish(
                user=request.user,
                note=request.POST.get("note", "").strip(),
                republish_rolled_back=bool(request.POST.get("republish_rolled_back")),
            )
        except PublishingError as error:
            level = (
                messages.WARNING
                if isinstance(error, RolledBackChangesInDraft)
                else messages.ERROR
            )
            self.message_user(request, str(error), level)
            return HttpResponseRedirect(reverse("admin:ivr_publication_publish"))
        self.message_user(request, PUBLISHED.format(version=publication.pk))
        return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))

    def roll_back_view(self, request, pk):
        """GET: say what publishing version `pk`'s menus again does, and ask;
        POST: do it (and discard the draft too, when ticked)."""
        if not can_publish(request):
            raise PermissionDenied
        target = get_object_or_404(Publication, pk=pk)
        if request.method == "POST":
            return self._roll_back(request, target)
        live = live_publication()
        target_menus, live_menus = readable_menus(target), readable_menus(live)
        if target_menus is None:
            self.message_user(
                request, UNREADABLE.format(version=target.pk), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))
        draft = ivr_snapshot_from_database()
        newest = Publication.objects.aggregate(newest=Max("pk"))["newest"]
        return self._page(
            request,
            "roll_back.html",
            f"Publish the menus of version {target.pk} again?",
            target=target,
            live=live,
            is_live=target.pk == live.pk,
            already_heard=live_menus is not None
            and snapshots_equal(live_menus, target_menus),
            undoes_rollback=target == rolled_back_from(live),
            next_version=newest + 1,
            for_callers=snapshot_changes(live_menus, target_menus),
            draft_differs=snapshot_changes(target_menus, draft),
        )

    def _roll_back(self, request, target):
        try:
            publication = menus_roll_back(
                user=request.user,
                to=target,
                discard_draft=bool(request.POST.get("discard_draft")),
            )
        except PublishingError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                ROLLED_BACK_LIVE.format(version=publication.pk, target=target.pk),
            )
        return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))

    def discard_view(self, request):
        """GET: what discarding the draft puts back, and ask; POST: discard."""
        if not can_publish(request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                live, count = menus_discard_draft(user=request.user)
            except PublishingError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, DISCARDED.format(version=live.pk, count=count)
                )
            return HttpResponseRedirect(reverse("admin:ivr_publication_changelist"))
        live = live_publication()
        draft = ivr_snapshot_from_database()
        live_menus = readable_menus(live)
        return self._page(
            request,
            "discard.html",
            "Discard the draft?",
            live=live,
            unreadable=live is not None and live_menus is None,
            put_back=snapshot_changes(draft, live_menus) if live_menus else [],
            differs=live_menus is not None and not snapshots_equal(draft, live_menus),
        )


def _menu_name(snapshot, key: str) -> str:
    menu = snapshot.menus.get(key)
    return f"{menu.name} ({key})" if menu is not None and menu.name else key


def _menu_heading(snapshot, menu) -> str:
    notes = []
    if menu.key == snapshot.default_menu:
        notes.append("the default entry")
    if not menu.active:
        notes.append("not active")
    heading = _menu_name(snapshot, menu.key)
    return f"{heading}: {', '.join(notes)}" if notes else heading


def draft_notice(request) -> None:
    """Tell staff on the menu pages whether their saved edits reach callers:
    at once before anything is published; else not until the next
    publication, and loudly when the saved menus still hold what a rollback
    took back."""
    live = live_publication()
    publish_url = reverse("admin:ivr_publication_publish")
    if live is None:
        link = (
            format_html('<a href="{}">Publish the menus</a>', publish_url)
            if can_publish(request)
            else format_html(
                '<a href="{}">About publishing</a>',
                reverse("admin:ivr_publication_changelist"),
            )
        )
        messages.warning(
            request,
            format_html(
                "{} {} to prepare changes that callers hear only once they "
                "are all done.",
                NOTHING_PUBLISHED_YET,
                link,
            ),
        )
        return
    draft = ivr_snapshot_from_database()
    changes = draft_changes(draft, live)
    if not changes:
        return
    links = format_html(' <a href="{}">Review and publish</a>', publish_url)
    if can_publish(request):
        links = format_html(
            '{} · <a href="{}">{}</a>',
            links,
            reverse("admin:ivr_publication_discard"),
            DISCARD_LINK,
        )
    rolled_back = rolled_back_changes(draft, live)
    if rolled_back:
        text = DRAFT_HOLDS_ROLLED_BACK.format(
            version=live.pk,
            target=live.restored_from_id,
            rolled_back=rolled_back_from(live).pk,
            changes=changes_in_short(rolled_back),
        )
        messages.warning(request, format_html("{}{}", text, links))
        return
    what = ", ".join(changes.menus) or " and ".join(changes.other)
    text = DRAFT_WAITING.format(version=live.pk, what=what)
    messages.info(request, format_html("{}{}", text, links))
