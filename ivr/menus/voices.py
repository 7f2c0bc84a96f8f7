"""8x8's voices for this account: fetched and kept, offered, and checked.

- `voice_profiles_refresh` fetches 8x8's list of speech profiles
  (`manage.py ivr_8x8_voices`) and replaces the stored list in one
  transaction, saying which voices in use are not in it.
- `voice_choices` and `VoiceSelect` offer the list in a form: a searchable
  choice grouped by language.
- `voice_problem` (and `validate_voice_profile`, the same as a validator) is
  the check on save and import.

Until the list is first fetched, nothing is checked and a voice is typed as
free text (the widget says how to fetch the list), so the app works before
anyone has an 8x8 API key. A voice that is not in the list is never changed
behind anyone's back: the widget keeps it selectable, marked as such.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import groupby

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html

from ivr.eightbyeight.client import EightByEightClient, SpeechProfile
from ivr.models import Menu, VoiceProfile

VOICES_COMMAND = "python manage.py ivr_8x8_voices"
VOICE_NOT_IN_LIST = (
    "{code} is not one of 8x8's voices for this account: choose one from the "
    f"list, or run `{VOICES_COMMAND}` again if 8x8 has added it since."
)
VOICES_NOT_FETCHED = (
    "8x8's list of voices has not been fetched yet, so any speech profile code "
    f"is accepted here. Run `{VOICES_COMMAND}` to choose from the list."
)
NO_VOICES_LISTED = (
    "8x8 listed no voices for this account; the stored list was kept. Try "
    "again later, or ask 8x8 support."
)
NOT_IN_LIST_LABEL = "{code} (not in 8x8's list)"
FALLBACK_VOICE_NOT_IN_LIST = (
    "The apology callers hear when the menus cannot answer is read in "
    "{code} (IVR_FALLBACK_VOICE_PROFILE), which is not one of 8x8's voices "
    "for this account: set that setting to a voice from the list under "
    "Voices, or 8x8 may refuse the apology."
)
GENDERS = {"F": "female", "M": "male"}

Choices = list[tuple[str, list[tuple[str, str]]]]


class VoiceListError(Exception):
    """8x8's answer cannot replace the stored list; the message says why."""


@dataclass(frozen=True)
class VoiceRefresh:
    """What `voice_profiles_refresh` did: how many voices are stored now,
    the codes added and removed, the voices in use that 8x8 does not list
    (each with the keys of the menus using it), and the fallback's voice when
    8x8 does not list it."""

    total: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    menus_off_list: dict[str, list[str]] = field(default_factory=dict)
    fallback_off_list: str | None = None


def voice_codes() -> frozenset[str]:
    """The codes of the stored voices; empty until the list is fetched."""
    return frozenset(VoiceProfile.objects.values_list("code", flat=True))


def voice_choices() -> Choices:
    """The stored voices for a Django select, grouped by language in the
    list's order: [("EnglishUS (en-US)", [("en-US-Standard-A",
    "en-US-Standard-A · female"), ...]), ...]; [] until the list is
    fetched."""
    voices = VoiceProfile.objects.values_list(
        "code", "locale_code", "locale_description", "gender"
    )
    return [
        (
            f"{description} ({locale})" if description else locale,
            [(code, _label(code, gender)) for code, _, _, gender in group],
        )
        for (locale, description), group in groupby(
            voices, key=lambda voice: (voice[1], voice[2])
        )
    ]


def voice_problem(code: str, *, known: Collection[str] | None = None) -> str | None:
    """VOICE_NOT_IN_LIST when 8x8's list is fetched and `code` is not in it;
    None when it is, when nothing was fetched yet, or when `code` is blank
    (whether a voice is required is the field's business).

    `known` is `voice_codes()`, for callers checking many voices at once
    (an import); without it, one or two queries.
    """
    if not code:
        return None
    if known is None:
        if VoiceProfile.objects.filter(code=code).exists():
            return None
        listed = VoiceProfile.objects.exists()
    else:
        if code in known:
            return None
        listed = bool(known)
    return VOICE_NOT_IN_LIST.format(code=code) if listed else None


def fallback_voice_problem() -> str | None:
    """FALLBACK_VOICE_NOT_IN_LIST when the fallback's voice (a setting) is
    not in 8x8's fetched list; None when it is or nothing was fetched."""
    code = settings.IVR_FALLBACK_VOICE_PROFILE
    return FALLBACK_VOICE_NOT_IN_LIST.format(code=code) if voice_problem(code) else None


def validate_voice_profile(value: str) -> None:
    """`voice_problem` as a form field validator."""
    problem = voice_problem(value)
    if problem:
        raise ValidationError(problem, code="voice_profile")


def voice_profiles_refresh(*, client: EightByEightClient | None = None) -> VoiceRefresh:
    """Fetch 8x8's voices and make them the stored list, in one transaction.

    Raises EightByEightError when 8x8 cannot be asked, and VoiceListError
    (NO_VOICES_LISTED) when it lists none: an empty list would turn every
    voice back into free text, so the stored one is kept.
    """
    client = client or EightByEightClient.from_settings()
    profiles = _storable(client.speech_profiles())
    if not profiles:
        raise VoiceListError(NO_VOICES_LISTED)
    codes = {profile.code for profile in profiles}
    fetched_at = timezone.now()
    with transaction.atomic():
        before = set(VoiceProfile.objects.values_list("code", flat=True))
        VoiceProfile.objects.filter(code__in=before - codes).delete()
        VoiceProfile.objects.bulk_create(
            [
                VoiceProfile(
                    code=profile.code,
                    locale_code=profile.locale_code,
                    locale_description=profile.locale_description,
                    gender=profile.gender,
                    fetched_at=fetched_at,
                )
                for profile in profiles
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["locale_code", "locale_description", "gender", "fetched_at"],
        )
    menus_off_list: dict[str, list[str]] = {}
    for code, key in (
        Menu.objects.exclude(voice_profile__in=codes)
        .order_by("voice_profile", "key")
        .values_list("voice_profile", "key")
    ):
        menus_off_list.setdefault(code, []).append(key)
    fallback = settings.IVR_FALLBACK_VOICE_PROFILE
    return VoiceRefresh(
        total=len(codes),
        added=sorted(codes - before),
        removed=sorted(before - codes),
        menus_off_list=menus_off_list,
        fallback_off_list=fallback if fallback not in codes else None,
    )


def _storable(profiles: list[SpeechProfile]) -> list[SpeechProfile]:
    """Each code once (the first), and only codes a menu can hold; the other
    fields cut to their columns."""
    fields = {f.name: f.max_length for f in VoiceProfile._meta.fields if f.max_length}
    seen = set()
    storable = []
    for profile in profiles:
        if profile.code in seen or len(profile.code) > fields["code"]:
            continue
        seen.add(profile.code)
        storable.append(
            SpeechProfile(
                code=profile.code,
                locale_code=profile.locale_code[: fields["locale_code"]],
                locale_description=profile.locale_description[
                    : fields["locale_description"]
                ],
                gender=profile.gender[: fields["gender"]],
            )
        )
    return storable


def _label(code: str, gender: str) -> str:
    gender = GENDERS.get(gender.upper(), gender)
    return f"{code} · {gender}" if gender else code


class VoiceSelect(forms.Select):
    """A voice chosen from 8x8's list: a select grouped by language, made
    searchable (by code, and by language name) with the select2 that
    Django's admin ships.

    The choices are read when the widget is rendered, so a list fetched
    after the form class was made is offered. Before any list is fetched it
    renders a text input with VOICES_NOT_FETCHED beside it. A value that is
    not in the list stays selected, labelled NOT_IN_LIST_LABEL.
    """

    css_class = "ivr-voice-select"

    class Media:
        # In this order, as Django's own AutocompleteSelect: select2 attaches
        # to the jQuery loaded before it, which jquery.init.js then keeps as
        # django.jQuery.
        js = (
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/jquery.init.js",
            "ivr/voice_select.js",
        )
        css = {
            "screen": (
                "admin/css/vendor/select2/select2.css",
                "admin/css/autocomplete.css",
            )
        }

    def __init__(self, attrs=None, *, blank_label: str = "---------"):
        attrs = dict(attrs or {})
        attrs["class"] = f"{self.css_class} {attrs.get('class', '')}".strip()
        super().__init__(attrs)
        # What no voice means where a voice is optional: "the menu's voice".
        self.blank_label = blank_label

    def render(self, name, value, attrs=None, renderer=None):
        choices = voice_choices()
        if not choices:
            # The admin's look for a text field.
            text_attrs = {**self.attrs, "class": "vTextField"}
            text = forms.TextInput(text_attrs).render(name, value, attrs, renderer)
            return format_html(
                '{}<div class="help ivr-voices-not-fetched">{}</div>',
                text,
                VOICES_NOT_FETCHED,
            )
        listed = {code for _, group in choices for code, _ in group}
        if value and value not in listed:
            choices = [(value, NOT_IN_LIST_LABEL.format(code=value)), *choices]
        if not self.is_required:
            choices = [("", self.blank_label), *choices]
        self.choices = choices
        return super().render(name, value, attrs, renderer)
