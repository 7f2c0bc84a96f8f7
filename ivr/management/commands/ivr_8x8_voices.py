"""`manage.py ivr_8x8_voices`: fetch the voices 8x8 offers this account and
keep them, so menus choose theirs from the list (the work is in
`ivr.menus.voices`)."""

from django.core.management.base import BaseCommand, CommandError

from ivr.eightbyeight.client import EightByEightError
from ivr.management.progress import plural
from ivr.menus.voices import VoiceListError, voice_profiles_refresh

SUMMARY = "Fetched {total} from 8x8: {added} added, {removed} removed."
MENUS_OFF_LIST = (
    "Warning: {code} is not in 8x8's list, but menus use it: {menus}. Choose "
    "another voice for them."
)
FALLBACK_OFF_LIST = (
    "Warning: the fallback apology's voice, {code} (IVR_FALLBACK_VOICE_PROFILE), "
    "is not in 8x8's list. Set IVR_FALLBACK_VOICE_PROFILE to one that is."
)


class Command(BaseCommand):
    # The system checks guard serving calls; fetching the voices must not
    # wait for a warning about something else.
    requires_system_checks = []
    help = (
        "Fetch the voices (speech profiles) 8x8 offers IVR_8X8_SUBACCOUNT and "
        "replace the stored list with them; say which voices in use are not "
        "in it."
    )

    def handle(self, *args, **options):
        try:
            refresh = voice_profiles_refresh()
        except (EightByEightError, VoiceListError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            SUMMARY.format(
                total=plural(refresh.total, "voice"),
                added=len(refresh.added),
                removed=len(refresh.removed),
            )
        )
        if options["verbosity"] >= 2:
            for code in refresh.added:
                self.stdout.write(f"Added {code}")
            for code in refresh.removed:
                self.stdout.write(f"Removed {code}")
        for code, menus in refresh.menus_off_list.items():
            self.stderr.write(
                self.style.WARNING(
                    MENUS_OFF_LIST.format(code=code, menus=", ".join(menus))
                )
            )
        if refresh.fallback_off_list:
            self.stderr.write(
                self.style.WARNING(
                    FALLBACK_OFF_LIST.format(code=refresh.fallback_off_list)
                )
            )
