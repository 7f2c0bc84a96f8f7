"""The commands that set 8x8 up, against the local fake of 8x8
(tests/fake_8x8.py): ivr_8x8_webhooks (with `ivr.webhook.registration`) and
ivr_8x8_voices. Neither ever prints the webhook secret or the API key."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ivr.eightbyeight import client as api
from ivr.management.commands import ivr_8x8_voices, ivr_8x8_webhooks
from ivr.menus.voices import NO_VOICES_LISTED
from ivr.models import Menu, VoiceProfile
from ivr.webhook import registration as registration
from tests.fake_8x8 import INVALID_BODY_MESSAGE, UNAUTHORIZED_MESSAGE
from tests.webhooks import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET

BASE = "https://ivr.example.com"
URLS = {
    "VCA": f"{BASE}/webhooks/8x8/call-action/",
    "VSS": f"{BASE}/webhooks/8x8/session-summary/",
    "VCS": f"{BASE}/webhooks/8x8/call-status/",
}
OLD_BASE = "https://old.example.com/hooks"
SECRET_TOKEN = WEBHOOK_SECRET.split()[-1]


class Run:
    """What a command printed, and the message it stopped with."""

    def __init__(self, *args, **options):
        out, err = io.StringIO(), io.StringIO()
        self.error = None
        try:
            call_command(*args, stdout=out, stderr=err, **options)
        except CommandError as error:
            self.error = str(error)
        self.out, self.err = out.getvalue(), err.getvalue()

    @property
    def everything(self) -> str:
        return f"{self.out}\n{self.err}\n{self.error or ''}"

    def assert_no_secrets(self, fake):
        for secret in (WEBHOOK_SECRET, SECRET_TOKEN, fake.api_key):
            assert secret not in self.everything


def registered(fake) -> dict[str, tuple[str, str, bool]]:
    """What the fake holds: type → (url, secret, enabled)."""
    return {
        webhook_type: (webhook["url"], webhook["httpAuthHeader"], webhook["enabled"])
        for webhook_type, webhook in fake.webhooks.items()
    }


def lines(*rows: str) -> str:
    return "".join(f"{row}\n" for row in rows)


# --- ivr_8x8_webhooks --url ---------------------------------------------------------


def test_the_three_webhooks_are_registered_with_the_secret(fake_8x8):
    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.error is None
    assert run.out == lines(
        f"VCA  {URLS['VCA']}  created  secret set: yes",
        f"VSS  {URLS['VSS']}  created  secret set: yes",
        f"VCS  {URLS['VCS']}  created  secret set: yes",
    )
    assert registered(fake_8x8) == {
        webhook_type: (url, WEBHOOK_SECRET, True) for webhook_type, url in URLS.items()
    }
    posts = fake_8x8.requests_to("POST", "/webhooks")
    assert posts[0].body == {
        "type": "VCA",
        "url": URLS["VCA"],
        "httpAuthHeader": WEBHOOK_SECRET,
        "enabled": True,
    }
    run.assert_no_secrets(fake_8x8)


def test_the_first_of_the_accepted_secrets_is_registered(fake_8x8, settings):
    # While rotating: the new secret first, the old one still accepted.
    settings.IVR_WEBHOOK_AUTH = [OLD_WEBHOOK_SECRET, WEBHOOK_SECRET]
    Run("ivr_8x8_webhooks", "--url", BASE)
    assert {secret for _, secret, _ in registered(fake_8x8).values()} == {
        OLD_WEBHOOK_SECRET
    }


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://ivr.example.com/", URLS["VCA"]),
        (
            "https://example.com/ivr",
            "https://example.com/ivr/webhooks/8x8/call-action/",
        ),
        ("http://localhost:8000", "http://localhost:8000/webhooks/8x8/call-action/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/webhooks/8x8/call-action/"),
    ],
)
def test_the_webhook_paths_are_put_under_the_address(fake_8x8, base, expected):
    Run("ivr_8x8_webhooks", "--url", base)
    assert fake_8x8.webhooks["VCA"]["url"] == expected


def test_http_elsewhere_than_localhost_is_accepted_only_in_debug(fake_8x8, settings):
    settings.DEBUG = True
    run = Run("ivr_8x8_webhooks", "--url", "http://ivr.example.com")
    assert run.error is None
    assert fake_8x8.webhooks["VCA"]["url"].startswith("http://ivr.example.com/")


REFUSED_ADDRESSES = [
    ("http://ivr.example.com", registration.NOT_HTTPS),
    ("ivr.example.com", registration.BAD_BASE_URL.format(url="ivr.example.com")),
    (
        "ftp://ivr.example.com",
        registration.BAD_BASE_URL.format(url="ftp://ivr.example.com"),
    ),
    ("https://", registration.BAD_BASE_URL.format(url="https://")),
    (
        "https://ivr.example.com/?x=1",
        registration.BAD_BASE_URL.format(url="https://ivr.example.com/?x=1"),
    ),
    (
        "https://me:pw@ivr.example.com",
        registration.BAD_BASE_URL.format(url="https://me:pw@ivr.example.com"),
    ),
]


@pytest.mark.parametrize(("base", "message"), REFUSED_ADDRESSES)
def test_an_address_8x8_should_not_be_given_is_refused(fake_8x8, base, message):
    run = Run("ivr_8x8_webhooks", "--url", base)
    assert run.error == message
    assert fake_8x8.requests == []


@pytest.mark.parametrize("accepted", [[], [""], ["  "]])
def test_without_a_secret_nothing_is_registered(fake_8x8, settings, accepted):
    settings.IVR_WEBHOOK_AUTH = accepted
    run = Run("ivr_8x8_webhooks", "--url", BASE)
    assert run.error == registration.WEBHOOK_AUTH_EMPTY
    assert fake_8x8.requests == []


# 8x8 does not document what a POST of a type it has already does.
EXISTING_TYPE = ["overwrite", "refuse", "keep"]


@pytest.mark.parametrize("existing_type", EXISTING_TYPE)
def test_webhooks_8x8_has_are_replaced_however_8x8_treats_a_repeated_type(
    fake_8x8, existing_type
):
    fake_8x8.existing_type = existing_type
    fake_8x8.add_webhook("VCA", f"{OLD_BASE}/vca", secret=OLD_WEBHOOK_SECRET)
    fake_8x8.add_webhook("VSS", f"{OLD_BASE}/vss", secret=None, enabled=False)
    fake_8x8.add_webhook("VRU", f"{OLD_BASE}/vru")  # not ours: left alone

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.error is None
    assert run.out == lines(
        f"VCA  {URLS['VCA']}  updated  secret set: yes",
        f"VSS  {URLS['VSS']}  updated  secret set: yes",
        f"VCS  {URLS['VCS']}  created  secret set: yes",
    )
    assert registered(fake_8x8) == {
        **{t: (url, WEBHOOK_SECRET, True) for t, url in URLS.items()},
        "VRU": (f"{OLD_BASE}/vru", "Bearer old", True),
    }
    deleted = {received.path[-3:] for received in fake_8x8.requests_to("DELETE", "")}
    assert deleted == (set() if existing_type == "overwrite" else {"VCA", "VSS"})
    run.assert_no_secrets(fake_8x8)


@pytest.mark.parametrize("existing_type", ["overwrite", "refuse"])
def test_a_webhook_at_the_right_address_is_unchanged_but_gets_the_secret_again(
    fake_8x8, existing_type
):
    # 8x8 never shows the secret, so the one it has may be an old one.
    fake_8x8.existing_type = existing_type
    for webhook_type, url in URLS.items():
        fake_8x8.add_webhook(webhook_type, url, secret=OLD_WEBHOOK_SECRET)

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.out == lines(
        *(f"{t}  {url}  unchanged  secret set: yes" for t, url in URLS.items())
    )
    assert {secret for _, secret, _ in registered(fake_8x8).values()} == {
        WEBHOOK_SECRET
    }


def test_a_webhook_8x8_refuses_to_replace_after_deleting_it_is_reported(fake_8x8):
    fake_8x8.existing_type = "refuse"
    fake_8x8.add_webhook("VCA", f"{OLD_BASE}/vca")
    # 8x8's words might quote what it was sent: the secret is blanked out.
    refusal = {
        "errorId": "1aa1fc32-8e07-11ea-864e-1961d882f548",
        "statusCode": "1001",
        "statusMessage": f"Invalid JSON request body: httpAuthHeader {WEBHOOK_SECRET}",
    }
    fake_8x8.fail_next(2, status=422, body=refusal, method="POST")

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    refused = api.REFUSED.format(
        status=422,
        detail=", 8x8 status 1001: Invalid JSON request body: httpAuthHeader "
        f"{registration.REDACTED}",
    )
    assert run.error == registration.REPLACE_FAILED.format(type="VCA", error=refused)
    assert "VCA" not in fake_8x8.webhooks
    run.assert_no_secrets(fake_8x8)


def test_a_webhook_8x8_keeps_at_the_old_address_is_reported(fake_8x8):
    old = {
        "subAccountId": fake_8x8.sub_account,
        "count": 1,
        "webhooks": [
            {
                "type": "VCA",
                "url": f"{OLD_BASE}/vca",
                "enabled": True,
                "httpAuthHeaderAvailable": True,
            }
        ],
        "statusCode": 0,
        "statusMessage": "ok",
    }
    # Before, after posting, and after deleting and posting again.
    fake_8x8.fail_next(3, status=200, body=old, method="GET")

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.error == registration.NOT_KEPT.format(
        type="VCA", url=f"{OLD_BASE}/vca", wanted=URLS["VCA"]
    )
    assert len(fake_8x8.requests_to("DELETE", "/webhooks/VCA")) == 1


def test_a_refused_webhook_that_8x8_did_not_have_is_reported_as_is(fake_8x8):
    # Only a type 8x8 has already is deleted to make room.
    fake_8x8.fail_next(
        status=422,
        method="POST",
        body={"statusCode": "1001", "statusMessage": INVALID_BODY_MESSAGE},
    )

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.error == api.REFUSED.format(
        status=422, detail=f", 8x8 status 1001: {INVALID_BODY_MESSAGE}"
    )
    assert fake_8x8.requests_to("DELETE", "") == []


def test_8x8_errors_stop_the_command_with_what_to_do(fake_8x8, settings):
    settings.IVR_8X8_API_KEY = "wrong-key"

    run = Run("ivr_8x8_webhooks", "--url", BASE)

    assert run.error == api.UNAUTHORIZED.format(
        detail=f", 8x8 status 401: {UNAUTHORIZED_MESSAGE}",
        sub_account=fake_8x8.sub_account,
    )
    assert run.out == ""
    run.assert_no_secrets(fake_8x8)


def test_missing_settings_are_named(fake_8x8, settings):
    settings.IVR_8X8_SUBACCOUNT = ""
    run = Run("ivr_8x8_webhooks", "--list")
    assert run.error == api.MISSING_SETTING.format(
        name="IVR_8X8_SUBACCOUNT", holds=api.SETTING_HOLDS["IVR_8X8_SUBACCOUNT"]
    )


def test_a_passing_server_error_is_retried(fake_8x8):
    fake_8x8.fail_next(status=503)
    run = Run("ivr_8x8_webhooks", "--url", BASE)
    assert run.error is None
    assert len(fake_8x8.requests_to("GET", "/webhooks")) == 3  # 2 before, 1 after


def test_one_option_is_required(fake_8x8):
    with pytest.raises(CommandError, match="one of the arguments"):
        call_command("ivr_8x8_webhooks")
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("ivr_8x8_webhooks", "--list", "--delete")


# --- ivr_8x8_webhooks --list and --delete ---------------------------------------------


def test_list_shows_what_8x8_has(fake_8x8):
    fake_8x8.add_webhook("VCA", URLS["VCA"], secret=WEBHOOK_SECRET)
    fake_8x8.add_webhook("VRU", f"{OLD_BASE}/vru", secret=None, enabled=False)

    run = Run("ivr_8x8_webhooks", "--list")

    assert run.out == lines(
        f"VCA  {URLS['VCA']}  enabled: yes  secret set: yes",
        f"VRU  {OLD_BASE}/vru  enabled: no  secret set: no",
    )
    run.assert_no_secrets(fake_8x8)


def test_list_says_when_8x8_has_none(fake_8x8):
    assert Run("ivr_8x8_webhooks", "--list").out == lines(
        ivr_8x8_webhooks.NONE_REGISTERED
    )


def test_delete_removes_the_three_and_says_which_were_not_there(fake_8x8):
    fake_8x8.add_webhook("VCA", URLS["VCA"], secret=WEBHOOK_SECRET)
    fake_8x8.add_webhook("VCS", URLS["VCS"], secret=WEBHOOK_SECRET)
    fake_8x8.add_webhook("VRU", f"{OLD_BASE}/vru")

    run = Run("ivr_8x8_webhooks", "--delete")

    assert run.out == lines(
        f"VCA  {URLS['VCA']}  deleted",
        "VSS  not there",
        f"VCS  {URLS['VCS']}  deleted",
    )
    assert list(fake_8x8.webhooks) == ["VRU"]
    run.assert_no_secrets(fake_8x8)


# --- ivr_8x8_voices ---------------------------------------------------------------

PROFILES = [
    ("en-US-Standard-A", "en-US", "EnglishUS", "F"),
    ("da-DK-Naja", "da-DK", "Danish", "F"),
    ("en-US-BenjaminRUS", "en-US", "EnglishUS", "M"),
]


def profiles(*rows):
    return [
        {
            "speechProfileCode": code,
            "localeCode": locale,
            "localeDescription": description,
            "gender": gender,
        }
        for code, locale, description, gender in rows
    ]


def stored() -> list[tuple[str, str, str, str]]:
    return list(
        VoiceProfile.objects.values_list(
            "code", "locale_code", "locale_description", "gender"
        )
    )


@pytest.mark.django_db
def test_the_voices_are_fetched_and_stored(fake_8x8):
    run = Run("ivr_8x8_voices")

    assert run.error is None
    assert run.out == lines(
        ivr_8x8_voices.SUMMARY.format(total="3 voices", added=3, removed=0)
    )
    assert run.err == ""
    # In the list's order: by language, then code.
    assert stored() == [
        ("da-DK-Naja", "da-DK", "Danish", "F"),
        ("en-US-BenjaminRUS", "en-US", "EnglishUS", "M"),
        ("en-US-Standard-A", "en-US", "EnglishUS", "F"),
    ]
    assert fake_8x8.requests[0].path == "/api/v1/subaccounts/acme-ivr_1/speech-profiles"
    run.assert_no_secrets(fake_8x8)


@pytest.mark.django_db
def test_a_second_fetch_replaces_the_list(fake_8x8):
    Run("ivr_8x8_voices")
    first_fetch = VoiceProfile.objects.get(code="da-DK-Naja").fetched_at
    fake_8x8.speech_profiles = profiles(
        ("da-DK-Naja", "da-DK", "Dansk", "F"),  # changed
        ("en-US-BenjaminRUS", "en-US", "EnglishUS", "M"),
        ("en-GB-Emma", "en-GB", "EnglishUK", "F"),  # new
        ("en-GB-Emma", "en-GB", "EnglishUK", "F"),  # twice in 8x8's answer
    )

    run = Run("ivr_8x8_voices", verbosity=2)

    assert run.out == lines(
        ivr_8x8_voices.SUMMARY.format(total="3 voices", added=1, removed=1),
        "Added en-GB-Emma",
        "Removed en-US-Standard-A",
    )
    assert stored() == [
        ("da-DK-Naja", "da-DK", "Dansk", "F"),
        ("en-GB-Emma", "en-GB", "EnglishUK", "F"),
        ("en-US-BenjaminRUS", "en-US", "EnglishUS", "M"),
    ]
    assert VoiceProfile.objects.get(code="da-DK-Naja").fetched_at > first_fetch


@pytest.mark.django_db
def test_voices_in_use_that_8x8_does_not_list_are_warned_about(
    fake_8x8, menu_tree, settings
):
    Menu.objects.filter(key__in=["main", "support"]).update(voice_profile="en-AU-Old")
    Menu.objects.filter(key="sales").update(voice_profile="da-DK-Naja")
    settings.IVR_FALLBACK_VOICE_PROFILE = "en-US-Gone"

    run = Run("ivr_8x8_voices")

    assert run.error is None
    assert run.err == lines(
        ivr_8x8_voices.MENUS_OFF_LIST.format(code="en-AU-Old", menus="main, support"),
        ivr_8x8_voices.FALLBACK_OFF_LIST.format(code="en-US-Gone"),
    )


@pytest.mark.django_db
def test_no_warning_when_every_voice_in_use_is_listed(fake_8x8, menu_tree, settings):
    Menu.objects.update(voice_profile="da-DK-Naja")
    settings.IVR_FALLBACK_VOICE_PROFILE = "en-US-BenjaminRUS"
    assert Run("ivr_8x8_voices").err == ""


@pytest.mark.django_db
def test_an_empty_list_from_8x8_keeps_the_stored_one(fake_8x8):
    Run("ivr_8x8_voices")
    fake_8x8.speech_profiles = []

    run = Run("ivr_8x8_voices")

    assert run.error == NO_VOICES_LISTED
    assert len(stored()) == 3


@pytest.mark.django_db
def test_an_8x8_error_keeps_the_stored_list(fake_8x8, settings):
    Run("ivr_8x8_voices")
    settings.IVR_8X8_SUBACCOUNT = "nobody"

    run = Run("ivr_8x8_voices")

    assert run.error == api.NOT_FOUND.format(
        detail=", 8x8 status 404: SubAccount not found by Id : nobody",
        sub_account="nobody",
        default=api.DEFAULT_API_URL,
    )
    assert len(stored()) == 3
