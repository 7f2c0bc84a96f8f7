"""`manage.py ivr_export`: print every menu as a menu file."""

from django.core.management.base import BaseCommand

from ivr.menus.files.export import menu_tree_export
from ivr.menus.files.format import FILE_FORMATS, YAML, menu_file_dump


class Command(BaseCommand):
    # The system checks guard serving calls (migrate and runserver run them);
    # menus can be loaded and inspected without repeating their warnings.
    requires_system_checks = []
    help = (
        "Print every menu, option and number as a menu file that ivr_import "
        "reads back (YAML, or JSON with --format json)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="file_format", choices=FILE_FORMATS, default=YAML
        )
        parser.add_argument(
            "--all-fields",
            action="store_true",
            help="Write every field, also those equal to their defaults.",
        )

    def handle(self, *args, file_format, all_fields, **options):
        data = menu_tree_export(all_fields=all_fields)
        self.stdout.write(menu_file_dump(data=data, file_format=file_format), ending="")
