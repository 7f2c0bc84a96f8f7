"""Fill the database with realistic synthetic call history, quickly.

    python manage.py ivr_seed_history --events 1000000

Calls walk the menus in the database with the real decision code; rows are
written in bulk (COPY on PostgreSQL). Seeded rows have session ids starting
with "seed-", so `--delete` removes exactly them.
"""

import random

from django.core.management.base import BaseCommand, CommandError

from ivr.history.seed import SEED_PREFIX, seed_calls, write_calls
from ivr.management.progress import Progress, plural
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Call, CallEvent, Number

BATCH_CALLS = 2000


class Command(BaseCommand):
    help = "Fill the database with realistic synthetic call history."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--delete", action="store_true", help="Delete seeded history instead."
        )

    def handle(self, *args, events, days, seed, delete, **options):
        if delete:
            return self._delete()
        snapshot = ivr_snapshot_from_database()
        if not snapshot.menus:
            raise CommandError("There are no menus to walk: import some first.")
        number = (
            Number.objects.values_list("number", flat=True).first() or "+6531581234"
        )
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        progress = Progress("Seeding call events", total=events, stream=self.stdout)
        calls = batch = 0
        pending = []
        with progress:
            for call in seed_calls(
                snapshot, events=events, days=days, seed=seed, number=number
            ):
                pending.append(call)
                if len(pending) >= BATCH_CALLS:
                    batch = sum(len(c.events) for c in pending)
                    write_calls(pending)
                    calls += len(pending)
                    progress.advance(batch)
                    pending = []
            if pending:
                write_calls(pending)
                calls += len(pending)
                progress.advance(sum(len(c.events) for c in pending))
        self.stdout.write(
            f"Seeded {plural(progress.done, 'event')} in {plural(calls, 'call')} "
            f"(seed {seed}) in {progress.elapsed:.1f} s."
        )

    def _delete(self):
        events, _ = CallEvent.objects.filter(
            session_id__startswith=SEED_PREFIX
        ).delete()
        calls, _ = Call.objects.filter(session_id__startswith=SEED_PREFIX).delete()
        self.stdout.write(
            f"Deleted {plural(events, 'seeded event')} and {plural(calls, 'call')}."
        )
