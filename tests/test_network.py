"""Where a webhook request comes from (`ivr.webhook.network`), the allow-list of
source networks, and how refused requests are logged and counted
(`ivr.webhook.authentication`)."""

import ipaddress
import logging
from collections import Counter

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory
from prometheus_client import REGISTRY

from ivr.models import CallEvent
from ivr.webhook import authentication, network
from ivr.webhook.authentication import (
    AUTH_WRONG,
    FAILURE_REASONS,
    SOURCE_NOT_ALLOWED,
)
from tests.webhooks import WEBHOOK_SECRET, WebhookClient

CALL_ACTION_URL = "/webhooks/8x8/call-action/"
SESSION_SUMMARY_URL = "/webhooks/8x8/session-summary/"
CALL_STATUS_URL = "/webhooks/8x8/call-status/"
# 8x8's published voice webhook sources (Asia Pacific), as in the README.
EIGHT_BY_EIGHT = [
    "18.140.80.2/32",
    "52.220.253.234/32",
    "54.255.116.8/32",
    "52.74.232.241/32",
]
OUTSIDER = "203.0.113.66"
PROXY = "10.0.0.5"


def request_from(remote_addr=PROXY, **meta):
    return RequestFactory().post(CALL_ACTION_URL, REMOTE_ADDR=remote_addr, **meta)


def auth_failures() -> Counter:
    """Refused webhook requests so far, by reason, as /metrics counts them."""
    return Counter(
        {
            reason: REGISTRY.get_sample_value(
                "ivr_webhook_auth_failures_total", {"reason": reason}
            )
            or 0
            for reason in FAILURE_REASONS
        }
    )


@pytest.fixture
def failures():
    """What the refused-requests metric counts during the test."""
    before = auth_failures()

    def counted() -> Counter:
        return auth_failures() - before

    return counted


# --- Reading addresses -------------------------------------------------------

ADDRESSES = [
    ("18.140.80.2", "18.140.80.2"),
    (" 18.140.80.2 ", "18.140.80.2"),
    ("18.140.80.2:5060", "18.140.80.2"),
    ("2001:db8::1", "2001:db8::1"),
    ("[2001:db8::1]", "2001:db8::1"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("::ffff:18.140.80.2", "18.140.80.2"),  # from a dual-stack socket
    ("", None),
    ("unknown", None),
    ("18.140.80", None),
    ("300.140.80.2", None),
    ("18.140.80.2/32", None),
    ("18.140.80.2, 10.0.0.1", None),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESSES)
def test_parse_address(text, expected):
    address = network.parse_address(text)
    assert (str(address) if address else None) == expected


CLIENT_ADDRESSES = [
    # (IVR_TRUSTED_PROXY_HEADER, REMOTE_ADDR, extra META, client address)
    ("", OUTSIDER, {}, OUTSIDER),
    # Without the setting, the header is anyone's to write.
    ("", OUTSIDER, {"HTTP_X_FORWARDED_FOR": "18.140.80.2"}, OUTSIDER),
    ("X-Forwarded-For", PROXY, {"HTTP_X_FORWARDED_FOR": "18.140.80.2"}, "18.140.80.2"),
    # The proxy appends the address it saw; what is left of it, the client
    # wrote itself.
    (
        "X-Forwarded-For",
        PROXY,
        {"HTTP_X_FORWARDED_FOR": "18.140.80.2, 198.51.100.1, " + OUTSIDER},
        OUTSIDER,
    ),
    (
        "X-Forwarded-For",
        PROXY,
        {"HTTP_X_FORWARDED_FOR": f"{OUTSIDER},18.140.80.2"},
        "18.140.80.2",
    ),
    ("x-real-ip", PROXY, {"HTTP_X_REAL_IP": " 18.140.80.2 "}, "18.140.80.2"),
    # Configured but absent: the request did not come through the proxy.
    ("X-Forwarded-For", OUTSIDER, {}, OUTSIDER),
    ("X-Forwarded-For", OUTSIDER, {"HTTP_X_FORWARDED_FOR": " "}, OUTSIDER),
]


@pytest.mark.parametrize(
    ("header", "remote_addr", "meta", "expected"), CLIENT_ADDRESSES
)
def test_the_client_address(settings, header, remote_addr, meta, expected):
    settings.IVR_TRUSTED_PROXY_HEADER = header
    request = request_from(remote_addr, **meta)
    assert network.client_address_text(request) == expected
    assert network.client_ip(request) == ipaddress.ip_address(expected)
    assert network.client_address(request) == expected


def test_an_address_that_is_not_one_is_quoted_and_cut_short_for_the_log(settings):
    settings.IVR_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    sent = "evil\x1b[31m" + "x" * 200
    request = request_from(HTTP_X_FORWARDED_FOR="1.2.3.4, " + sent)
    assert network.client_ip(request) is None
    logged = network.client_address(request)
    assert logged == "invalid address " + repr(sent[: network.LOGGED_CHARS])
    assert "\x1b" not in logged
    assert network.client_address(request_from("")) == "unknown address"


# --- The allow-list ----------------------------------------------------------

ALLOWED = [
    # (IVR_WEBHOOK_ALLOWED_IPS, client address, allowed)
    ([], OUTSIDER, True),
    (["", "  "], OUTSIDER, True),
    (EIGHT_BY_EIGHT, "18.140.80.2", True),
    (EIGHT_BY_EIGHT, "52.74.232.241", True),
    (EIGHT_BY_EIGHT, "18.140.80.3", False),
    (EIGHT_BY_EIGHT, OUTSIDER, False),
    (["18.140.80.2"], "18.140.80.2", True),  # an address is a /32
    ([" 10.20.0.0/16 "], "10.20.255.1", True),
    (["10.20.0.0/16"], "10.21.0.1", False),
    (["2001:db8::/32"], "2001:db8:1::7", True),
    (["2001:db8::/32"], "18.140.80.2", False),
    (["18.140.80.0/24"], "::ffff:18.140.80.9", True),
    # A set list refuses what it cannot read: an invalid entry matches
    # nothing, and a list of only invalid entries allows nobody.
    (["18.140.80.2/24", "18.140.80.2"], "18.140.80.2", True),
    (["18.140.80.2/24"], "18.140.80.2", False),
    (["not-a-network"], OUTSIDER, False),
    (EIGHT_BY_EIGHT, "", False),
    (EIGHT_BY_EIGHT, "garbage", False),
]


@pytest.mark.parametrize(("allowed", "address", "expected"), ALLOWED)
def test_source_allowed(settings, allowed, address, expected):
    settings.IVR_WEBHOOK_ALLOWED_IPS = allowed
    assert network.source_allowed(request_from(address)) is expected


def test_the_allow_list_is_read_at_each_request(settings):
    request = request_from("18.140.80.2")
    settings.IVR_WEBHOOK_ALLOWED_IPS = ["18.140.80.2/32"]
    assert network.source_allowed(request)
    settings.IVR_WEBHOOK_ALLOWED_IPS = ["52.74.232.241/32"]
    assert not network.source_allowed(request)


def test_a_comma_separated_string_is_read_as_a_list(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = "52.74.232.241/32, 18.140.80.2/32"
    assert network.source_allowed(request_from("18.140.80.2"))


# --- The system check --------------------------------------------------------


def test_the_documented_settings_pass_the_check(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = [*EIGHT_BY_EIGHT, "2001:db8::/32", "10.0.0.1"]
    settings.IVR_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert network.check_webhook_networks(None) == []


def test_each_invalid_entry_is_an_error(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = ["18.140.80.2/32", "18.140.80.2/24", "nope"]
    errors = network.check_webhook_networks(None)
    assert [(error.id, error.msg) for error in errors] == [
        ("ivr.E101", network.INVALID_NETWORK_MESSAGE.format(entry="18.140.80.2/24")),
        ("ivr.E101", network.INVALID_NETWORK_MESSAGE.format(entry="nope")),
    ]
    assert errors[0].hint == network.HOST_BITS_HINT.format(
        entry="18.140.80.2/24",
        network="18.140.80.0/24",
        address="18.140.80.2",
        prefix=32,
    )
    assert errors[1].hint == network.INVALID_NETWORK_HINT


@pytest.mark.parametrize(
    ("header", "valid"),
    [
        ("X-Forwarded-For", True),
        ("x-real-ip", True),
        ("CF-Connecting-IP", True),
        ("HTTP_X_FORWARDED_FOR", False),
        ("X-Forwarded-For:", False),
        ("X Forwarded For", False),
    ],
)
def test_the_proxy_header_must_be_a_header_name(settings, header, valid):
    settings.IVR_TRUSTED_PROXY_HEADER = header
    errors = network.check_webhook_networks(None)
    expected = [] if valid else ["ivr.E102"]
    assert [error.id for error in errors] == expected


def test_the_check_is_registered(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = ["nope"]
    assert "ivr.E101" in [error.id for error in checks.run_checks()]


@pytest.mark.usefixtures("production_settings")
def test_check_deploy_passes_with_the_readme_settings(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = EIGHT_BY_EIGHT
    settings.IVR_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    call_command("check", deploy=True, fail_level="WARNING")
    settings.IVR_WEBHOOK_ALLOWED_IPS = [*EIGHT_BY_EIGHT, "18.140.80.2/24"]
    with pytest.raises(SystemCheckError, match=r"ivr\.E101"):
        call_command("check", deploy=True)


# --- The webhooks -------------------------------------------------------------


@pytest.fixture
def eight_by_eight(settings):
    settings.IVR_WEBHOOK_ALLOWED_IPS = EIGHT_BY_EIGHT


@pytest.mark.django_db
@pytest.mark.usefixtures("eight_by_eight")
def test_a_listed_source_is_answered(webhook_client, payload, menu_tree):
    response = webhook_client.call_action(
        payload("vca-call-received-inbound"), REMOTE_ADDR="52.220.253.234"
    )
    assert response.status_code == 200
    assert CallEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("eight_by_eight")
@pytest.mark.parametrize("url", [CALL_ACTION_URL, SESSION_SUMMARY_URL, CALL_STATUS_URL])
def test_another_source_gets_403_and_nothing_is_stored(
    webhook_client, payload, menu_tree, url, caplog, failures
):
    response = webhook_client.post_json(
        url, payload("vca-call-received-inbound"), REMOTE_ADDR=OUTSIDER
    )
    assert response.status_code == 403
    assert response.json() == {"detail": SOURCE_NOT_ALLOWED}
    assert CallEvent.objects.count() == 0
    assert OUTSIDER in caplog.text
    assert failures() == Counter({authentication.FAILURE_SOURCE: 1})


@pytest.mark.django_db
@pytest.mark.usefixtures("eight_by_eight")
@pytest.mark.parametrize("secret", [WEBHOOK_SECRET, "Bearer wrong", None])
def test_the_source_is_checked_before_the_secret(payload, secret, failures):
    # The same 403 whatever the secret: an outsider cannot tell a right one.
    client = WebhookClient()
    if secret is None:
        client.defaults.pop("HTTP_AUTHORIZATION")
    else:
        client.defaults["HTTP_AUTHORIZATION"] = secret
    response = client.call_action(
        payload("vca-call-received-inbound"), REMOTE_ADDR=OUTSIDER
    )
    assert response.status_code == 403
    assert failures() == Counter({authentication.FAILURE_SOURCE: 1})


@pytest.mark.django_db
def test_behind_a_proxy_only_the_address_it_appended_counts(
    settings, webhook_client, payload, menu_tree
):
    settings.IVR_WEBHOOK_ALLOWED_IPS = EIGHT_BY_EIGHT
    settings.IVR_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    forged = webhook_client.call_action(
        payload("vca-call-received-inbound"),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"18.140.80.2, {OUTSIDER}",
    )
    assert forged.status_code == 403
    real = webhook_client.call_action(
        payload("vca-call-received-inbound"),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{OUTSIDER}, 18.140.80.2",
    )
    assert real.status_code == 200


@pytest.mark.django_db
def test_an_invalid_list_refuses_rather_than_crashes(settings, webhook_client, payload):
    settings.IVR_WEBHOOK_ALLOWED_IPS = ["18.140.80.2/24"]
    response = webhook_client.call_action(
        payload("vca-call-received-inbound"), REMOTE_ADDR="18.140.80.2"
    )
    assert response.status_code == 403
    assert CallEvent.objects.count() == 0


# --- Failed authentication: logged with the source, counted ---------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("Bearer s3cret-typo-Zq9", authentication.FAILURE_WRONG),
        (WEBHOOK_SECRET + "x", authentication.FAILURE_WRONG),
        (None, authentication.FAILURE_MISSING),
    ],
)
def test_a_failed_authentication_is_logged_without_the_secret_and_counted(
    settings, payload, caplog, failures, secret, reason
):
    settings.IVR_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    client = WebhookClient()
    if secret is None:
        client.defaults.pop("HTTP_AUTHORIZATION")
    else:
        client.defaults["HTTP_AUTHORIZATION"] = secret
    with caplog.at_level(logging.DEBUG):
        response = client.call_action(
            payload("vca-call-received-inbound"),
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"198.51.100.1, {OUTSIDER}",
        )
    assert response.status_code == 401
    assert failures() == Counter({reason: 1})
    (refusal,) = [r for r in caplog.records if r.name == "ivr.authentication"]
    # The address the allow-list would judge, not the proxy's nor the forged.
    assert OUTSIDER in refusal.getMessage()
    assert PROXY not in refusal.getMessage()
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for fragment in ("s3cret", "test-webhook-secret", "Bearer"):
        assert fragment not in logged


@pytest.mark.django_db
def test_a_wrong_secret_from_a_listed_source_is_still_refused(
    settings, payload, failures
):
    settings.IVR_WEBHOOK_ALLOWED_IPS = EIGHT_BY_EIGHT
    client = WebhookClient(HTTP_AUTHORIZATION="Bearer wrong")
    response = client.call_action(
        payload("vca-call-received-inbound"), REMOTE_ADDR="18.140.80.2"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": AUTH_WRONG.format(header="Authorization")}
    assert failures() == Counter({authentication.FAILURE_WRONG: 1})


@pytest.mark.django_db
def test_without_a_secret_in_production_refusals_are_counted(
    settings, payload, failures, caplog
):
    settings.IVR_WEBHOOK_AUTH = []
    settings.DEBUG = False
    response = WebhookClient().call_action(
        payload("vca-call-received-inbound"), REMOTE_ADDR=OUTSIDER
    )
    assert response.status_code == 401
    assert failures() == Counter({authentication.FAILURE_NOT_CONFIGURED: 1})
    assert OUTSIDER in caplog.text
