"""`manage.py ivr_purge`: delete the call history older than the retention.

Call events whose `occurred_at` is older than the cutoff go first, then the
calls left without events whose last event is older than the cutoff. Both
in batches: each batch selects ids through an index (occurred_at for events,
started_at for calls) and deletes them by id in its own short transaction,
so the webhooks, which write to the same tables, never wait long, and an
interrupted run keeps what it has done. Oldest first.
"""

import re
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ivr.management.progress import Progress, format_duration, plural
from ivr.models import Call, CallEvent

AGE_RE = re.compile(r"(\d+)\s*([hdw])")
AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
DEFAULT_BATCH_SIZE = 5000
# The indexed column each kind of row is taken in order of. A call's
# started_at is never after its last_event_at, so it finds the old calls.
ORDER_BY = {"events": "occurred_at", "calls": "started_at"}

BAD_AGE = (
    "--older-than must be a whole number of hours, days or weeks above 0, "
    "written like 12h, 90d or 2w; got {value!r}."
)
BAD_RETENTION = (
    "IVR_RETENTION_DAYS must be a whole number of days above 0; got {value!r}."
)
BAD_BATCH_SIZE = "--batch-size must be at least 1; got {value}."
SUMMARY = "Deleted {events} and {calls} older than {cutoff} ({age}) in {elapsed}."
DRY_RUN_SUMMARY = (
    "Dry run: would delete {events} and {calls} older than {cutoff} ({age}). "
    "Nothing was deleted."
)
STOPPED = (
    "Stopped by a database error after deleting {events} and {calls} (each "
    "batch deleted is committed): {error}"
)


def counted(events: int, calls: int) -> dict[str, str]:
    """{"events": "1 call event", "calls": "2,000 calls"}, for the messages."""
    return {"events": plural(events, "call event"), "calls": plural(calls, "call")}


def parse_age(value: str) -> timedelta:
    """The age written as "12h", "90d" or "2w"; CommandError (BAD_AGE) for
    anything else, zero included: it would delete everything."""
    match = AGE_RE.fullmatch(value.strip().lower())
    if not match or int(match[1]) == 0:
        raise CommandError(BAD_AGE.format(value=value))
    try:
        return timedelta(**{AGE_UNITS[match[2]]: int(match[1])})
    except OverflowError:
        raise CommandError(BAD_AGE.format(value=value)) from None


def describe_age(age: timedelta) -> str:
    if age % timedelta(days=1):
        return plural(age // timedelta(hours=1), "hour")
    return plural(age.days, "day")


def old_events(cutoff):
    return CallEvent.objects.filter(occurred_at__lt=cutoff)


def old_calls(cutoff, *, events_kept_since=None):
    """Calls whose last event is before `cutoff` and that have no events
    (none from `events_kept_since` on, when given: what a purge would leave).

    started_at <= last_event_at, so filtering on started_at too costs
    nothing and lets the database use its index.
    """
    events = CallEvent.objects.filter(call_id=OuterRef("pk"))
    if events_kept_since is not None:
        events = events.filter(occurred_at__gte=events_kept_since)
    return Call.objects.filter(started_at__lt=cutoff, last_event_at__lt=cutoff).filter(
        ~Exists(events)
    )


class Command(BaseCommand):
    # The system checks guard serving calls; a webhook setting out of order
    # must not also stop the history from being trimmed every night.
    requires_system_checks = []
    help = (
        "Delete call events older than --older-than (default: "
        "IVR_RETENTION_DAYS days), then the calls left without events, "
        "in batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help="Like 90d, 12h or 2w. Default: IVR_RETENTION_DAYS days.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted; delete nothing.",
        )

    def handle(self, *args, older_than=None, batch_size, dry_run, **options):
        age = self.age(older_than)
        if batch_size < 1:
            raise CommandError(BAD_BATCH_SIZE.format(value=batch_size))
        started = time.monotonic()
        cutoff = timezone.now() - age
        facts = {
            "cutoff": cutoff.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "age": describe_age(age),
        }
        if dry_run:
            self.stdout.write(
                DRY_RUN_SUMMARY.format(
                    **counted(
                        old_events(cutoff).count(),
                        old_calls(cutoff, events_kept_since=cutoff).count(),
                    ),
                    **facts,
                )
            )
            return
        # Counted batch by batch, for the message if one fails.
        self.deleted = {"events": 0, "calls": 0}
        try:
            self.purge("events", "Deleting call events", old_events(cutoff), batch_size)
            self.purge("calls", "Deleting calls", old_calls(cutoff), batch_size)
        except DatabaseError as error:
            raise CommandError(
                STOPPED.format(error=error, **counted(**self.deleted))
            ) from error
        elapsed = format_duration(time.monotonic() - started)
        self.stdout.write(
            SUMMARY.format(elapsed=elapsed, **counted(**self.deleted), **facts)
        )

    def age(self, older_than) -> timedelta:
        if older_than is not None:
            return parse_age(older_than)
        days = settings.IVR_RETENTION_DAYS
        if not isinstance(days, int) or days < 1:
            raise CommandError(BAD_RETENTION.format(value=days))
        return timedelta(days=days)

    def purge(self, kind, label, queryset, batch_size) -> None:
        """Delete the rows of `queryset` in batches, oldest first along the
        index of ORDER_BY[kind], each batch in its own transaction; count
        them in self.deleted[kind] as each batch commits."""
        model = queryset.model
        index = ORDER_BY[kind]
        ordered = queryset.order_by(index)
        # Each batch starts where the last one ended, so the database never
        # walks again over the index entries of rows already deleted (on
        # PostgreSQL they stay in the index until vacuumed). ">=": rows of
        # the same time may be left over.
        floor = None
        with Progress(label, total=queryset.count(), stream=self.stdout) as progress:
            while True:
                with transaction.atomic():
                    batch = ordered
                    if floor is not None:
                        batch = batch.filter(**{f"{index}__gte": floor})
                    rows = list(batch.values_list("pk", index)[:batch_size])
                    if not rows:
                        break
                    floor = rows[-1][1]
                    # By id, and still only rows `queryset` selects: a call
                    # that got an event since its batch was chosen is kept.
                    ids = [pk for pk, _ in rows]
                    _, counts = queryset.filter(pk__in=ids).delete()
                count = counts.get(model._meta.label, 0)
                self.deleted[kind] += count
                progress.advance(count)
