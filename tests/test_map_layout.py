"""The map's layout (ivr/admin/map/layout.py): every box placed inside the
map, none over another, whatever the menus; calls start on the left; each
arrow leaves from inside its box. No database: snapshots built by hand or
generated."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.admin.map.drawing import menu_map_svg
from ivr.admin.map.layout import LEGEND_HEIGHT, MARGIN, lay_out
from ivr.core.graph import EdgeKind, NodeKind, menu_graph
from ivr.core.snapshot import ExhaustedAction, NoAnswerAction
from tests.snapshots import OUR_NUMBER, large_tree, menu, option, snapshot

SVG = "{http://www.w3.org/2000/svg}"
PROJECT = Path(__file__).parent.parent
LAYOUT = PROJECT / "ivr" / "admin" / "map" / "layout.py"
KEYS = [*"1234567890*#", "11", "12"]
ACTIONS = ["menu", "transfer", "say", "play", "repeat", "back", "hangup"]


def overlap(a: tuple, b: tuple) -> bool:
    """Whether two (x, y, width, height) rectangles share any area."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def overlapping(rects: dict[str, tuple]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in combinations(rects, 2) if overlap(rects[a], rects[b])]


@st.composite
def menus(draw):
    """Up to 45 menus leading anywhere: to each other, to menus that do not
    exist, to transfers good and bad; some not active, some unreachable."""
    count = draw(st.integers(1, 45))
    keys = [f"k{i}" for i in range(count)]
    targets = st.sampled_from([*keys, "missing"])
    built = []
    for key in keys:
        options = []
        for digits in draw(st.lists(st.sampled_from(KEYS), max_size=6, unique=True)):
            action = draw(st.sampled_from(ACTIONS))
            fields = {}
            if action == "menu":
                fields["target"] = draw(targets)
            elif action in ("say", "play"):
                fields["target"] = draw(st.none() | targets)
            elif action == "transfer":
                fields["destination"] = draw(st.sampled_from(["+6560001111", "12"]))
                fields["on_no_answer"] = draw(st.sampled_from(NoAnswerAction))
                fields["no_answer_target"] = draw(targets)
                fields["no_answer_destination"] = "+6560002222"
            options.append(option(digits, action, **fields))
        built.append(
            menu(
                key,
                *options,
                active=draw(st.booleans()),
                max_retries=draw(st.integers(0, 3)),
                on_exhausted=draw(st.sampled_from(ExhaustedAction)),
                exhausted_target=draw(targets),
                exhausted_destination="+6560003333",
            )
        )
    starts = st.sampled_from([*keys, "missing"])
    return snapshot(
        *built,
        numbers=draw(st.dictionaries(st.just(OUR_NUMBER), starts)),
        default=draw(st.none() | starts),
    )


@settings(max_examples=60, deadline=None)
@given(menus())
def test_every_box_is_placed_inside_the_map_and_over_no_other(ivr):
    graph = menu_graph(ivr)

    layout = lay_out(graph, ivr)

    assert set(layout.boxes) == {node.id for node in graph.nodes}
    rects = {
        key: (box.x, box.y, box.width, box.height) for key, box in layout.boxes.items()
    }
    assert overlapping(rects) == []
    for box in layout.boxes.values():
        assert box.x >= MARGIN
        assert box.y >= MARGIN + LEGEND_HEIGHT  # below the legend
        assert box.x + box.width <= layout.width - MARGIN
        assert box.y + box.height <= layout.height - MARGIN
    # Calls start on the left.
    entries = [b for b in layout.boxes.values() if b.node.kind == NodeKind.ENTRY]
    assert all(box.x == MARGIN for box in entries)
    # Each arrow leaves from its box, at its row.
    for edge in graph.edges:
        if edge.kind != EdgeKind.BACK:
            source = layout.boxes[edge.source]
            assert source.y < layout.port_y(edge) < source.y + source.height


def test_a_map_of_40_menus_places_every_box_apart():
    ivr = large_tree(40)

    root = ET.fromstring(str(menu_map_svg(ivr, menu_url=lambda menu: None)))  # noqa: S314 (ours)

    # Each box as drawn: its group's first rectangle.
    rects = {}
    for group in root.iter(f"{SVG}g"):
        kind = (group.get("class") or "").split(" ")[0]
        if kind in ("map-menu", "map-end", "map-entry"):
            rect = group.find(f"{SVG}rect")
            rects[group.get("id") or str(len(rects))] = tuple(
                float(rect.get(name)) for name in ("x", "y", "width", "height")
            )
    menu_boxes = [key for key in rects if key.startswith("map-menu-")]
    assert sorted(menu_boxes) == sorted(f"map-menu-{key}" for key in ivr.menus)
    assert len(rects) == len(menu_graph(ivr).nodes)
    assert overlapping(rects) == []
    width, height = float(root.get("width")), float(root.get("height"))
    assert all(x + w <= width and y + h <= height for x, y, w, h in rects.values())


def test_the_layout_needs_no_django():
    # Loaded on its own, without Django's settings: the package around it
    # (ivr.admin) registers the admin when imported, which needs them.
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('layout', sys.argv[1])\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    subprocess.run(
        [sys.executable, "-c", code, str(LAYOUT)], check=True, cwd=PROJECT, env=env
    )
