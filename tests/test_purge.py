"""`manage.py ivr_purge` deletes the call history older than the retention,
in batches, and `ivr.management.progress` shows how far it got."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ivr.management.commands import ivr_purge
from ivr.management.progress import Progress, format_duration
from ivr.models import Call, CallEvent
from tests.numbering import next_number

pytestmark = pytest.mark.django_db


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def make_call(*ages_in_days: float, session_id: str | None = None) -> Call:
    """A call whose events happened `ages_in_days` days ago, summarised as
    the webhooks summarise them."""
    times = [days_ago(age) for age in ages_in_days]
    call = Call.objects.create(
        session_id=session_id or f"session-{next_number('purge rows')}",
        started_at=min(times),
        last_event_at=max(times),
        event_count=len(times),
    )
    for when in times:
        CallEvent.objects.create(
            event_id=f"event-{next_number('purge rows')}",
            event_type="CALL_ACTION",
            call=call,
            session_id=call.session_id,
            occurred_at=when,
            payload={},
        )
    return call


class Terminal(io.StringIO):
    def isatty(self):
        return True


def purge(*args, stdout=None) -> str:
    stdout = stdout or io.StringIO()
    call_command("ivr_purge", *args, stdout=stdout)
    return stdout.getvalue()


def deletes(queries, table: str) -> int:
    return sum(query["sql"].startswith(f'DELETE FROM "{table}" ') for query in queries)


# --- What goes, what stays ----------------------------------------------------


def test_events_older_than_the_cutoff_go_and_newer_ones_stay():
    old = make_call(100, 95)
    mixed = make_call(91, 89)  # a call across the cutoff keeps its new event
    new = make_call(10)

    output = purge("--older-than", "90d")

    assert set(CallEvent.objects.values_list("call_id", flat=True)) == {
        mixed.pk,
        new.pk,
    }
    assert CallEvent.objects.filter(call=mixed).count() == 1
    assert set(Call.objects.values_list("pk", flat=True)) == {mixed.pk, new.pk}
    assert not Call.objects.filter(pk=old.pk).exists()
    assert "Deleted 3 call events and 1 call older than" in output
    assert "(90 days)" in output


def test_calls_left_without_events_go_only_once_their_last_event_is_old():
    emptied = make_call(100)
    CallEvent.objects.all().delete()  # events purged by an earlier run
    empty_but_recent = Call.objects.create(
        session_id="recent", started_at=days_ago(5), last_event_at=days_ago(5)
    )
    # An old summary whose events are, oddly, newer: kept while they are.
    inconsistent = make_call(10)
    Call.objects.filter(pk=inconsistent.pk).update(
        started_at=days_ago(100), last_event_at=days_ago(100)
    )

    purge("--older-than", "90d")

    assert set(Call.objects.values_list("pk", flat=True)) == {
        empty_but_recent.pk,
        inconsistent.pk,
    }
    assert not Call.objects.filter(pk=emptied.pk).exists()


@pytest.mark.parametrize(
    ("older_than", "age", "described"),
    [
        ("12h", timedelta(hours=12), "12 hours"),
        ("90d", timedelta(days=90), "90 days"),
        ("2w", timedelta(weeks=2), "14 days"),
        (" 3D ", timedelta(days=3), "3 days"),
        ("1h", timedelta(hours=1), "1 hour"),
        ("1d", timedelta(days=1), "1 day"),
        ("36h", timedelta(hours=36), "36 hours"),
    ],
)
def test_the_age_may_be_hours_days_or_weeks(older_than, age, described):
    assert ivr_purge.parse_age(older_than) == age
    assert ivr_purge.describe_age(age) == described


@pytest.mark.parametrize(
    ("older_than", "kept"),
    [("12h", {"5 hours"}), ("2w", {"5 hours", "10 days"}), ("3d", {"5 hours"})],
)
def test_the_cutoff_follows_the_age(older_than, kept):
    ages = {"5 hours": 5 / 24, "10 days": 10, "20 days": 20}
    calls = {name: make_call(age) for name, age in ages.items()}

    purge("--older-than", older_than)

    remaining = set(Call.objects.values_list("pk", flat=True))
    assert {name for name, call in calls.items() if call.pk in remaining} == kept


def test_the_default_age_is_the_retention_setting(settings):
    settings.IVR_RETENTION_DAYS = 30
    older, newer = make_call(31), make_call(29)

    output = purge()

    assert list(Call.objects.values_list("pk", flat=True)) == [newer.pk]
    assert CallEvent.objects.get().call_id == newer.pk
    assert not Call.objects.filter(pk=older.pk).exists()
    assert "(30 days)" in output


@pytest.mark.parametrize(
    "older_than",
    ["", "90", "d", "0d", "0h", "-1d", "1.5d", "90 days", "1y", "90d7", "9" * 20 + "w"],
)
def test_a_bad_age_is_refused_in_plain_words(older_than):
    make_call(100)
    with pytest.raises(CommandError) as refused:
        purge(f"--older-than={older_than}")
    assert str(refused.value) == ivr_purge.BAD_AGE.format(value=older_than)
    assert CallEvent.objects.count() == 1


@pytest.mark.parametrize("days", [0, -5])
def test_a_bad_retention_setting_is_refused(settings, days):
    settings.IVR_RETENTION_DAYS = days
    with pytest.raises(CommandError, match="IVR_RETENTION_DAYS must be"):
        purge()


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError) as refused:
        purge("--batch-size", "0")
    assert str(refused.value) == ivr_purge.BAD_BATCH_SIZE.format(value=0)


# --- Batches ----------------------------------------------------------------


def test_rows_are_deleted_in_batches_of_the_given_size():
    for _ in range(5):
        make_call(100)
    make_call(10)

    with CaptureQueriesContext(connection) as queries:
        purge("--older-than", "90d", "--batch-size", "2")

    # 5 old events and 5 calls, 2 at a time: 3 statements each.
    assert deletes(queries, "ivr_callevent") == 3
    assert deletes(queries, "ivr_call") == 3
    assert CallEvent.objects.count() == 1
    assert Call.objects.count() == 1


def test_rows_of_the_same_time_are_all_deleted_across_batches():
    same_time = days_ago(100)
    for _ in range(5):
        call = make_call(100)
        CallEvent.objects.filter(call=call).update(occurred_at=same_time)
        Call.objects.filter(pk=call.pk).update(
            started_at=same_time, last_event_at=same_time
        )

    purge("--older-than", "90d", "--batch-size", "2")

    assert (CallEvent.objects.count(), Call.objects.count()) == (0, 0)


# Real commits: each batch must open a transaction of its own, not run
# inside one around the whole purge.
@pytest.mark.django_db(transaction=True)
def test_each_batch_is_its_own_transaction(monkeypatch):
    for _ in range(3):
        make_call(100)
    transactions = []
    real_atomic = ivr_purge.transaction.atomic

    def atomic(*args, **kwargs):
        # Django's delete() nests its own atomic block in the batch's.
        if not connection.in_atomic_block:
            transactions.append(True)
        return real_atomic(*args, **kwargs)

    monkeypatch.setattr(ivr_purge.transaction, "atomic", atomic)

    purge("--older-than", "90d", "--batch-size", "2")

    # 2 + 1 rows, then an empty batch, for events and then for calls.
    assert len(transactions) == 6
    assert (CallEvent.objects.count(), Call.objects.count()) == (0, 0)


def test_a_database_error_stops_with_what_was_done(monkeypatch):
    for _ in range(3):
        make_call(100)
    real_purge = ivr_purge.Command.purge

    def purge_events_only(self, kind, *args):
        if kind == "calls":
            raise DatabaseError("the disk is full")
        return real_purge(self, kind, *args)

    monkeypatch.setattr(ivr_purge.Command, "purge", purge_events_only)

    with pytest.raises(CommandError) as stopped:
        purge("--older-than", "90d", "--batch-size", "2")

    assert str(stopped.value) == (
        "Stopped by a database error after deleting 3 call events and 0 calls "
        "(each batch deleted is committed): the disk is full"
    )
    assert CallEvent.objects.count() == 0
    assert Call.objects.count() == 3


def test_a_dry_run_counts_and_deletes_nothing():
    make_call(100, 95)
    make_call(91, 89)
    make_call(10)
    Call.objects.create(
        session_id="emptied", started_at=days_ago(200), last_event_at=days_ago(200)
    )

    with CaptureQueriesContext(connection) as queries:
        output = purge("--older-than", "90d", "--dry-run")

    assert not any(query["sql"].startswith("DELETE") for query in queries)
    assert (CallEvent.objects.count(), Call.objects.count()) == (5, 4)
    assert output.startswith(
        "Dry run: would delete 3 call events and 2 calls older than "
    )
    assert output.endswith("(90 days). Nothing was deleted.\n")


def test_an_empty_history_is_a_quiet_success():
    output = purge("--older-than", "90d")
    assert "Deleted 0 call events and 0 calls" in output


# --- Progress -------------------------------------------------------------------


def test_in_a_log_the_progress_is_whole_lines():
    for _ in range(5):
        make_call(100)

    output = purge("--older-than", "90d", "--batch-size", "2")

    assert "\r" not in output
    lines = output.splitlines()
    assert lines[0].startswith("Deleting call events: 5/5 (100%), ")
    assert lines[1].startswith("Deleting calls: 5/5 (100%), ")
    assert lines[2].startswith("Deleted 5 call events and 5 calls older than ")


def test_on_a_terminal_the_progress_is_one_line_redrawn():
    for _ in range(3):
        make_call(100)

    output = purge("--older-than", "90d", "--batch-size", "2", stdout=Terminal())

    events_line, calls_line, summary, end = output.split("\n")
    assert events_line.startswith("\rDeleting call events: ")
    assert events_line.split("\r")[-1].startswith("Deleting call events: 3/3 (100%)")
    assert calls_line.split("\r")[-1].startswith("Deleting calls: 3/3 (100%)")
    assert summary.startswith("Deleted 3 call events and 3 calls")
    assert end == ""


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("wrap", [False, True], ids=["stream", "OutputWrapper"])
def test_a_log_gets_a_line_per_interval_and_one_at_the_end(wrap):
    clock, stream = Clock(), io.StringIO()
    progress = Progress(
        "Deleting",
        total=10,
        stream=OutputWrapper(stream) if wrap else stream,
        clock=clock,
    )
    assert progress.interval == 10.0
    for _ in range(10):
        clock.now += 3
        progress.advance()
    progress.finish()
    progress.finish()

    assert stream.getvalue().splitlines() == [
        "Deleting: 4/10 (40%), 12.0 s",
        "Deleting: 8/10 (80%), 24.0 s",
        "Deleting: 10/10 (100%), 30.0 s",
    ]


def test_a_terminal_line_is_redrawn_in_place_and_ended():
    clock, stream = Clock(), Terminal()
    with Progress("Deleting", stream=stream, clock=clock) as progress:
        clock.now += 0.05
        progress.advance(999)  # too soon after the start: not drawn
        clock.now += 0.15
        progress.advance(1)
        clock.now += 60
        progress.advance(5)

    assert stream.getvalue() == (
        "\rDeleting: 1,000, 0.2 s\rDeleting: 1,005, 0:01:00\rDeleting: 1,005, 0:01:00\n"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0 s"), (12.34, "12.3 s"), (59.94, "59.9 s"), (125, "0:02:05")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
