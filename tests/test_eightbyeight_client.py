"""The 8x8 Voice API client (`ivr.eightbyeight.client`), against the local
fake of 8x8 (tests/fake_8x8.py): what it sends, what it makes of each of
8x8's answers, when it tries again and when it must not, its timeouts, and
that no message ever holds the API key."""

import socket
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivr.eightbyeight import client as api
from ivr.eightbyeight.client import (
    DEFAULT_API_URL,
    EightByEightClient,
    EightByEightError,
    SpeechProfile,
    Webhook,
)
from tests.fake_8x8 import (
    FIRST_ACTION_MESSAGE,
    INVALID_BODY_MESSAGE,
    OTHER_SUB_ACCOUNT,
    UNAUTHORIZED_MESSAGE,
)

MAKE_CALL = {
    "action": "makeCall",
    "params": {"source": "+6531581234", "destination": "+6590000000"},
}
SAY = {"action": "say", "params": {"text": "Hello", "voiceProfile": "en-GB-Emma"}}
URL = "https://ivr.example.com/webhooks/8x8/call-action/"


@pytest.fixture
def eight(fake_8x8):
    """A client of the fake built from the settings, without waits between
    retries."""
    with EightByEightClient.from_settings(backoff_factor=0) as client:
        yield client


def error_of(call, *args, **kwargs) -> EightByEightError:
    with pytest.raises(EightByEightError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- Settings ---------------------------------------------------------------------

SETTINGS_PROBLEMS = [
    (
        {"IVR_8X8_API_KEY": ""},
        api.MISSING_SETTING.format(
            name="IVR_8X8_API_KEY", holds="an API key from the 8x8 Connect portal"
        ),
    ),
    (
        {"IVR_8X8_SUBACCOUNT": "  "},
        api.MISSING_SETTING.format(
            name="IVR_8X8_SUBACCOUNT", holds="your 8x8 voice sub-account id"
        ),
    ),
    (
        {"IVR_8X8_API_URL": ""},
        api.MISSING_SETTING.format(
            name="IVR_8X8_API_URL",
            holds="8x8's Voice API address, https://voice.8x8.com/api/v1",
        ),
    ),
    ({"IVR_8X8_API_KEY": "two words"}, api.BAD_API_KEY),
    ({"IVR_8X8_API_KEY": "key\x00"}, api.BAD_API_KEY),
    ({"IVR_8X8_SUBACCOUNT": "ab"}, api.BAD_SUB_ACCOUNT.format(value="ab")),
    ({"IVR_8X8_SUBACCOUNT": "a" * 51}, api.BAD_SUB_ACCOUNT.format(value="a" * 51)),
    ({"IVR_8X8_SUBACCOUNT": "acme/ivr"}, api.BAD_SUB_ACCOUNT.format(value="acme/ivr")),
    ({"IVR_8X8_SUBACCOUNT": "acme ivr"}, api.BAD_SUB_ACCOUNT.format(value="acme ivr")),
    (
        {"IVR_8X8_API_URL": "voice.8x8.com/api/v1"},
        api.BAD_API_URL.format(default=DEFAULT_API_URL, value="voice.8x8.com/api/v1"),
    ),
    (
        {"IVR_8X8_API_URL": "ftp://voice.8x8.com"},
        api.BAD_API_URL.format(default=DEFAULT_API_URL, value="ftp://voice.8x8.com"),
    ),
]


@pytest.mark.parametrize(("values", "message"), SETTINGS_PROBLEMS)
def test_settings_that_cannot_work_are_refused_before_anything_is_sent(
    fake_8x8, settings, values, message
):
    for name, value in values.items():
        setattr(settings, name, value)

    error = error_of(EightByEightClient.from_settings)

    assert str(error) == message
    assert error.status is None
    assert fake_8x8.requests == []


@pytest.mark.parametrize("sub_account", ["abc", "A-b.c_d&e", "x" * 50])
def test_every_sub_account_8x8_allows_is_accepted(fake_8x8, settings, sub_account):
    settings.IVR_8X8_SUBACCOUNT = sub_account
    assert EightByEightClient.from_settings().sub_account == sub_account


def test_the_settings_are_read_when_the_client_is_built(fake_8x8, settings):
    settings.IVR_8X8_API_URL = fake_8x8.api_url + "/"
    client = EightByEightClient.from_settings()
    assert client.api_url == fake_8x8.api_url
    assert client.sub_account == fake_8x8.sub_account


def test_the_default_address_is_8x8s_voice_api():
    client = EightByEightClient(api_key="key", sub_account="acme")
    assert client.api_url == "https://voice.8x8.com/api/v1"


# --- What is sent -----------------------------------------------------------------


def test_each_request_carries_the_key_as_a_bearer_token_to_the_sub_account(
    eight, fake_8x8
):
    eight.webhooks()

    [received] = fake_8x8.requests
    assert received.method == "GET"
    assert received.path == "/api/v1/subaccounts/acme-ivr_1/webhooks"
    assert received.headers["Authorization"] == f"Bearer {fake_8x8.api_key}"
    assert received.headers["Accept"] == "application/json"


def test_a_webhook_is_registered_listed_and_deleted(eight, fake_8x8):
    eight.webhook_register(webhook_type="VCA", url=URL, http_auth_header="Bearer s3")
    listed = eight.webhooks()
    eight.webhook_delete("VCA")

    assert fake_8x8.requests[0].body == {
        "type": "VCA",
        "url": URL,
        "httpAuthHeader": "Bearer s3",
        "enabled": True,
    }
    assert listed == [Webhook(type="VCA", url=URL, enabled=True, secret_set=True)]
    assert fake_8x8.requests[2].method == "DELETE"
    assert fake_8x8.requests[2].path == "/api/v1/subaccounts/acme-ivr_1/webhooks/VCA"
    assert fake_8x8.webhooks == {}


def test_a_webhook_without_a_secret_is_listed_as_such(eight, fake_8x8):
    fake_8x8.add_webhook("VSS", URL, secret=None, enabled=False)
    assert eight.webhooks() == [
        Webhook(type="VSS", url=URL, enabled=False, secret_set=False)
    ]


def test_the_speech_profiles_are_read(eight, fake_8x8):
    fake_8x8.speech_profiles = [
        {
            "speechProfileCode": "da-DK-Naja",
            "localeCode": "da-DK",
            "localeDescription": "Danish",
            "gender": "F",
        },
        {"speechProfileCode": "en-GB-Emma"},  # fields 8x8 left out
        {"localeCode": "xx-XX"},  # no code: not a voice
        "not an object",
    ]

    assert eight.speech_profiles() == [
        SpeechProfile("da-DK-Naja", "da-DK", "Danish", "F"),
        SpeechProfile("en-GB-Emma", "", "", ""),
    ]
    assert fake_8x8.requests[0].path.endswith("/acme-ivr_1/speech-profiles")


# --- Send Callflow ----------------------------------------------------------------


def test_a_callflow_is_sent_and_8x8s_session_id_returned(eight, fake_8x8):
    session_id = eight.send_callflow([MAKE_CALL, SAY])

    [session] = fake_8x8.sessions
    assert session_id == session["sessionId"]
    [received] = fake_8x8.requests_to("POST", "/callflows")
    assert received.body == {"callflow": [MAKE_CALL, SAY]}


@pytest.mark.parametrize(
    ("valid_until", "sent"),
    [
        (
            datetime(2024, 7, 3, 5, 59, 32, 226000, tzinfo=UTC),
            "2024-07-03T05:59:32.226Z",
        ),
        (
            datetime(2024, 7, 3, 13, 59, 32, tzinfo=timezone(timedelta(hours=8))),
            "2024-07-03T05:59:32.000Z",
        ),
    ],
)
def test_valid_until_is_sent_in_8x8s_format_in_utc(eight, fake_8x8, valid_until, sent):
    eight.send_callflow([MAKE_CALL], valid_until=valid_until)
    assert fake_8x8.sessions[0]["validUntil"] == sent


def test_valid_until_without_a_time_zone_is_refused(eight, fake_8x8):
    with pytest.raises(ValueError, match="time zone"):
        eight.send_callflow([MAKE_CALL], valid_until=datetime(2024, 7, 3))  # noqa: DTZ001
    assert fake_8x8.requests == []


CALLFLOW_REFUSALS = [
    # (callflow, HTTP status, 8x8's statusCode, 8x8's statusMessage)
    ([SAY], 422, -1013, FIRST_ACTION_MESSAGE),
    (
        [{"action": "dance"}],
        400,
        -1007,
        "$.callflow[0].action should be one of: say,playFile,sayAndCapture",
    ),
]


@pytest.mark.parametrize(
    ("callflow", "status", "status_code", "status_message"), CALLFLOW_REFUSALS
)
def test_a_callflow_8x8_does_not_create_raises_its_status(
    eight, fake_8x8, callflow, status, status_code, status_message
):
    error = error_of(eight.send_callflow, callflow)

    assert str(error) == api.REFUSED.format(
        status=status, detail=f", 8x8 status {status_code}: {status_message}"
    )
    assert (error.status, error.status_code, error.status_message) == (
        status,
        status_code,
        status_message,
    )
    assert fake_8x8.sessions == []


def test_a_callflow_answered_not_created_with_200_is_an_error(eight, fake_8x8):
    fake_8x8.fail_next(
        status=200,
        body={
            "sessionStatus": "NOT_CREATED",
            "callFlowRequestId": "c6e6dee5",
            "statusCode": -1014,
            "statusMessage": "Source not allowed",
        },
    )
    error = error_of(eight.send_callflow, [MAKE_CALL])
    assert str(error) == api.REFUSED.format(
        status=200, detail=", 8x8 status -1014: Source not allowed"
    )


def test_a_created_callflow_without_a_session_id_is_an_error(eight, fake_8x8):
    fake_8x8.fail_next(status=200, body={"sessionStatus": "CREATED"})
    error = error_of(eight.send_callflow, [MAKE_CALL])
    assert str(error) == api.BAD_ANSWER.format(
        problem=api.NO_SESSION_ID, default=DEFAULT_API_URL
    )


# --- 8x8's errors -----------------------------------------------------------------


def _wrong_key(fake, settings):
    settings.IVR_8X8_API_KEY = "not-the-key"


def _other_sub_account(fake, settings):
    settings.IVR_8X8_SUBACCOUNT = OTHER_SUB_ACCOUNT


def _unknown_sub_account(fake, settings):
    settings.IVR_8X8_SUBACCOUNT = "nobody"


def _server_errors(fake, settings):
    fake.fail_next(4, status=500)


def _gateway_errors(fake, settings):
    fake.fail_next(4, status=502)  # a proxy's HTML page: no 8x8 status


def _too_many_requests(fake, settings):
    fake.fail_next(status=429, body={"statusCode": 429, "statusMessage": "Slow down"})


def _not_json(fake, settings):
    fake.fail_next(status=200, body="<html>Welcome to nginx</html>")


def _not_a_list(fake, settings):
    fake.fail_next(status=200, body={"speechProfiles": "none", "webhooks": "none"})


ERRORS = [
    # (what the fake does, request, HTTP status, the message)
    (
        _wrong_key,
        "webhooks",
        401,
        api.UNAUTHORIZED.format(
            detail=f", 8x8 status 401: {UNAUTHORIZED_MESSAGE}", sub_account="acme-ivr_1"
        ),
    ),
    (
        _wrong_key,
        "send_callflow",
        401,
        api.UNAUTHORIZED.format(
            detail=f", 8x8 status 401: {UNAUTHORIZED_MESSAGE}", sub_account="acme-ivr_1"
        ),
    ),
    (
        _other_sub_account,
        "speech_profiles",
        403,
        api.FORBIDDEN.format(
            detail=", 8x8 status 403: Resource not accessible",
            sub_account=OTHER_SUB_ACCOUNT,
        ),
    ),
    (
        _unknown_sub_account,
        "webhooks",
        404,
        api.NOT_FOUND.format(
            detail=", 8x8 status 404: SubAccount not found by Id : nobody",
            sub_account="nobody",
            default=DEFAULT_API_URL,
        ),
    ),
    (
        _unknown_sub_account,
        "send_callflow",
        404,
        api.NOT_FOUND.format(
            detail=", 8x8 status 404: SubAccount not found by Id : nobody",
            sub_account="nobody",
            default=DEFAULT_API_URL,
        ),
    ),
    (
        None,
        "register_invalid",
        422,
        api.REFUSED.format(
            status=422, detail=f", 8x8 status 1001: {INVALID_BODY_MESSAGE}"
        ),
    ),
    (
        _server_errors,
        "webhooks",
        500,
        api.SERVER_TROUBLE.format(
            status=500,
            detail=", 8x8 status 500: Internal server error",
            attempts="4 times in a row",
        ),
    ),
    (
        _gateway_errors,
        "speech_profiles",
        502,
        api.SERVER_TROUBLE.format(status=502, detail="", attempts="4 times in a row"),
    ),
    (
        _server_errors,
        "send_callflow",
        500,
        api.SERVER_TROUBLE_NOT_REPEATED.format(
            status=500, detail=", 8x8 status 500: Internal server error"
        ),
    ),
    (
        _too_many_requests,
        "webhooks",
        429,
        api.UNEXPECTED_STATUS.format(
            status=429, detail=", 8x8 status 429: Slow down", api_url="{api_url}"
        ),
    ),
    (
        _not_json,
        "webhooks",
        None,
        api.BAD_ANSWER.format(problem=api.NOT_JSON, default=DEFAULT_API_URL),
    ),
    (
        _not_a_list,
        "webhooks",
        None,
        api.BAD_ANSWER.format(
            problem="`webhooks` is not a list", default=DEFAULT_API_URL
        ),
    ),
    (
        _not_a_list,
        "speech_profiles",
        None,
        api.BAD_ANSWER.format(
            problem="`speechProfiles` is not a list", default=DEFAULT_API_URL
        ),
    ),
]


def _call(client, request):
    if request == "send_callflow":
        return client.send_callflow([MAKE_CALL])
    if request == "register_invalid":
        return client.webhook_register(
            webhook_type="XYZ", url=URL, http_auth_header="Bearer s3"
        )
    return getattr(client, request)()


@pytest.mark.parametrize(
    ("setup", "request_name", "status", "message"),
    ERRORS,
    ids=[f"{status}-{request}" for _, request, status, _ in ERRORS],
)
def test_each_error_of_8x8_has_its_message(
    fake_8x8, settings, setup, request_name, status, message
):
    if setup:
        setup(fake_8x8, settings)
    client = EightByEightClient.from_settings(backoff_factor=0)

    error = error_of(_call, client, request_name)

    assert str(error) == message.replace("{api_url}", fake_8x8.api_url)
    assert error.status == status


def test_8x8s_status_is_kept_on_the_error(eight, fake_8x8):
    error = error_of(
        eight.webhook_register, webhook_type="VCA", url="", http_auth_header=None
    )
    assert (error.status, error.status_code, error.status_message) == (
        422,
        "1001",
        INVALID_BODY_MESSAGE,
    )


def test_no_message_holds_the_api_key_even_when_8x8_quotes_it(eight, fake_8x8):
    key = fake_8x8.api_key
    fake_8x8.fail_next(
        status=401, body={"statusCode": 401, "statusMessage": f"Bad token {key}"}
    )

    error = error_of(eight.webhooks)

    assert key not in str(error)
    assert key not in error.status_message
    assert "Bad token [API key]" in str(error)
    assert key not in repr(eight)


# --- Retries ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_then_success_succeeds_with_two_requests(
    eight, fake_8x8, status
):
    fake_8x8.add_webhook("VCA", URL)
    fake_8x8.fail_next(status=status)

    assert [webhook.url for webhook in eight.webhooks()] == [URL]
    assert len(fake_8x8.requests) == 2


@pytest.mark.parametrize(
    "request_name", ["webhooks", "speech_profiles", "register", "delete"]
)
def test_each_repeatable_request_is_repeated_after_a_dropped_connection(
    eight, fake_8x8, request_name
):
    fake_8x8.add_webhook("VCA", URL)
    fake_8x8.drop_next()

    if request_name == "register":
        eight.webhook_register(webhook_type="VCA", url=URL, http_auth_header="Bearer s")
    elif request_name == "delete":
        eight.webhook_delete("VCA")
    else:
        getattr(eight, request_name)()

    assert len(fake_8x8.requests) == 2


def test_the_webhook_post_is_repeated_after_a_server_error(eight, fake_8x8):
    fake_8x8.fail_next(status=503)
    eight.webhook_register(webhook_type="VCA", url=URL, http_auth_header="Bearer s")
    assert len(fake_8x8.requests_to("POST", "/webhooks")) == 2
    assert fake_8x8.webhooks["VCA"]["url"] == URL


def test_server_errors_are_repeated_three_times_then_reported(eight, fake_8x8):
    fake_8x8.fail_next(10, status=503)
    error = error_of(eight.webhooks)
    assert error.status == 503
    assert len(fake_8x8.requests) == 4


def test_a_callflow_answered_with_a_server_error_is_not_sent_again(eight, fake_8x8):
    fake_8x8.fail_next(status=500)

    error = error_of(eight.send_callflow, [MAKE_CALL])

    assert len(fake_8x8.requests) == 1
    assert str(error) == api.SERVER_TROUBLE_NOT_REPEATED.format(
        status=500, detail=", 8x8 status 500: Internal server error"
    )
    # The next one goes through: the fake was not asked twice for the first.
    eight.send_callflow([MAKE_CALL])
    assert len(fake_8x8.requests) == 2


def test_a_callflow_whose_connection_dropped_is_not_sent_again(eight, fake_8x8):
    fake_8x8.drop_next()

    error = error_of(eight.send_callflow, [MAKE_CALL])

    assert len(fake_8x8.requests) == 1
    assert str(error) == api.DROPPED_NOT_REPEATED.format(api_url=fake_8x8.api_url)


def test_dropped_connections_are_reported_after_the_retries(eight, fake_8x8):
    fake_8x8.drop_next(10)
    error = error_of(eight.webhooks)
    assert str(error) == api.DROPPED.format(api_url=fake_8x8.api_url)
    assert len(fake_8x8.requests) == 4


def test_retries_wait_longer_each_time(fake_8x8):
    # backoff 0.1: no wait, then 0.2 s, then 0.4 s.
    client = EightByEightClient.from_settings(backoff_factor=0.1)
    fake_8x8.fail_next(3, status=503)

    started = time.monotonic()
    client.webhooks()

    assert len(fake_8x8.requests) == 4
    assert time.monotonic() - started >= 0.6


# --- Timeouts and unreachable 8x8 ---------------------------------------------------


def test_8x8_not_answering_in_time_is_a_timeout(fake_8x8):
    client = EightByEightClient.from_settings(read_timeout=0.2, backoff_factor=0)
    fake_8x8.stall_next(10, seconds=30)

    started = time.monotonic()
    error = error_of(client.webhooks)

    assert time.monotonic() - started < 5
    assert str(error) == api.TIMED_OUT.format(seconds=0.2, api_url=fake_8x8.api_url)
    assert len(fake_8x8.requests) == 4


def test_a_callflow_8x8_did_not_answer_in_time_is_not_sent_again(fake_8x8):
    client = EightByEightClient.from_settings(read_timeout=0.2, backoff_factor=0)
    fake_8x8.stall_next(10, seconds=30)

    error = error_of(client.send_callflow, [MAKE_CALL])

    assert str(error) == api.TIMED_OUT_NOT_REPEATED.format(
        seconds=0.2, api_url=fake_8x8.api_url
    )
    assert len(fake_8x8.requests) == 1


def test_a_slow_answer_within_the_timeout_is_taken(fake_8x8):
    client = EightByEightClient.from_settings(read_timeout=2, backoff_factor=0)
    fake_8x8.stall_next(seconds=0.3)
    assert client.webhooks() == []
    assert len(fake_8x8.requests) == 1


@pytest.mark.parametrize("request_name", ["webhooks", "send_callflow"])
def test_an_address_where_nothing_listens_cannot_be_reached(
    settings, fake_8x8, request_name
):
    settings.IVR_8X8_API_URL = "http://127.0.0.1:9/api/v1"  # the discard port
    client = EightByEightClient.from_settings(backoff_factor=0)

    error = error_of(_call, client, request_name)

    assert "Connection refused" in error.reason
    assert str(error) == api.CANNOT_REACH.format(
        api_url="http://127.0.0.1:9/api/v1", reason=error.reason
    )
    assert error.status is None


@pytest.fixture
def port_that_never_accepts():
    """A port whose connections never open: its one-place queue is taken."""
    with socket.socket() as server, socket.socket() as queued:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        queued.connect(server.getsockname())
        yield server.getsockname()[1]


def test_a_connection_that_does_not_open_in_time_is_a_timeout(
    settings, fake_8x8, port_that_never_accepts
):
    url = f"http://127.0.0.1:{port_that_never_accepts}/api/v1"
    settings.IVR_8X8_API_URL = url
    client = EightByEightClient.from_settings(connect_timeout=0.2, backoff_factor=0)

    started = time.monotonic()
    error = error_of(client.webhooks)

    assert time.monotonic() - started < 5
    assert error.reason == "no connection within 0.2 seconds"
    assert str(error) == api.CANNOT_REACH.format(api_url=url, reason=error.reason)


def test_the_timeouts_default_to_5_and_15_seconds(fake_8x8):
    client = EightByEightClient.from_settings()
    assert (client.connect_timeout, client.read_timeout) == (5.0, 15.0)
