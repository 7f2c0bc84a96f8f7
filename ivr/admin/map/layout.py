"""Where each box of the map goes: plain geometry over a `MenuGraph`.

Columns left to right in the order a call meets them: where calls start,
the menus they start in, what those lead to, ... (the steps along the paths
that lead forward: options, "retries used up", "not answered"). Menus no call
reaches start columns of their own, in key order. Each box is as level as it
can be with the first arrow into it from a box already placed, pushed down
below the box above it in its column. A menu's box has a header and a row
for each option in keypad order, then "wrong key or none" (when it retries)
and "retries used up"; an arrow leaves from its row.

Pure: no Django, no database; the sizes are pixels, for the admin's 12-pixel
font (`ivr.admin.svg`).

Why by hand, not a layout library (measured on `tests.snapshots.large_tree`
with `python -m benchmarks.menu_map`, and the same trees laid out by each,
here for 40 menus): grandalf 0.8 (Sugiyama in pure Python), ELK.js 0.12.1
and dagre 3.1.3 cut the arrows' crossings (as straight lines) from 661 to
300-372, but make the map 1.6 to 1.75 times wider for at most a fifth less
height: the height is the fullest column's (27 menus and their ends), which
no layering changes. ELK put where calls start in a middle column (it breaks
cycles such as "retries used up: go to main" the other way) and grandalf
half-way down the page; grandalf also overlapped boxes of different heights,
laid the same menus out differently from one call to the next, took about 20
times as long (95-150 ms against 5-9) and has had no release since January
2023. ELK.js and dagre are JavaScript: the map would be laid out in the
browser (ELK's file is 1.6 MB), no longer drawn and escaped on the server,
and dagre drew more arrows across other boxes than this layout (36 to 27).
"""

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr.core.graph import Edge, EdgeKind, MenuGraph, Node, NodeKind
from ivr.core.snapshot import IvrSnapshot, MenuSnapshot, OptionSnapshot, keypad_order

# Sizes in pixels.
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
# Wide enough for the legend, however few the menus.
MIN_WIDTH = 760

# The paths a call takes forward, which make the columns.
FORWARD = (EdgeKind.ENTRY, EdgeKind.OPTION, EdgeKind.EXHAUSTED, EdgeKind.NO_ANSWER)


@dataclass
class Box:
    node: Node
    width: int
    height: int
    column: int = 0
    x: float = 0
    y: float = 0  # 0 until placed: every placed box is below the legend


@dataclass
class MapLayout:
    """The boxes by node id, each placed, and the size of the whole map."""

    boxes: dict[str, Box]
    menus: Mapping[str, MenuSnapshot]
    width: float = 0
    height: float = 0
    # The edges into each node, in the graph's order.
    into: dict[str, list[Edge]] = field(default_factory=dict)

    def port_y(self, edge: Edge) -> float:
        """The height an arrow leaves its source box at: a menu's from the
        row that says where it goes, any other box's from its middle."""
        box = self.boxes[edge.source]
        if box.node.kind != NodeKind.MENU:
            return box.y + box.height / 2
        rows = menu_rows(self.menus[box.node.menu])
        wanted = edge.digits if edge.kind == EdgeKind.OPTION else ""
        if edge.kind == EdgeKind.RETRY:
            wanted = None
        index = next(i for i, (_, digits) in enumerate(rows) if digits == wanted)
        return box.y + HEADER_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2

    def first_into(self, node_id: str) -> Edge | None:
        """The first edge into the node; for a transfer, the option that made
        it (or the "not answered" path of the transfer before it)."""
        edges = self.into.get(node_id)
        return edges[0] if edges else None


def lay_out(graph: MenuGraph, snapshot: IvrSnapshot) -> MapLayout:
    """Every node of `graph` placed as a box (see the module docstring);
    `snapshot` gives each menu's rows."""
    layout = MapLayout(
        boxes={node.id: Box(node, *box_size(node, snapshot)) for node in graph.nodes},
        menus=snapshot.menus,
    )
    for edge in graph.edges:
        layout.into.setdefault(edge.target, []).append(edge)
    order, columns = _columns(graph)
    widths: dict[int, int] = {}
    for node_id, column in columns.items():
        box = layout.boxes[node_id]
        box.column = column
        widths[column] = max(widths.get(column, 0), box.width)
    lefts, x = {}, MARGIN
    for column in sorted(widths):
        lefts[column] = x
        x += widths[column] + COLUMN_GAP
    bottoms: dict[int, float] = {}
    top = MARGIN + LEGEND_HEIGHT
    for node_id in order:
        box = layout.boxes[node_id]
        box.x = lefts[box.column]
        wanted = _wanted_y(layout, box)
        box.y = max(bottoms.get(box.column, top), wanted if wanted else top)
        bottoms[box.column] = box.y + box.height + NODE_GAP
    boxes = layout.boxes.values()
    layout.width = max(max(box.x + box.width for box in boxes) + MARGIN, MIN_WIDTH)
    layout.height = max(box.y + box.height for box in boxes) + MARGIN
    return layout


def _columns(graph: MenuGraph) -> tuple[list[str], dict[str, int]]:
    """The node ids in the order calls meet them, and each one's column: how
    many steps a call takes to get there."""
    order: list[str] = []
    columns: dict[str, int] = {}
    starts = [n.id for n in graph.nodes if n.kind == NodeKind.ENTRY]
    rest = [n.id for n in graph.nodes if n.kind == NodeKind.MENU]
    forward: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.kind in FORWARD:
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
    for node in graph.nodes:
        if node.id not in columns:  # e.g. a missing menu only "back" names
            columns[node.id] = 1
            order.append(node.id)
    return order, columns


def _wanted_y(layout: MapLayout, box: Box) -> float | None:
    """Where the box's middle lines up with the first arrow into it from a
    box already placed in a column to its left."""
    for edge in layout.into.get(box.node.id, ()):
        source = layout.boxes[edge.source]
        if edge.source == box.node.id or not source.y:
            continue
        if source.column >= box.column:
            continue
        return layout.port_y(edge) - box.height / 2
    return None


def box_size(node: Node, snapshot: IvrSnapshot) -> tuple[int, int]:
    """(width, height) of the node's box."""
    if node.kind == NodeKind.MENU:
        rows = len(menu_rows(snapshot.menus[node.menu]))
        return MENU_WIDTH, HEADER_HEIGHT + rows * ROW_HEIGHT + 6
    if node.kind == NodeKind.ENTRY:
        return ENTRY_WIDTH, ENTRY_HEIGHT
    return END_WIDTH, END_HEIGHT


def menu_rows(menu: MenuSnapshot) -> list[tuple[str, str | None]]:
    """The menu's rows below its header: (what, digits); digits None for the
    retry row, "" for the retries-used-up row."""
    rows = [(option.digits, option.digits) for option in options_in_keypad_order(menu)]
    if menu.max_retries:
        rows.append(("retry", None))
    rows.append(("exhausted", ""))
    return rows


def options_in_keypad_order(menu: MenuSnapshot) -> list[OptionSnapshot]:
    """The options as a keypad reads: 1 … 9, 0, *, #, with 11 after 1."""
    return sorted(menu.options, key=lambda option: keypad_order(option.digits))
