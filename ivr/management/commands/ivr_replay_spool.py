"""Write spooled events to the database.

Every app process replays its own spool by itself once the database is back;
this command replays every spool file in IVR_SPOOL_DIR, including those of
processes that are gone. Safe to run at any time and as often as you like:
events already stored are skipped, by event id.
"""

from django.core.management.base import BaseCommand, CommandError

from ivr.management.progress import Progress, plural
from ivr.resilience.spool import spool_backlog, spool_dir, spool_replay
from ivr.webhook.answer import store_spooled_line


class Command(BaseCommand):
    help = "Write the events waiting in the local spool to the database."

    def handle(self, *args, **options):
        waiting = spool_backlog()
        if not waiting:
            self.stdout.write(f"No spooled events in {spool_dir()}.")
            return
        progress = Progress(
            "Replaying spooled events", total=waiting, stream=self.stdout
        )

        def store(line: str) -> None:
            store_spooled_line(line)
            progress.advance()

        with progress:
            result = spool_replay(store)
        self.stdout.write(
            f"Replayed {plural(result.replayed, 'event')}; "
            f"{result.remaining:,} still waiting; "
            f"{result.unreadable:,} unreadable (kept aside in *.bad files)."
        )
        if result.remaining:
            raise CommandError(
                "The database refused some events; they stay in the spool. "
                "Run this again once it is reachable."
            )
