"""The SVG writer the map and the charts share (ivr/admin/svg.py): one
escaping rule for every attribute and text, markup built here kept as it is,
numbers written short, text cut to fit with the whole as its tooltip."""

import pytest
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString

from ivr.admin import svg

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (svg.element("rect", {"x": 1, "y": 2.5}), '<rect x="1" y="2.5"/>'),
        (svg.element("g", {}, "a & b"), "<g>a &amp; b</g>"),
        (
            svg.element("a", {"href": '"><script>'}, SCRIPT),
            '<a href="&quot;&gt;&lt;script&gt;">'
            "&lt;script&gt;alert(1)&lt;/script&gt;</a>",
        ),
        (
            svg.element("a", {"title": "it's"}, svg.element("g", {}, "<b>")),
            '<a title="it&#x27;s"><g>&lt;b&gt;</g></a>',
        ),
        # Markup built here goes in once, never escaped again.
        (svg.fragment(svg.element("g"), "<", svg.element("g")), "<g/>&lt;<g/>"),
        (svg.element("title", {}, ""), "<title></title>"),
    ],
)
def test_every_attribute_and_text_is_escaped_once(written, expected):
    assert isinstance(written, SafeString)
    assert written == expected


def test_an_attribute_is_escaped_even_when_marked_safe():
    # Markup has no place in an attribute, whoever built it.
    written = svg.element("a", {"href": svg.element("g")})

    assert written == '<a href="&lt;g/&gt;"/>'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (12.04, "12"),
        (-0.5, "-0.5"),
        ("a", "a"),
    ],
)
def test_numbers_are_written_short(value, written):
    assert svg.number(value) == written


@pytest.mark.parametrize(
    ("words", "chars", "shown"),
    [
        ("Sales", 5, "Sales"),
        ("Sales team", 5, "Sale…"),
        ("Sales team", 7, "Sales…"),  # no space before the "…"
        ("Sales", 1, "…"),
        ("", 3, ""),
    ],
)
def test_fit_cuts_to_the_characters_given(words, chars, shown):
    assert svg.fit(words, chars) == shown


def test_text_cut_to_fit_has_the_whole_as_tooltip():
    cut = svg.text({"x": 1}, "Press  1\nfor <sales>", chars=10)
    whole = svg.text({"x": 1}, "Press 1", chars=10)

    assert cut == (
        '<text x="1"><title>Press 1 for &lt;sales&gt;</title>Press 1 f…</text>'
    )
    assert whole == '<text x="1">Press 1</text>'


@pytest.mark.parametrize(
    ("width", "size", "chars"), [(68, 12, 10), (68, 6, 20), (1, 12, 1), (0, 12, 1)]
)
def test_chars_in_a_width(width, size, chars):
    assert svg.chars_in(width, size) == chars


@pytest.mark.parametrize(
    "typed", [SCRIPT, "a & b", "\"quoted\" 'single'", "&amp;", "😀 ✓", "", "x" * 300]
)
def test_the_rule_is_djangos_own(typed):
    assert svg.fragment(typed) == conditional_escape(typed)
    assert svg.element("g", {"id": typed}) == f'<g id="{escape(typed)}"/>'
