"""The admin page of the map: the menus as saved, drawn, and the problems
under it in plain words, each linked to the menu at fault."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse

from ivr.admin.map.drawing import MAP_TITLE, menu_map_svg
from ivr.core.graph import Problem, menu_graph
from ivr.core.snapshot import MenuSnapshot
from ivr.menus.snapshots import ivr_snapshot_from_database


def menu_map_view(request, *, model_admin):
    """The map of the menus as saved. Needs the permission to view menus."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    snapshot = ivr_snapshot_from_database()
    graph = menu_graph(snapshot)

    def menu_url(menu: MenuSnapshot) -> str | None:
        if menu.id is None:
            return None
        return reverse("admin:ivr_menu_change", args=[menu.id])

    def listed(problems: tuple[Problem, ...]) -> list[dict]:
        # Each problem with a link to the menu at fault, while it exists.
        return [
            {
                "text": str(problem),
                "url": menu_url(snapshot.menus[problem.menu])
                if problem.menu in snapshot.menus
                else None,
            }
            for problem in problems
        ]

    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": MAP_TITLE,
        "svg": menu_map_svg(snapshot, menu_url=menu_url, graph=graph),
        "blocking": listed(graph.blocking),
        "warnings": listed(graph.warnings),
    }
    return TemplateResponse(request, "admin/ivr/menu/map.html", context)
