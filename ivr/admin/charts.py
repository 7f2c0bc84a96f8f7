"""Small SVG charts for the admin's reports, drawn on the server.

Pure: plain labels and numbers in, an inline `<svg>` out (a `SafeString`),
no database, request or settings. Written with `ivr.admin.svg`, which escapes
every text (menu keys, option labels, numbers called), since staff and
callers typed them.

The colours are the admin's own CSS variables (`--link-fg`, `--body-fg`,
...), set in inline `style` attributes: the chart follows the admin's light
and dark themes, and its styles cannot leak into the page. Each chart is a
picture of a table printed next to it, so it is marked `role="img"` with a
title, and screen readers get the numbers from the table.

    bar_chart   horizontal bars, one a row: counts by category
    column_chart  vertical columns: counts over a short fixed axis (hours)
    line_chart  a line over an axis of many points (days)
"""

import math
from collections.abc import Sequence

from django.utils.safestring import SafeString

from ivr.admin import svg

Point = tuple[str, int | float]

# Theme-aware colours, with the light theme's values for an SVG seen alone.
MARK = "fill: var(--link-fg, #417893)"
LINE = "stroke: var(--link-fg, #417893)"
TEXT = "fill: var(--body-fg, #333)"
QUIET = "fill: var(--body-quiet-color, #666)"
GRID = "stroke: var(--hairline-color, #e8e8e8)"
AXIS = "stroke: var(--border-color, #ccc)"

FONT = "font-family: inherit; font-size: 12px"
NO_DATA = "Nothing to show for this range."

BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 190
LABEL_MAX_CHARS = 28
PLOT_WIDTH = 560
# A line chart writes at most this many of its labels below the x axis.
MAX_X_LABELS = 10


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round tick values from 0 up to at least `maximum`, about `count` of
    them (steps of 1, 2 or 5 times a power of ten); [0, 1] for a maximum of
    0, so an empty axis still has a scale."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    step = max(step, 1)  # counts: no ticks between whole numbers
    return [i * step for i in range(math.ceil(maximum / step) + 1)]


def format_number(value: float) -> str:
    """1234 as "1,234"; 0.5 as "0.5"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _svg(chart_id: str, title: str, width: int, height: int, *body) -> SafeString:
    title_id = f"{chart_id}-title"
    return svg.element(
        "svg",
        {
            "id": chart_id,
            "class": "ivr-chart",
            "role": "img",
            "aria-labelledby": title_id,
            "viewBox": f"0 0 {width} {height}",
            "width": width,
            "height": height,
            "style": f"max-width: 100%; height: auto; {FONT}",
            "xmlns": "http://www.w3.org/2000/svg",
        },
        svg.element("title", {"id": title_id}, title),
        *body,
    )


def _text(
    x: float, y: float, text: str, *, style: str = TEXT, anchor="start"
) -> SafeString:
    return svg.text({"x": x, "y": y, "text-anchor": anchor, "style": style}, text)


def _mark(name: str, attrs: dict, label: str, value: float) -> SafeString:
    """A bar, column or dot, its label and value its tooltip."""
    return svg.element(
        name,
        {**attrs, "style": MARK},
        svg.element("title", {}, f"{label}: {format_number(value)}"),
    )


def _empty(chart_id: str, title: str) -> SafeString:
    body = _text(10, 30, NO_DATA, style=QUIET)
    return _svg(chart_id, title, LABEL_WIDTH + PLOT_WIDTH, 50, body)


def bar_chart(points: Sequence[Point], *, chart_id: str, title: str) -> SafeString:
    """One horizontal bar a point, its label on the left and its value at
    its end, longest bar the full width. A label too long is cut, whole in
    the bar's tooltip."""
    if not points or not any(value for _, value in points):
        return _empty(chart_id, title)
    top = max(value for _, value in points)
    parts = []
    for row, (label, value) in enumerate(points):
        y = row * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
        width = PLOT_WIDTH * 0.85 * value / top
        middle = y + BAR_HEIGHT / 2 + 4
        shown = svg.fit(label, LABEL_MAX_CHARS)
        parts.append(_text(LABEL_WIDTH - 8, middle, shown, anchor="end"))
        bar = {"x": LABEL_WIDTH, "y": y, "width": width, "height": BAR_HEIGHT}
        parts.append(_mark("rect", bar, label, value))
        parts.append(_text(LABEL_WIDTH + width + 6, middle, format_number(value)))
    height = len(points) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    axis = {"x1": LABEL_WIDTH, "y1": 0, "x2": LABEL_WIDTH, "y2": height}
    return _svg(
        chart_id,
        title,
        LABEL_WIDTH + PLOT_WIDTH,
        height,
        svg.element("line", {**axis, "style": AXIS}),
        *parts,
    )


# Room around the plot of column and line charts: y labels left, x below.
LEFT, TOP, BOTTOM = 50, 12, 28
PLOT_HEIGHT = 180


def _y_axis(ticks: list[float], width: float) -> tuple[str, float]:
    """Grid lines and labels for `ticks`; the scale (pixels a unit)."""
    scale = PLOT_HEIGHT / ticks[-1]
    parts = []
    for tick in ticks:
        y = TOP + PLOT_HEIGHT - tick * scale
        line = {"x1": LEFT, "y1": y, "x2": LEFT + width, "y2": y}
        style = AXIS if tick == 0 else GRID
        parts.append(svg.element("line", {**line, "style": style}))
        parts.append(
            _text(LEFT - 6, y + 4, format_number(tick), style=QUIET, anchor="end")
        )
    return svg.fragment(*parts), scale


def column_chart(points: Sequence[Point], *, chart_id: str, title: str) -> SafeString:
    """One vertical column a point, labelled below; meant for a short axis
    such as the 24 hours of a day."""
    if not points or not any(value for _, value in points):
        return _empty(chart_id, title)
    width = PLOT_WIDTH + LABEL_WIDTH - LEFT - 10
    slot = width / len(points)
    grid, scale = _y_axis(nice_ticks(max(value for _, value in points)), width)
    parts = [grid]
    for index, (label, value) in enumerate(points):
        x = LEFT + index * slot
        height = value * scale
        column = {
            "x": x + slot * 0.15,
            "y": TOP + PLOT_HEIGHT - height,
            "width": slot * 0.7,
            "height": height,
        }
        parts.append(_mark("rect", column, label, value))
        parts.append(
            _text(
                x + slot / 2,
                TOP + PLOT_HEIGHT + 16,
                label,
                style=QUIET,
                anchor="middle",
            )
        )
    height = TOP + PLOT_HEIGHT + BOTTOM
    return _svg(chart_id, title, LEFT + width + 10, height, *parts)


def line_chart(points: Sequence[Point], *, chart_id: str, title: str) -> SafeString:
    """A line through the points with a dot on each, evenly spaced left to
    right; at most `MAX_X_LABELS` of the labels are written below it."""
    if not points:
        return _empty(chart_id, title)
    width = PLOT_WIDTH + LABEL_WIDTH - LEFT - 10
    grid, scale = _y_axis(nice_ticks(max(value for _, value in points)), width)
    # The first and last points sit in from the edges, room for their labels.
    inset = 24
    step = (width - 2 * inset) / max(len(points) - 1, 1)
    first = LEFT + inset if len(points) > 1 else LEFT + width / 2
    every = math.ceil(len(points) / MAX_X_LABELS)
    coordinates = [
        (first + index * step, TOP + PLOT_HEIGHT - value * scale)
        for index, (_, value) in enumerate(points)
    ]
    parts = [grid]
    points_attr = " ".join(f"{svg.number(x)},{svg.number(y)}" for x, y in coordinates)
    polyline = {"points": points_attr, "style": f"fill: none; stroke-width: 2; {LINE}"}
    parts.append(svg.element("polyline", polyline))
    for index, ((label, value), (x, y)) in enumerate(
        zip(points, coordinates, strict=True)
    ):
        parts.append(_mark("circle", {"cx": x, "cy": y, "r": 3.5}, label, value))
        if index % every == 0:
            parts.append(
                _text(x, TOP + PLOT_HEIGHT + 16, label, style=QUIET, anchor="middle")
            )
    height = TOP + PLOT_HEIGHT + BOTTOM
    return _svg(chart_id, title, LEFT + width + 10, height, *parts)
