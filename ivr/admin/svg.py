"""Writing SVG by hand, for the map of the menus and the report's charts.

One escaping rule, Django's own: an attribute value is always escaped (as
`escape` does), content unless it is markup built here, the `SafeString`
that `element` and `fragment` return (as `conditional_escape` does). Menu
names, option labels and numbers called are typed by staff and callers, so
nothing they wrote can open a tag or end an attribute, and nothing is escaped
twice. Element and attribute names are this code's own constants. (The rule
is written out with `html.escape`, which Django's functions call: their
wrapper for lazy text made a map of 60 menus take half as long again.)

Numbers are written short: 12, 12.5 (a float to one decimal). An element
without content closes itself (`<rect .../>`), which SVG inside HTML allows.

    element   one element, its attributes and content
    fragment  several pieces side by side, each escaped unless built here
    text      a <text>, cut to a number of characters with the whole as tooltip
    fit       a line cut to a number of characters, ending "…" when cut
    chars_in  about how many characters of the admin's font fit a width
"""

import html
from collections.abc import Mapping

from django.utils.safestring import SafeString, mark_safe

# The admin's sans-serif font at its usual size, and its average character:
# a measure, not a promise; text that may not fit gets its whole as tooltip.
FONT_SIZE = 12
CHAR_WIDTH = 6.8


def element(
    name: str, attrs: Mapping[str, object] | None = None, *content
) -> SafeString:
    """`<name attrs>content</name>`; attribute values are escaped, content
    too unless built here."""
    attributes = "".join(
        f' {key}="{html.escape(number(value))}"' for key, value in (attrs or {}).items()
    )
    if not content:
        return mark_safe(f"<{name}{attributes}/>")  # noqa: S308 (escaped above)
    return mark_safe(f"<{name}{attributes}>{fragment(*content)}</{name}>")  # noqa: S308


def fragment(*parts) -> SafeString:
    """The parts side by side, each escaped unless built here."""
    return mark_safe("".join(map(_escaped, parts)))  # noqa: S308


def _escaped(part) -> str:
    """`part` as `conditional_escape` writes it."""
    if hasattr(part, "__html__"):
        return part.__html__()
    return html.escape(str(part))


def text(
    attrs: Mapping[str, object], words: str, *, chars: int | None = None
) -> SafeString:
    """A `<text>` of `words`; with `chars`, its spaces made single and cut to
    that many characters, the whole words then its tooltip."""
    if chars is None:
        return element("text", attrs, words)
    whole = " ".join(str(words).split())
    shown = fit(whole, chars)
    tooltip = element("title", {}, whole) if shown != whole else ""
    return element("text", attrs, tooltip, shown)


def fit(words: str, chars: int) -> str:
    """`words` cut to `chars` characters, ending with "…" when cut."""
    if len(words) <= chars:
        return words
    return words[: max(chars - 1, 0)].rstrip() + "…"


def chars_in(width: float, size: float = FONT_SIZE) -> int:
    """About how many characters of the admin's font at `size` fit `width`
    pixels; at least one."""
    return max(int(width / (CHAR_WIDTH * size / FONT_SIZE)), 1)


def number(value) -> str:
    """A value as an attribute writes it: a float to one decimal (12.5), and
    without it when whole (12)."""
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)
