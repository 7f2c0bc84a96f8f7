"""`manage.py ivr_import FILE`: load menus from a YAML or JSON menu file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ivr.management.progress import Progress
from ivr.menus.files.format import FILE_FORMATS, menu_file_format, menu_file_load
from ivr.menus.files.importer import menu_tree_import
from ivr.menus.files.problems import MenuFileError
from ivr.menus.publishing import PublishingError, menus_publish
from ivr.models import Menu

STDIN = "-"
STDIN_SOURCE = "standard input"
CANNOT_READ = "Cannot read {file}: {error}"
NOTHING_IMPORTED = "Nothing was imported from {file}:\n{problems}"
NOT_EMPTY = "Menus exist already; nothing was imported (--if-empty)."


class Command(BaseCommand):
    # The system checks guard serving calls (migrate and runserver run them);
    # menus can be loaded and inspected without repeating their warnings.
    requires_system_checks = []
    help = (
        "Create or update menus, their options and numbers from a YAML or JSON "
        "menu file (as ivr_export writes), in one transaction: on any error "
        "nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='The menu file; "-" reads standard input.')
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=FILE_FORMATS,
            help="The file's format. Default: from the file name's extension, "
            "else from the content.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any menu exists already (for loading a demo "
            "into a fresh database).",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the menus right after importing them (see the "
            "README's Publishing menus); if they cannot be published, nothing "
            "is imported.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything, then roll back.",
        )

    def handle(self, *args, file, file_format, if_empty, dry_run, publish, **options):
        if if_empty and Menu.objects.exists():
            self.stdout.write(NOT_EMPTY)
            return
        name = STDIN_SOURCE if file == STDIN else file
        try:
            data = menu_file_load(
                text=_read(file),
                file_format=file_format or menu_file_format(file),
            )
            # A large file takes a while: a progress bar on a terminal, a
            # line every 10 seconds in a log (on stderr: stdout is the summary).
            progress = Progress("Importing menus", stream=self.stderr)
            with transaction.atomic(), progress:
                summary = menu_tree_import(
                    data=data, dry_run=dry_run, source=_source(file), progress=progress
                )
                if publish and not dry_run:
                    publication = menus_publish(note=f"Imported {_source(file)}")
        except (MenuFileError, PublishingError) as error:
            raise CommandError(
                NOTHING_IMPORTED.format(file=name, problems=error)
            ) from error
        self.stdout.write(str(summary))
        if publish and not dry_run:
            self.stdout.write(f"Published as version {publication.pk}.")
        # Imported all the same; each names its menu and says what is wrong.
        for warning in summary.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))


def _source(file: str) -> str:
    """The file as the audit history names it: its name, without the
    folders (they say where the file was on one machine)."""
    return STDIN_SOURCE if file == STDIN else Path(file).name


def _read(file: str) -> str:
    # sys.stdin is looked up on each call, so tests can replace it.
    if file == STDIN:
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(CANNOT_READ.format(file=file, error=error)) from error
