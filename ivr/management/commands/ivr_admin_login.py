"""`manage.py ivr_admin_login`: make sure there is an admin login (for
`make run`), and print it when it was just created; either way, print the
admin's address (`--url`: `make run` passes the port it serves on)."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

ADMIN_USERNAME = "admin"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
CREATED = "Admin login: {url}  user: {username}  password: {password}"
EXISTS = (
    "Admin: {url}  user: {username} (exists already). To reset its "
    "password: python manage.py changepassword {username}"
)
NAME_TAKEN = (
    "A user “{username}” exists but is not a superuser; create a superuser "
    "with: python manage.py createsuperuser"
)


class Command(BaseCommand):
    # The system checks guard serving calls (migrate and runserver run them);
    # menus can be loaded and inspected without repeating their warnings.
    requires_system_checks = []
    help = (
        "Create the superuser “admin” with a random password and print it, "
        "unless a superuser exists already."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=ADMIN_URL, help="The admin address to print."
        )

    def handle(self, *args, url, **options):
        users = get_user_model()._default_manager
        existing = users.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(EXISTS.format(url=url, username=existing.get_username()))
            return
        username_field = get_user_model().USERNAME_FIELD
        if users.filter(**{username_field: ADMIN_USERNAME}).exists():
            raise CommandError(NAME_TAKEN.format(username=ADMIN_USERNAME))
        password = secrets.token_urlsafe(12)
        users.create_superuser(
            **{username_field: ADMIN_USERNAME},
            email="",
            password=password,
        )
        self.stdout.write(
            CREATED.format(url=url, username=ADMIN_USERNAME, password=password)
        )
