"""`manage.py ivr_8x8_webhooks`: register this app's webhooks with 8x8, list
them, or remove them (the work is in `ivr.webhook.registration`).

Nothing it prints holds the webhook secret or the API key.
"""

from django.core.management.base import BaseCommand, CommandError

from ivr.eightbyeight.client import EightByEightError
from ivr.webhook.registration import (
    WebhookSetupError,
    webhooks_delete,
    webhooks_list,
    webhooks_register,
)

NONE_REGISTERED = "8x8 has no webhooks for this sub-account."


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


class Command(BaseCommand):
    # The system checks guard serving calls; setting 8x8 up must not wait
    # for a warning about something else.
    requires_system_checks = []
    help = (
        "Register the Voice Call Action, Session Summary and Call Status "
        "webhooks with 8x8 for IVR_8X8_SUBACCOUNT, each with the first value "
        "of IVR_WEBHOOK_AUTH as its secret; or list or remove them."
    )

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument(
            "--url",
            metavar="BASE",
            help="The app's address as 8x8 reaches it, like "
            "https://ivr.example.com: registers the three webhooks under it, "
            "replacing those 8x8 has.",
        )
        what.add_argument(
            "--list",
            dest="show",
            action="store_true",
            help="Show the webhooks 8x8 has.",
        )
        what.add_argument(
            "--delete",
            dest="remove",
            action="store_true",
            help="Remove the three webhooks.",
        )

    def handle(self, *args, url=None, show=False, remove=False, **options):
        try:
            if url is not None:
                self.register(url)
            elif show:
                self.show()
            else:
                self.remove()
        except (EightByEightError, WebhookSetupError) as error:
            # "from None": a traceback need not show the request's error.
            raise CommandError(str(error)) from None

    def register(self, url):
        for result in webhooks_register(base_url=url):
            self.stdout.write(
                f"{result.type}  {result.url}  {result.outcome}  "
                f"secret set: {yes_no(result.secret_set)}"
            )

    def show(self):
        webhooks = webhooks_list()
        if not webhooks:
            self.stdout.write(NONE_REGISTERED)
        for webhook in webhooks:
            self.stdout.write(
                f"{webhook.type}  {webhook.url}  enabled: {yes_no(webhook.enabled)}  "
                f"secret set: {yes_no(webhook.secret_set)}"
            )

    def remove(self):
        for result in webhooks_delete():
            self.stdout.write(
                f"{result.type}  {result.url}  {result.outcome}"
                if result.url
                else f"{result.type}  {result.outcome}"
            )
