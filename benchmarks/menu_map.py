"""The map of the menus at size: generated trees of menus, measured.

    python -m benchmarks.menu_map [--menus 30,40,60] [--png DIR]

For each count, `tests.snapshots.large_tree` menus: the median time to build
the map (graph, layout, SVG), the SVG's size, the map's width and height,
the boxes in its fullest column and the crossings of its arrows (counted as
straight lines from row to box). With --png, headless Chromium
(/usr/bin/chromium) draws each map to DIR/map-N.png, to be looked at.
These are the numbers behind the choice of layout in ivr/admin/map/layout.py.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

import django


def crossings(segments: list[tuple[tuple, tuple]]) -> int:
    def turn(a, b, c):
        return (c[1] - a[1]) * (b[0] - a[0]) - (b[1] - a[1]) * (c[0] - a[0])

    return sum(
        turn(c, d, a) * turn(c, d, b) < 0 and turn(a, b, c) * turn(a, b, d) < 0
        for (a, b), (c, d) in combinations(segments, 2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--menus", default="30,40,60")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--png", type=Path, help="a folder for the pictures")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ivrproject.settings")
    django.setup()
    from ivr.admin.map.drawing import menu_map_svg
    from ivr.admin.map.layout import lay_out
    from ivr.core.graph import EdgeKind, menu_graph
    from ivr.core.snapshot import OptionAction
    from tests.snapshots import large_tree

    print("menus  build ms  SVG KiB  width x height  fullest column  crossings")
    for count in (int(n) for n in args.menus.split(",")):
        ivr = large_tree(count)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            drawn = str(menu_map_svg(ivr, menu_url=lambda menu: f"/{menu.key}/"))
            times.append(time.perf_counter() - start)
        graph = menu_graph(ivr)
        layout = lay_out(graph, ivr)
        boxes = layout.boxes
        arrows = [
            (
                (boxes[e.source].x + boxes[e.source].width, layout.port_y(e)),
                (boxes[e.target].x, boxes[e.target].y + boxes[e.target].height / 2),
            )
            for e in graph.edges
            if e.kind not in (EdgeKind.BACK, EdgeKind.RETRY)
            and e.action != OptionAction.REPEAT
            and e.source != e.target
        ]
        fullest = max(Counter(box.column for box in boxes.values()).values())
        print(
            f"{count:>5}  {statistics.median(times) * 1000:>8.1f}  "
            f"{len(drawn.encode()) / 1024:>7.0f}  "
            f"{layout.width:>5.0f} x {layout.height:<6.0f}  "
            f"{fullest:>14}  {crossings(arrows):>9}"
        )
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", suffix=".svg") as page:
                page.write(drawn)
                page.flush()
                subprocess.run(
                    [
                        "/usr/bin/chromium",
                        "--headless",
                        "--no-sandbox",
                        "--hide-scrollbars",
                        f"--window-size={layout.width:.0f},{layout.height:.0f}",
                        f"--screenshot={args.png.resolve() / f'map-{count}.png'}",
                        f"file://{page.name}",
                    ],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )


if __name__ == "__main__":
    main()
