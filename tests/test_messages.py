"""The words staff read: no doubled periods after a time, no "Keys 1 are",
no "1 events", no space before a period, in messages, pages and commands."""

import importlib
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse

import ivr
from ivr.management.progress import plural
from ivr.menus.checks import menu_option_problems
from ivr.menus.publishing import menus_publish
from ivr.resilience import spool

PROJECT = Path(__file__).parent.parent
# A period doubled (not an ellipsis), or a space before punctuation.
BAD_PUNCTUATION = re.compile(r"(?<![.])\.\.(?![./])|\w [.,;:!?](?=\s|$)")


def test_one_duplicated_key_is_said_in_the_singular():
    problems = menu_option_problems(option_digits=["1", "1", "2"])

    assert problems == {
        "options": ["Key 1 is used by two options: give each option its own key."]
    }


def test_an_option_of_one_key_is_said_in_the_singular():
    problems = menu_option_problems(option_digits=["1", "12"], min_digits=2)

    assert problems["min_digits"] == [
        "Option 1 has 1 key but the menu needs at least 2."
    ]


@pytest.mark.parametrize("hour", [1, 13])  # 9:30 a.m. and 9:30 p.m. in Singapore
def test_a_time_at_the_end_of_a_sentence_ends_it_once(settings, hour):
    settings.TIME_ZONE = "Asia/Singapore"
    published_at = datetime(2024, 11, 11, hour, 30, tzinfo=UTC)

    text = Template("Published {{ published_at }}.").render(
        Context({"published_at": published_at})
    )

    assert text == f"Published 2024-11-11 {hour + 8:02}:30:00 +08."


@pytest.mark.django_db
def test_the_published_version_is_dated_without_a_doubled_period(
    admin_client, menu_tree, settings
):
    settings.TIME_ZONE = "Asia/Singapore"
    publication = menus_publish()
    # 9:30 in the morning, when English would write "9:30 a.m."
    publication.published_at = datetime(2024, 11, 11, 1, 30, tzinfo=UTC)
    publication.save(update_fields=["published_at"])

    for name in ("ivr_publication_changelist", "ivr_publication_publish"):
        html = admin_client.get(reverse(f"admin:{name}")).content.decode()
        assert "published 2024-11-11 09:30:00 +08." in html, name
        assert "a.m." not in html, name


@pytest.mark.django_db
def test_one_replayed_event_is_said_in_the_singular(capsys):
    spool.spool_append(
        '{"event_id": "a", "event_type": "CALL_ACTION", '
        '"occurred_at": "2026-01-01T09:00:00+00:00", "payload": {}, '
        '"response": {}, "session_id": "s-a", "outcome": "entered_menu"}'
    )

    call_command("ivr_replay_spool")

    assert "Replayed 1 event; 0 still waiting" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 calls"), (1, "1 call"), (2, "2 calls"), (2000, "2,000 calls")],
)
def test_plural(count, text):
    assert plural(count, "call") == text


def message_constants():
    """Every module-level text constant of the app (its messages)."""
    for module_info in pkgutil.walk_packages(ivr.__path__, "ivr."):
        if ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and " " in value:
                yield f"{module_info.name}.{name}", value


def test_no_message_doubles_a_period_or_spaces_before_punctuation():
    found = [
        f"{name}: {value!r}"
        for name, value in message_constants()
        if BAD_PUNCTUATION.search(value)
    ]
    assert found == []


def prose_lines(path: Path):
    """(line number, text) of a page or the README, with template tags and
    inline code replaced by a word, and code blocks left out."""
    in_code = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            yield number, re.sub(r"`[^`]*`|\{[%{].*?[%}]\}", "x", line)


def test_no_page_or_readme_line_doubles_a_period_or_spaces_before_punctuation():
    files = [
        *sorted((PROJECT / "templates").rglob("*.html")),
        *sorted((PROJECT / "ivr").rglob("*.html")),
        PROJECT / "README.md",
    ]
    found = [
        f"{path.relative_to(PROJECT)}:{number}: {line.strip()}"
        for path in files
        for number, line in prose_lines(path)
        if BAD_PUNCTUATION.search(line)
    ]
    assert found == []
