"""The map of the menus: an SVG picture of where calls go, drawn here.

No library draws a layered graph without a system binary (Graphviz's `dot`)
that a fresh machine lacks, and the picture is simple enough to draw by
hand: columns left to right in the order a call meets them (where calls
start, the menus they start in, what those lead to, ...), each menu a box
listing its options, an arrow from each option to the menu or end point it
leads to. The "wrong key or none" path is a dashed loop on the box, "retries
used up" a dashed brown arrow, "not answered" a dashed orange arrow from a
transfer to where the caller goes next. Menus no call can reach, menus with no way
out and menus without options are coloured (a legend says which is which);
whatever would break a call is red.

`menu_map_svg()` returns the SVG as safe HTML: every text and attribute is
escaped here, since menu names, labels and messages are typed by staff.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ivr.core.capture import capture_for, how_callers_choose
from ivr.core.graph import (
    Edge,
    EdgeKind,
    MenuGraph,
    Node,
    NodeKind,
    ProblemKind,
    menu_graph,
)
from ivr.core.snapshot import (
    ExhaustedAction,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    keypad_order,
)
from ivr.menus.snapshots import ivr_snapshot_from_database

MAP_TITLE = "Map of the menus"

# Sizes in pixels.
FONT = 12
CHAR_WIDTH = 6.8  # an average character of the sans-serif font at FONT
MENU_WIDTH = 290
END_WIDTH = 210
ENTRY_WIDTH = 170
HEADER_HEIGHT = 40
ROW_HEIGHT = 19
END_HEIGHT = 38
ENTRY_HEIGHT = 28
COLUMN_GAP = 90
NODE_GAP = 16
MARGIN = 20
LEGEND_HEIGHT = 84

BLUE, RED, BROWN, GREY = "#417690", "#ba2121", "#a0522d", "#888888"
ORANGE = "#c26a00"
# (fill, stroke) of a menu box by what is wrong with it, most telling first.
MENU_COLOURS = {
    ProblemKind.NO_EXIT: ("#fde2cf", "#d9480f"),
    ProblemKind.UNREACHABLE: ("#fff3c4", "#b58900"),
    ProblemKind.DEAD_END: ("#ece3f7", "#7048a8"),
}
MENU_TAGS = {
    ProblemKind.NO_EXIT: "no way out",
    ProblemKind.UNREACHABLE: "unreachable",
    ProblemKind.DEAD_END: "no options",
}
MENU_FILL, INACTIVE_FILL = "#f3f8fb", "#eeeeee"
END_COLOURS = {
    NodeKind.TRANSFER: ("#e5f3e8", "#2e7d32"),
    NodeKind.HANGUP: ("#f2f2f2", "#777777"),
    NodeKind.MESSAGE: ("#f2f2f2", "#777777"),
    NodeKind.FILE: ("#f2f2f2", "#777777"),
    NodeKind.MISSING: ("#fdecea", RED),
}

ACTION_WORDS = {
    OptionAction.MENU: "go to {target}",
    OptionAction.TRANSFER: "transfer",
    OptionAction.SAY: "message",
    OptionAction.PLAY: "audio file",
    OptionAction.REPEAT: "repeat this menu ↺",
    OptionAction.BACK: "go back ↩",
    OptionAction.HANGUP: "hang up",
}


@dataclass
class _Box:
    node: Node
    width: int
    height: int
    column: int = 0
    x: float = 0
    y: float = 0


def menu_map_svg(
    snapshot: IvrSnapshot,
    *,
    menu_url: Callable[[MenuSnapshot], str | None],
    graph: MenuGraph | None = None,
) -> SafeString:
    """The map of `snapshot`'s menus as an <svg> element; each menu box links
    to `menu_url(menu)` (None: no link). Empty when there are no menus."""
    if not snapshot.menus:
        return mark_safe("")
    return _Map(snapshot, graph or menu_graph(snapshot), menu_url).draw()


class _Map:
    def __init__(self, snapshot, graph, menu_url):
        self.snapshot = snapshot
        self.graph = graph
        self.menu_url = menu_url
        self.boxes: dict[str, _Box] = {}
        self.tags: dict[str, list[ProblemKind]] = {}
        for kind in MENU_COLOURS:
            for key in graph.menus_with(kind):
                self.tags.setdefault(key, []).append(kind)
        self.broken_menus = {p.menu for p in graph.blocking if p.menu}
        # The options (menu, digits) and retries-used-up paths (menu, None)
        # that would break a call.
        self.broken_paths = {
            (p.menu, _path_digits(p))
            for p in graph.blocking
            if p.menu and (p.digits is not None or (p.field or "").startswith("exh"))
        }
        self.options = {
            (edge.source, edge.digits): edge
            for edge in graph.edges
            if edge.kind == EdgeKind.OPTION
        }
        self.exhausted = {
            edge.source: edge for edge in graph.edges if edge.kind == EdgeKind.EXHAUSTED
        }

    # --- Layout ----------------------------------------------------------------

    def draw(self) -> SafeString:
        self._layout()
        width = max(box.x + box.width for box in self.boxes.values()) + MARGIN
        width = max(width, 760)
        height = max(box.y + box.height for box in self.boxes.values()) + MARGIN
        parts = [
            _tag(
                "svg",
                {
                    "xmlns": "http://www.w3.org/2000/svg",
                    "width": round(width),
                    "height": round(height),
                    "viewBox": f"0 0 {round(width)} {round(height)}",
                    "font-family": "-apple-system, 'Segoe UI', Roboto, Helvetica, "
                    "Arial, sans-serif",
                    "font-size": FONT,
                    "id": "menu-map",
                    "aria-labelledby": "menu-map-title",
                },
                open_only=True,
            ),
            _tag("title", {"id": "menu-map-title"}, "Map of the menus"),
            _markers(),
            _tag("rect", {"width": "100%", "height": "100%", "fill": "#ffffff"}),
            _legend(),
        ]
        # Arrows under the boxes, so the boxes' text stays readable.
        parts += [self._edge(edge) for edge in self.graph.edges]
        parts += [self._box(box) for box in self.boxes.values()]
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 (every part is escaped)

    def _layout(self) -> None:
        nodes = {node.id: node for node in self.graph.nodes}
        for node in self.graph.nodes:
            self.boxes[node.id] = _Box(node, *self._size(node))
        # Columns: how many steps a call takes to get there, along the paths
        # that lead forward; each column in the order the calls meet them.
        order: list[str] = []
        columns: dict[str, int] = {}
        starts = [n.id for n in self.graph.nodes if n.kind == NodeKind.ENTRY]
        # Menus no call reaches start columns of their own, in key order.
        rest = [n.id for n in self.graph.nodes if n.kind == NodeKind.MENU]
        forward: dict[str, list[str]] = {}
        for edge in self.graph.edges:
            if edge.kind in (
                EdgeKind.ENTRY,
                EdgeKind.OPTION,
                EdgeKind.EXHAUSTED,
                EdgeKind.NO_ANSWER,
            ):
                forward.setdefault(edge.source, []).append(edge.target)
        for seeds, column in ((starts, 0), *(([key], 1) for key in rest)):
            queue = deque()
            for seed in seeds:
                if seed not in columns:
                    columns[seed] = column
                    order.append(seed)
                    queue.append(seed)
            while queue:
                source = queue.popleft()
                for target in forward.get(source, ()):
                    if target not in columns:
                        columns[target] = columns[source] + 1
                        order.append(target)
                        queue.append(target)
        for node_id in nodes:
            if node_id not in columns:  # e.g. a missing menu only "back" names
                columns[node_id] = 1
                order.append(node_id)
        widths: dict[int, int] = {}
        for node_id, column in columns.items():
            box = self.boxes[node_id]
            box.column = column
            widths[column] = max(widths.get(column, 0), box.width)
        lefts, x = {}, MARGIN
        for column in sorted(widths):
            lefts[column] = x
            x += widths[column] + COLUMN_GAP
        # Each box as level as it can be with the arrow that found it, pushed
        # down below the box above it in its column.
        bottoms: dict[int, float] = {}
        top = MARGIN + LEGEND_HEIGHT
        for node_id in order:
            box = self.boxes[node_id]
            box.x = lefts[box.column]
            wanted = self._wanted_y(node_id, box)
            box.y = max(bottoms.get(box.column, top), wanted if wanted else top)
            bottoms[box.column] = box.y + box.height + NODE_GAP

    def _wanted_y(self, node_id: str, box: _Box) -> float | None:
        """Where the box's middle lines up with the first arrow into it from
        a box already placed."""
        for edge in self.graph.edges:
            source = self.boxes[edge.source]
            if edge.target != node_id or edge.source == node_id or not source.y:
                continue
            if source.column >= box.column:
                continue
            return self._port_y(edge) - box.height / 2
        return None

    def _size(self, node: Node) -> tuple[int, int]:
        if node.kind == NodeKind.MENU:
            menu = self.snapshot.menus[node.menu]
            rows = len(menu.options) + 1 + (1 if menu.max_retries else 0)
            return MENU_WIDTH, HEADER_HEIGHT + rows * ROW_HEIGHT + 6
        if node.kind == NodeKind.ENTRY:
            return ENTRY_WIDTH, ENTRY_HEIGHT
        return END_WIDTH, END_HEIGHT

    def _rows(self, key: str) -> list[tuple[str, str | None]]:
        """The menu's rows below its header: (what, digits); digits None for
        the retry row, "" for the retries-used-up row."""
        menu = self.snapshot.menus[key]
        rows = [(option.digits, option.digits) for option in _keypad_order(menu)]
        if menu.max_retries:
            rows.append(("retry", None))
        rows.append(("exhausted", ""))
        return rows

    def _port_y(self, edge: Edge) -> float:
        """The height an arrow leaves its source box at."""
        box = self.boxes[edge.source]
        if box.node.kind != NodeKind.MENU:
            return box.y + box.height / 2
        rows = self._rows(box.node.menu)
        wanted = edge.digits if edge.kind == EdgeKind.OPTION else ""
        if edge.kind == EdgeKind.RETRY:
            wanted = None
        index = next(i for i, (_, digits) in enumerate(rows) if digits == wanted)
        return box.y + HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2

    # --- Drawing ---------------------------------------------------------------

    def _edge(self, edge: Edge) -> str:
        if edge.kind == EdgeKind.BACK or edge.action == OptionAction.REPEAT:
            return ""  # said in the option's row: "go back", "repeat"
        source, target = self.boxes[edge.source], self.boxes[edge.target]
        x1, y1 = source.x + source.width, self._port_y(edge)
        if edge.kind == EdgeKind.RETRY:
            path = f"M{x1:.0f},{y1 - 4:.0f} c26,-2 26,10 0,8"  # a small loop
            return _tag(
                "path",
                {
                    "d": path,
                    "fill": "none",
                    "stroke": GREY,
                    "stroke-dasharray": "3 2",
                    "marker-end": "url(#arrow-grey)",
                    "class": "edge-retry",
                },
            )
        x2, y2 = target.x, target.y + target.height / 2
        if edge.source == edge.target:
            # Back into its own box from above.
            x2, y2 = target.x + target.width - 40, target.y
            d = (
                f"M{x1:.0f},{y1:.0f} C{x1 + 60:.0f},{y1:.0f} "
                f"{x2 + 30:.0f},{y2 - 50:.0f} {x2:.0f},{y2:.0f}"
            )
        else:
            bend = max(40, abs(x2 - x1) / 2) if x2 > x1 else 90
            d = (
                f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} "
                f"{x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            )
        menu = source.node.menu
        broken = (menu, edge.digits if edge.kind == EdgeKind.OPTION else None)
        if edge.kind == EdgeKind.NO_ANSWER:
            broken = (self._transfer_menu(edge), f"{edge.digits}:no_answer")
        attrs = {"d": d, "fill": "none", "stroke-width": 1.4}
        if edge.kind == EdgeKind.EXHAUSTED:
            attrs.update(stroke=BROWN, marker="brown", dash="6 3", name="exhausted")
        elif edge.kind == EdgeKind.NO_ANSWER:
            attrs.update(stroke=ORANGE, marker="orange", dash="4 3", name="no-answer")
        elif edge.kind == EdgeKind.ENTRY:
            attrs.update(stroke=GREY, marker="grey", name="entry")
        else:
            attrs.update(stroke=BLUE, marker="blue", name="option")
        if broken in self.broken_paths or target.node.kind == NodeKind.MISSING:
            attrs.update(stroke=RED, marker="red")
        marker, dash, name = (
            attrs.pop("marker"),
            attrs.pop("dash", None),
            attrs.pop("name"),
        )
        attrs["marker-end"] = f"url(#arrow-{marker})"
        attrs["class"] = f"edge-{name}"
        if dash:
            attrs["stroke-dasharray"] = dash
        return _tag("path", attrs)

    def _transfer_menu(self, edge: Edge) -> str | None:
        """The menu whose option made the transfer a "not answered" edge
        leaves from."""
        into = (e for e in self.graph.edges if e.target == edge.source)
        first = next(into, None)
        return self.boxes[first.source].node.menu if first else None

    def _box(self, box: _Box) -> str:
        node = box.node
        if node.kind == NodeKind.MENU:
            return self._menu_box(box)
        if node.kind == NodeKind.ENTRY:
            return _tag(
                "g",
                {"class": "map-entry"},
                _tag(
                    "rect",
                    {
                        "x": box.x,
                        "y": box.y,
                        "width": box.width,
                        "height": box.height,
                        "rx": 14,
                        "fill": BLUE,
                    },
                )
                + _text(
                    box.x + 12, box.y + 18, node.label, box.width - 20, fill="#fff"
                ),
            )
        fill, stroke = END_COLOURS[node.kind]
        broken = node.kind == NodeKind.MISSING or (
            node.kind == NodeKind.TRANSFER and self._bad_transfer(node)
        )
        attrs = {
            "x": box.x,
            "y": box.y,
            "width": box.width,
            "height": box.height,
            "rx": 4,
            "fill": fill,
            "stroke": RED if broken else stroke,
            "stroke-width": 2 if broken else 1,
        }
        if node.kind == NodeKind.MISSING:
            attrs["stroke-dasharray"] = "5 3"
        detail = node.detail or (
            "" if node.kind != NodeKind.MISSING else "breaks calls"
        )
        body = _tag("rect", attrs)
        body += _text(
            box.x + 8,
            box.y + 15,
            node.label,
            box.width - 16,
            bold=True,
            fill=RED if broken else "#222",
        )
        if detail:
            body += _text(box.x + 8, box.y + 30, detail, box.width - 16, fill="#555")
        return _tag("g", {"class": f"map-end map-{node.kind}"}, body)

    def _bad_transfer(self, node: Node) -> bool:
        edges = (e for e in self.graph.edges if e.target == node.id)
        edge = next(edges, None)
        if edge is None:
            return False
        if edge.kind == EdgeKind.NO_ANSWER:
            path = (self._transfer_menu(edge), f"{edge.digits}:no_answer")
            return path in self.broken_paths
        menu = self.boxes[edge.source].node.menu
        digits = edge.digits if edge.kind == EdgeKind.OPTION else None
        return (menu, digits) in self.broken_paths

    def _menu_box(self, box: _Box) -> str:
        key = box.node.menu
        menu = self.snapshot.menus[key]
        tags = self.tags.get(key, [])
        if not menu.active:
            fill, stroke = INACTIVE_FILL, GREY
        elif tags:
            fill, stroke = MENU_COLOURS[tags[0]]
        else:
            fill, stroke = MENU_FILL, BLUE
        broken = key in self.broken_menus
        classes = ["map-menu", *(f"map-{kind}" for kind in tags)]
        if not menu.active:
            classes.append("map-inactive")
        if broken:
            classes.append("map-broken")
        rect = {
            "x": box.x,
            "y": box.y,
            "width": box.width,
            "height": box.height,
            "rx": 6,
            "fill": fill,
            "stroke": RED if broken else stroke,
            "stroke-width": 2.5 if broken else 1.2,
        }
        if not menu.active:
            rect["stroke-dasharray"] = "6 3"
        status = [MENU_TAGS[kind] for kind in tags]
        if not menu.active:
            status.insert(0, "not active")
        if broken:
            status.append("breaks calls")
        if capture_for(menu).complete_on_hash:
            status.append("choice ends with #")
        subtitle = key + (" · " + " · ".join(status) if status else "")
        how = how_callers_choose(capture_for(menu))
        body = _tag("title", {}, f"{menu.name or key} ({key}): {menu.prompt} {how}")
        body += _tag("rect", rect)
        body += _text(
            box.x + 10, box.y + 16, menu.name or key, box.width - 20, bold=True
        )
        body += _text(
            box.x + 10,
            box.y + 32,
            subtitle,
            box.width - 20,
            fill=RED if broken else "#555",
            size=FONT - 1,
        )
        y = box.y + HEADER_HEIGHT
        body += _tag(
            "line",
            {
                "x1": box.x,
                "x2": box.x + box.width,
                "y1": y - 3,
                "y2": y - 3,
                "stroke": stroke,
                "stroke-opacity": 0.4,
            },
        )
        for option in _keypad_order(menu):
            body += self._option_row(box, menu, option, y)
            y += ROW_HEIGHT
        if menu.max_retries:
            tries = "1 more try" if menu.max_retries == 1 else "{} more tries"
            body += _text(
                box.x + 10,
                y + 13,
                "wrong key or none: " + tries.format(menu.max_retries),
                box.width - 30,
                fill="#666",
                italic=True,
            )
            y += ROW_HEIGHT
        body += _text(
            box.x + 10,
            y + 13,
            "retries used up: " + _exhausted_words(menu),
            box.width - 20,
            fill=RED if (key, None) in self.broken_paths else BROWN,
            italic=True,
        )
        url = self.menu_url(menu)
        group = _tag("g", {"class": " ".join(classes), "id": f"map-menu-{key}"}, body)
        if url:
            return _tag("a", {"href": url, "class": "map-link"}, group)
        return group

    def _option_row(self, box: _Box, menu: MenuSnapshot, option, y: float) -> str:
        broken = (menu.key, option.digits) in self.broken_paths or (
            menu.key,
            f"{option.digits}:no_answer",
        ) in self.broken_paths
        words = ACTION_WORDS[option.action].format(target=option.target or "?")
        if option.action in (OptionAction.SAY, OptionAction.PLAY) and option.target:
            words += f", then {option.target}"
        if option.action == OptionAction.TRANSFER:
            words += "; not answered: " + _no_answer_words(option)
        text = f"{option.label} ({words})" if option.label else words
        colour = RED if broken else "#222"
        return _text(
            box.x + 10, y + 13, option.digits, 28, bold=True, fill=colour
        ) + _text(
            box.x + 38,
            y + 13,
            ("⚠ " if broken else "") + text,
            box.width - 48,
            fill=colour,
        )


def _keypad_order(menu: MenuSnapshot) -> list:
    """The options as a keypad reads: 1 … 9, 0, *, #, with 11 after 1."""
    return sorted(menu.options, key=lambda option: keypad_order(option.digits))


def _no_answer_words(option) -> str:
    match option.on_no_answer:
        case NoAnswerAction.MENU:
            return f"go to {option.no_answer_target or '?'}"
        case NoAnswerAction.TRANSFER:
            return "try another number"
        case NoAnswerAction.HANGUP:
            return "hang up"
    return "back here"


def _path_digits(problem) -> str | None:
    """How `broken_paths` names the path a blocking problem is on: the
    option's keys, with ":no_answer" for its not-answered path; None for
    the retries-used-up path."""
    if problem.digits is not None and (problem.field or "").startswith("no_answer"):
        return f"{problem.digits}:no_answer"
    return problem.digits


def _exhausted_words(menu: MenuSnapshot) -> str:
    match menu.on_exhausted:
        case ExhaustedAction.MENU:
            return f"go to {menu.exhausted_target or '?'}"
        case ExhaustedAction.TRANSFER:
            return "transfer"
    return "hang up"


# --- SVG pieces ------------------------------------------------------------------


def _tag(name: str, attrs: dict, content: str = "", *, open_only=False) -> str:
    """An element; attribute values are escaped here, `content` must be."""
    attributes = "".join(
        f' {key}="{escape(_number(value))}"' for key, value in attrs.items()
    )
    if open_only:
        return f"<{name}{attributes}>"
    if name == "title":
        content = escape(content)
    return f"<{name}{attributes}>{content}</{name}>"


def _number(value) -> str:
    return f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else str(value)


def _text(
    x: float,
    y: float,
    text: str,
    width: float,
    *,
    bold: bool = False,
    italic: bool = False,
    fill: str = "#222",
    size: int = FONT,
) -> str:
    """A line of text cut to fit `width`; cut, the whole text is its tooltip."""
    text = " ".join(str(text).split())
    fits = max(int(width / (CHAR_WIDTH * size / FONT)), 1)
    shown = text if len(text) <= fits else text[: fits - 1].rstrip() + "…"
    attrs = {"x": x, "y": y, "fill": fill}
    if size != FONT:
        attrs["font-size"] = size
    if bold:
        attrs["font-weight"] = "bold"
    if italic:
        attrs["font-style"] = "italic"
    tooltip = _tag("title", {}, text) if shown != text else ""
    return _tag("text", attrs, tooltip + escape(shown))


def _markers() -> str:
    markers = ""
    for name, colour in (
        ("blue", BLUE),
        ("red", RED),
        ("brown", BROWN),
        ("grey", GREY),
        ("orange", ORANGE),
    ):
        markers += _tag(
            "marker",
            {
                "id": f"arrow-{name}",
                "viewBox": "0 0 10 10",
                "refX": 9,
                "refY": 5,
                "markerWidth": 7,
                "markerHeight": 7,
                "orient": "auto-start-reverse",
            },
            _tag("path", {"d": "M0,0 L10,5 L0,10 z", "fill": colour}),
        )
    return _tag("defs", {}, markers)


def _legend() -> str:
    x, y = MARGIN, MARGIN
    parts = []
    swatches = [
        ("Menu", MENU_FILL, BLUE, None),
        ("Not active", INACTIVE_FILL, GREY, "6 3"),
        ("No call can reach it", *MENU_COLOURS[ProblemKind.UNREACHABLE], None),
        ("No way out (loops)", *MENU_COLOURS[ProblemKind.NO_EXIT], None),
        ("No options", *MENU_COLOURS[ProblemKind.DEAD_END], None),
        ("Breaks calls", "#ffffff", RED, None),
        ("Transfer", *END_COLOURS[NodeKind.TRANSFER], None),
        ("Hang-up", *END_COLOURS[NodeKind.HANGUP], None),
    ]
    for label, fill, stroke, dash in swatches:
        rect = {
            "x": x,
            "y": y,
            "width": 16,
            "height": 12,
            "rx": 2,
            "fill": fill,
            "stroke": stroke,
            "stroke-width": 2.5 if stroke == RED else 1.2,
        }
        if dash:
            rect["stroke-dasharray"] = dash
        parts.append(_tag("rect", rect) + _text(x + 22, y + 10, label, 200))
        x += 22 + len(label) * CHAR_WIDTH + 18
    x, y = MARGIN, MARGIN + 28
    lines = [
        ("An option: its keys lead there", BLUE, None, "blue"),
        ("Retries used up", BROWN, "6 3", "brown"),
        ("Transfer not answered", ORANGE, "4 3", "orange"),
        ("Wrong key or none: asked again", GREY, "3 2", "grey"),
        ("Breaks calls", RED, None, "red"),
    ]
    for label, colour, dash, marker in lines:
        line = {
            "x1": x,
            "y1": y + 6,
            "x2": x + 34,
            "y2": y + 6,
            "stroke": colour,
            "stroke-width": 1.4,
            "marker-end": f"url(#arrow-{marker})",
        }
        if dash:
            line["stroke-dasharray"] = dash
        parts.append(_tag("line", line) + _text(x + 42, y + 10, label, 260))
        x += 42 + len(label) * CHAR_WIDTH + 24
    parts.append(
        _text(
            MARGIN,
            MARGIN + 56,
            "Click a menu to edit it. “Go back” and “repeat” are written in "
            "the menu's rows, without arrows.",
            900,
            fill="#555",
            italic=True,
        )
    )
    return _tag("g", {"class": "map-legend"}, "".join(parts))


# --- The admin page ----------------------------------------------------------------


def menu_map_view(request, *, model_admin):
    """The admin page with the map of the menus as saved, and the problems
    under it in plain words. Needs the permission to view menus."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    snapshot = ivr_snapshot_from_database()
    graph = menu_graph(snapshot)

    def menu_url(menu: MenuSnapshot) -> str | None:
        if menu.id is None:
            return None
        return reverse("admin:ivr_menu_change", args=[menu.id])

    def listed(problems):
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
