"""The map drawn: a laid-out map of the menus (`layout`) as an SVG element.

Each menu a box listing its options, an arrow from each option to the menu
or end point it leads to. The "wrong key or none" path is a dashed loop on
the box, "retries used up" a dashed brown arrow, "not answered" a dashed
orange arrow from a transfer to where the caller goes next. Menus no call
can reach, menus with no way out and menus without options are coloured (a
legend says which is which); whatever would break a call is red.

`menu_map_svg()` returns the SVG as safe HTML, written with `ivr.admin.svg`,
which escapes every text and attribute: menu names, labels and messages are
typed by staff.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

from ivr.admin import svg
from ivr.admin.map.layout import (
    HEADER_HEIGHT,
    MARGIN,
    ROW_HEIGHT,
    Box,
    MapLayout,
    lay_out,
    options_in_keypad_order,
)
from ivr.core.capture import capture_for, how_callers_choose
from ivr.core.graph import (
    Edge,
    EdgeKind,
    MenuGraph,
    Node,
    NodeKind,
    Problem,
    ProblemKind,
    menu_graph,
)
from ivr.core.snapshot import (
    ExhaustedAction,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    OptionSnapshot,
)

MAP_TITLE = "Map of the menus"  # its page's title, and the SVG's for screen readers
FONT = svg.FONT_SIZE

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
# How each kind of arrow is drawn: colour, arrowhead, dashes, class.
EDGE_STYLES = {
    EdgeKind.EXHAUSTED: (BROWN, "brown", "6 3", "edge-exhausted"),
    EdgeKind.NO_ANSWER: (ORANGE, "orange", "4 3", "edge-no-answer"),
    EdgeKind.ENTRY: (GREY, "grey", None, "edge-entry"),
    EdgeKind.OPTION: (BLUE, "blue", None, "edge-option"),
}
ARROWHEADS = {
    "blue": BLUE,
    "red": RED,
    "brown": BROWN,
    "grey": GREY,
    "orange": ORANGE,
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
    graph = graph or menu_graph(snapshot)
    return _Drawing(snapshot, graph, lay_out(graph, snapshot), menu_url).draw()


class _Drawing:
    def __init__(
        self,
        snapshot: IvrSnapshot,
        graph: MenuGraph,
        layout: MapLayout,
        menu_url: Callable[[MenuSnapshot], str | None],
    ):
        self.snapshot = snapshot
        self.graph = graph
        self.layout = layout
        self.boxes = layout.boxes
        self.menu_url = menu_url
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

    def draw(self) -> SafeString:
        width, height = round(self.layout.width), round(self.layout.height)
        return svg.element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "width": width,
                "height": height,
                "viewBox": f"0 0 {width} {height}",
                "font-family": "-apple-system, 'Segoe UI', Roboto, Helvetica, "
                "Arial, sans-serif",
                "font-size": FONT,
                "id": "menu-map",
                "aria-labelledby": "menu-map-title",
            },
            svg.element("title", {"id": "menu-map-title"}, MAP_TITLE),
            _markers(),
            svg.element("rect", {"width": "100%", "height": "100%", "fill": "#ffffff"}),
            _legend(),
            # Arrows under the boxes, so the boxes' text stays readable.
            *(self._edge(edge) for edge in self.graph.edges),
            *(self._box(box) for box in self.boxes.values()),
        )

    # --- Arrows ----------------------------------------------------------------

    def _edge(self, edge: Edge) -> SafeString:
        if edge.kind == EdgeKind.BACK or edge.action == OptionAction.REPEAT:
            return svg.fragment()  # said in the option's row: "go back", "repeat"
        source, target = self.boxes[edge.source], self.boxes[edge.target]
        x1, y1 = source.x + source.width, self.layout.port_y(edge)
        if edge.kind == EdgeKind.RETRY:
            path = f"M{x1:.0f},{y1 - 4:.0f} c26,-2 26,10 0,8"  # a small loop
            return svg.element(
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
        if edge.kind == EdgeKind.NO_ANSWER:
            path = (self._transfer_menu(edge), f"{edge.digits}:no_answer")
        else:
            digits = edge.digits if edge.kind == EdgeKind.OPTION else None
            path = (source.node.menu, digits)
        colour, arrowhead, dash, name = EDGE_STYLES[edge.kind]
        if path in self.broken_paths or target.node.kind == NodeKind.MISSING:
            colour, arrowhead = RED, "red"
        attrs = {
            "d": d,
            "fill": "none",
            "stroke-width": 1.4,
            "stroke": colour,
            "marker-end": f"url(#arrow-{arrowhead})",
            "class": name,
        }
        if dash:
            attrs["stroke-dasharray"] = dash
        return svg.element("path", attrs)

    def _transfer_menu(self, edge: Edge) -> str | None:
        """The menu whose option made the transfer a "not answered" edge
        leaves from."""
        first = self.layout.first_into(edge.source)
        return self.boxes[first.source].node.menu if first else None

    # --- Boxes -----------------------------------------------------------------

    def _box(self, box: Box) -> SafeString:
        node = box.node
        if node.kind == NodeKind.MENU:
            return self._menu_box(box)
        if node.kind == NodeKind.ENTRY:
            return svg.element(
                "g",
                {"class": "map-entry"},
                _frame(box, {"rx": 14, "fill": BLUE}),
                _text(box.x + 12, box.y + 18, node.label, box.width - 20, fill="#fff"),
            )
        fill, stroke = END_COLOURS[node.kind]
        broken = node.kind == NodeKind.MISSING or (
            node.kind == NodeKind.TRANSFER and self._bad_transfer(node)
        )
        style = {
            "rx": 4,
            "fill": fill,
            "stroke": RED if broken else stroke,
            "stroke-width": 2 if broken else 1,
        }
        if node.kind == NodeKind.MISSING:
            style["stroke-dasharray"] = "5 3"
        detail = node.detail or (
            "" if node.kind != NodeKind.MISSING else "breaks calls"
        )
        label = _text(
            box.x + 8,
            box.y + 15,
            node.label,
            box.width - 16,
            bold=True,
            fill=RED if broken else "#222",
        )
        if detail:
            label += _text(box.x + 8, box.y + 30, detail, box.width - 16, fill="#555")
        return svg.element(
            "g",
            {"class": f"map-end map-{node.kind}"},
            _frame(box, style),
            label,
        )

    def _bad_transfer(self, node: Node) -> bool:
        edge = self.layout.first_into(node.id)
        if edge is None:
            return False
        if edge.kind == EdgeKind.NO_ANSWER:
            path = (self._transfer_menu(edge), f"{edge.digits}:no_answer")
            return path in self.broken_paths
        menu = self.boxes[edge.source].node.menu
        digits = edge.digits if edge.kind == EdgeKind.OPTION else None
        return (menu, digits) in self.broken_paths

    def _menu_box(self, box: Box) -> SafeString:
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
        style = {
            "rx": 6,
            "fill": fill,
            "stroke": RED if broken else stroke,
            "stroke-width": 2.5 if broken else 1.2,
        }
        if not menu.active:
            style["stroke-dasharray"] = "6 3"
        status = [MENU_TAGS[kind] for kind in tags]
        if not menu.active:
            status.insert(0, "not active")
        if broken:
            status.append("breaks calls")
        if capture_for(menu).complete_on_hash:
            status.append("choice ends with #")
        subtitle = key + (" · " + " · ".join(status) if status else "")
        how = how_callers_choose(capture_for(menu))
        parts = [
            svg.element(
                "title", {}, f"{menu.name or key} ({key}): {menu.prompt} {how}"
            ),
            _frame(box, style),
            _text(box.x + 10, box.y + 16, menu.name or key, box.width - 20, bold=True),
            _text(
                box.x + 10,
                box.y + 32,
                subtitle,
                box.width - 20,
                fill=RED if broken else "#555",
                size=FONT - 1,
            ),
        ]
        y = box.y + HEADER_HEIGHT
        parts.append(
            svg.element(
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
        )
        for option in options_in_keypad_order(menu):
            parts.append(self._option_row(box, menu, option, y))
            y += ROW_HEIGHT
        if menu.max_retries:
            tries = "1 more try" if menu.max_retries == 1 else "{} more tries"
            parts.append(
                _text(
                    box.x + 10,
                    y + 13,
                    "wrong key or none: " + tries.format(menu.max_retries),
                    box.width - 30,
                    fill="#666",
                    italic=True,
                )
            )
            y += ROW_HEIGHT
        parts.append(
            _text(
                box.x + 10,
                y + 13,
                "retries used up: " + _exhausted_words(menu),
                box.width - 20,
                fill=RED if (key, None) in self.broken_paths else BROWN,
                italic=True,
            )
        )
        group = svg.element(
            "g", {"class": " ".join(classes), "id": f"map-menu-{key}"}, *parts
        )
        url = self.menu_url(menu)
        if url:
            return svg.element("a", {"href": url, "class": "map-link"}, group)
        return group

    def _option_row(
        self, box: Box, menu: MenuSnapshot, option: OptionSnapshot, y: float
    ) -> SafeString:
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


def _frame(box: Box, style: dict) -> SafeString:
    """The box's rectangle, drawn with the SVG attributes in `style`."""
    return svg.element(
        "rect",
        {"x": box.x, "y": box.y, "width": box.width, "height": box.height, **style},
    )


def _no_answer_words(option: OptionSnapshot) -> str:
    match option.on_no_answer:
        case NoAnswerAction.MENU:
            return f"go to {option.no_answer_target or '?'}"
        case NoAnswerAction.TRANSFER:
            return "try another number"
        case NoAnswerAction.HANGUP:
            return "hang up"
    return "back here"


def _path_digits(problem: Problem) -> str | None:
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


def _text(
    x: float,
    y: float,
    words: str,
    width: float,
    *,
    bold: bool = False,
    italic: bool = False,
    fill: str = "#222",
    size: int = FONT,
) -> SafeString:
    """A line of text cut to fit `width`; cut, the whole text is its tooltip."""
    attrs = {"x": x, "y": y, "fill": fill}
    if size != FONT:
        attrs["font-size"] = size
    if bold:
        attrs["font-weight"] = "bold"
    if italic:
        attrs["font-style"] = "italic"
    return svg.text(attrs, words, chars=svg.chars_in(width, size))


def _markers() -> SafeString:
    return svg.element(
        "defs",
        {},
        *(
            svg.element(
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
                svg.element("path", {"d": "M0,0 L10,5 L0,10 z", "fill": colour}),
            )
            for name, colour in ARROWHEADS.items()
        ),
    )


def _legend() -> SafeString:
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
        parts += [svg.element("rect", rect), _text(x + 22, y + 10, label, 200)]
        x += 22 + len(label) * svg.CHAR_WIDTH + 18
    x, y = MARGIN, MARGIN + 28
    lines = [
        ("An option: its keys lead there", BLUE, None, "blue"),
        ("Retries used up", BROWN, "6 3", "brown"),
        ("Transfer not answered", ORANGE, "4 3", "orange"),
        ("Wrong key or none: asked again", GREY, "3 2", "grey"),
        ("Breaks calls", RED, None, "red"),
    ]
    for label, colour, dash, arrowhead in lines:
        line = {
            "x1": x,
            "y1": y + 6,
            "x2": x + 34,
            "y2": y + 6,
            "stroke": colour,
            "stroke-width": 1.4,
            "marker-end": f"url(#arrow-{arrowhead})",
        }
        if dash:
            line["stroke-dasharray"] = dash
        parts += [svg.element("line", line), _text(x + 42, y + 10, label, 260)]
        x += 42 + len(label) * svg.CHAR_WIDTH + 24
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
    return svg.element("g", {"class": "map-legend"}, *parts)
