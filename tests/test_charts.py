"""The SVG charts: well-formed, escaped, to scale, in the admin's theme
colours. No database."""

import re
import xml.etree.ElementTree as ET

import pytest

from ivr.admin import charts

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"


def parse(svg: str) -> ET.Element:
    """The chart as XML: parsing fails on anything unescaped."""
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (123, [0, 50, 100, 150]),
        (1_000_000, [0, 500_000, 1_000_000]),
    ],
)
def test_ticks_are_round_and_reach_the_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


@pytest.mark.parametrize(
    "draw", [charts.bar_chart, charts.column_chart, charts.line_chart]
)
def test_labels_and_title_are_escaped(draw):
    svg = draw([(SCRIPT, 3), ("a & b", 1)], chart_id="c", title=SCRIPT)

    assert SCRIPT not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == SCRIPT
    titles = [element.text for element in root.iter(f"{SVG}title")]
    assert f"{SCRIPT}: 3" in titles  # each mark's tooltip names it
    assert "a & b: 1" in titles


@pytest.mark.parametrize(
    "draw", [charts.bar_chart, charts.column_chart, charts.line_chart]
)
def test_colours_follow_the_admin_theme(draw):
    svg = draw([("a", 3), ("b", 1)], chart_id="c", title="t")

    # No colour is fixed: each is one of the admin's CSS variables (which
    # its dark theme changes), with the light theme's value as a fallback.
    assert not re.search(r'\s(fill|stroke)="', svg)
    for colour in re.findall(r"(?:fill|stroke): ([^;\"]+)", svg):
        assert colour == "none" or colour.startswith("var(--"), colour


def test_the_chart_is_an_image_named_by_its_title():
    root = parse(charts.bar_chart([("a", 1)], chart_id="chart-x", title="Hang-ups"))

    assert root.get("id") == "chart-x"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-x-title"
    assert root.find(f"{SVG}title").get("id") == "chart-x-title"


def test_bars_are_to_scale_with_their_values_written():
    root = parse(
        charts.bar_chart(
            [("one", 40), ("two", 20), ("three", 0)], chart_id="c", title="t"
        )
    )

    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    assert {"one", "two", "three", "40", "20", "0"} <= set(texts(root))


def test_a_long_label_is_cut_but_whole_in_the_tooltip():
    label = "x" * 60
    root = parse(charts.bar_chart([(label, 1)], chart_id="c", title="t"))

    assert label not in texts(root)
    assert f"{label[: charts.LABEL_MAX_CHARS - 1]}…" in texts(root)
    assert f"{label}: 1" in [t.text for t in root.iter(f"{SVG}title")]


def test_a_line_goes_through_every_point_from_zero_to_the_top():
    points = [("Mon", 0), ("Tue", 10), ("Wed", 5)]
    root = parse(charts.line_chart(points, chart_id="c", title="t"))

    line = root.find(f"{SVG}polyline").get("points").split()
    ys = [float(pair.split(",")[1]) for pair in line]
    xs = [float(pair.split(",")[0]) for pair in line]
    bottom = charts.TOP + charts.PLOT_HEIGHT
    assert len(line) == len(points) == len(list(root.iter(f"{SVG}circle")))
    assert xs == sorted(xs)
    # 10 is the top tick: the point is at the top of the plot.
    assert ys == [bottom, charts.TOP, bottom - charts.PLOT_HEIGHT / 2]


def test_a_long_axis_writes_only_some_of_its_labels():
    points = [(f"day {n}", n) for n in range(90)]
    root = parse(charts.line_chart(points, chart_id="c", title="t"))

    written = [text for text in texts(root) if text.startswith("day")]
    assert 1 < len(written) <= charts.MAX_X_LABELS
    assert written[0] == "day 0"


def test_columns_one_a_point():
    points = [(f"{hour:02}", hour % 5) for hour in range(24)]
    root = parse(charts.column_chart(points, chart_id="c", title="t"))

    assert len(list(root.iter(f"{SVG}rect"))) == 24
    assert "23" in texts(root)


@pytest.mark.parametrize(
    "draw", [charts.bar_chart, charts.column_chart, charts.line_chart]
)
def test_no_data_says_so(draw):
    root = parse(draw([], chart_id="c", title="t"))

    assert charts.NO_DATA in texts(root)
