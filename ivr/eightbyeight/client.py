"""A small client for 8x8's Voice API: webhooks, speech profiles, callflows.

Requests go to `{api_url}/subaccounts/{sub_account}/...` with the API key as
a Bearer token (voice-api-reference.md §1, 5, 6 and 8; 8x8's OpenAPI
document). Every request has a connect and a read timeout.

Retries: a connection that could not be opened is always tried again, with
backoff. 8x8's 500/502/503/504 answers, and a connection that fails after
the request was sent (a read timeout, a dropped connection), are tried again
only for requests that may safely be repeated: GET, DELETE and the webhook
POST (8x8 keeps one webhook per type, so posting it again changes nothing).
Send Callflow is sent with `retry_server_errors=False`: 8x8 may have acted
on a request it failed to answer, and a repeat would ring someone twice.

Every failure is one `EightByEightError` whose message says in plain words
what went wrong and what to do. No message, log line or repr holds the API
key. The settings are read by `from_settings`, when it is called, never at
import; the rest of this module does not know Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util import Retry

DEFAULT_API_URL = "https://voice.8x8.com/api/v1"
# The subAccountId path parameter's pattern in 8x8's OpenAPI document; used
# with fullmatch, so no anchors.
SUB_ACCOUNT_RE = re.compile(r"[A-Za-z0-9\-._&]{3,50}")
# What a header value may hold; a key copied with a newline would otherwise
# reach requests, whose error message would print it.
API_KEY_RE = re.compile(r"[\x21-\x7e]+")
# How urllib3 names a connection at the start of its errors.
CONNECTION_PREFIX_RE = re.compile(r"^\w*Connection(Pool)?\([^)]*\): ")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
RETRIES = 3
# urllib3 waits 0 s before the first retry, then factor * 2, factor * 4...:
# 0, 1 and 2 seconds for three retries.
BACKOFF_FACTOR = 0.5
BACKOFF_MAX = 10.0
SERVER_ERRORS = frozenset({500, 502, 503, 504})
# The methods whose read errors and server errors are retried; each request
# this client sends with them may be repeated (see the module docstring).
REPEATABLE_METHODS = frozenset({"GET", "DELETE", "POST"})

# Webhook types, as 8x8 names them.
VCA = "VCA"  # Voice Call Action: the call's next step
VSS = "VSS"  # Voice Session Summary
VCS = "VCS"  # Voice Call Status
VRU = "VRU"  # Voice Recording Uploaded
VNU = "VNU"  # Virtual Number Updated
WEBHOOK_TYPES = (VCA, VSS, VCS, VRU, VNU)
# Send Callflow's sessionStatus when 8x8 accepted the callflow.
SESSION_CREATED = "CREATED"
STATUS_MESSAGE_MAX_CHARS = 300

# What each setting holds, for the message that asks for it.
SETTING_HOLDS = {
    "IVR_8X8_API_KEY": "an API key from the 8x8 Connect portal",
    "IVR_8X8_SUBACCOUNT": "your 8x8 voice sub-account id",
    "IVR_8X8_API_URL": f"8x8's Voice API address, {DEFAULT_API_URL}",
}

MISSING_SETTING = "{name} is not set: set it to {holds} (see .env.example)."
BAD_API_KEY = (
    "IVR_8X8_API_KEY holds spaces or control characters: copy the key again "
    "from the 8x8 Connect portal."
)
BAD_SUB_ACCOUNT = (
    "IVR_8X8_SUBACCOUNT must be 3 to 50 letters, digits, “-”, “.”, “_” or “&” "
    "(8x8's rule); got {value!r}."
)
BAD_API_URL = (
    "IVR_8X8_API_URL must be an http(s) address like {default}; got {value!r}."
)
UNAUTHORIZED = (
    "8x8 refused the API key (HTTP 401{detail}). Check IVR_8X8_API_KEY: it "
    "must be an API key of the 8x8 Connect account that holds sub-account "
    "{sub_account}."
)
FORBIDDEN = (
    "8x8 does not let this API key use sub-account {sub_account} (HTTP "
    "403{detail}). Check that IVR_8X8_SUBACCOUNT belongs to the key's "
    "account, and ask 8x8 support to enable the Voice API on it."
)
NOT_FOUND = (
    "8x8 found no sub-account {sub_account} (HTTP 404{detail}). Check "
    "IVR_8X8_SUBACCOUNT, and that IVR_8X8_API_URL is 8x8's Voice API "
    "({default})."
)
REFUSED = (
    "8x8 refused the request (HTTP {status}{detail}). Correct what 8x8 says, "
    "then try again."
)
SERVER_TROUBLE = (
    "8x8 is having trouble: it answered HTTP {status}{detail} {attempts}. "
    "Try again in a few minutes."
)
CANNOT_REACH = (
    "Cannot reach 8x8 at {api_url} ({reason}). Check IVR_8X8_API_URL and the "
    "network, then try again."
)
TIMED_OUT = (
    "8x8 did not answer within {seconds:g} seconds at {api_url}. Check "
    "IVR_8X8_API_URL and the network, then try again."
)
DROPPED = (
    "8x8 closed the connection at {api_url} without answering. Check "
    "IVR_8X8_API_URL and the network, then try again."
)
# For a request sent with retry_server_errors=False (Send Callflow).
NOT_REPEATED = (
    "The request was not repeated, since 8x8 may have acted on it: check "
    "whether it did before sending it again."
)
SERVER_TROUBLE_NOT_REPEATED = (
    "8x8 is having trouble: it answered HTTP {status}{detail}. " + NOT_REPEATED
)
TIMED_OUT_NOT_REPEATED = (
    "8x8 did not answer within {seconds:g} seconds at {api_url}. " + NOT_REPEATED
)
DROPPED_NOT_REPEATED = (
    "8x8 closed the connection at {api_url} without answering. " + NOT_REPEATED
)
UNEXPECTED_STATUS = (
    "8x8 answered HTTP {status}{detail}, which this app does not expect. "
    "Check IVR_8X8_API_URL ({api_url}); if it is right, try again later."
)
BAD_ANSWER = (
    "8x8's answer could not be read ({problem}). Check that IVR_8X8_API_URL "
    "is 8x8's Voice API ({default})."
)
NOT_JSON = "not a JSON object"
NOT_A_LIST = "`{field}` is not a list"
NO_SESSION_ID = "no sessionId"


class EightByEightError(Exception):
    """A request to 8x8 failed, or could not be sent; `message` says what to
    do.

    `status` is the HTTP status 8x8 answered (None when it did not answer or
    nothing was sent); `status_code` and `status_message` are 8x8's own, when
    its answer has them; `reason` is why a connection failed (CANNOT_REACH).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        status_code: int | str | None = None,
        status_message: str | None = None,
        reason: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_code = status_code
        self.status_message = status_message
        self.reason = reason

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Webhook:
    """A webhook as 8x8 lists it; 8x8 never shows its secret, only whether
    one is set."""

    type: str
    url: str
    enabled: bool
    secret_set: bool


@dataclass(frozen=True)
class SpeechProfile:
    """A voice 8x8 reads text in; `code` is what a callflow's voiceProfile
    takes."""

    code: str
    locale_code: str
    locale_description: str
    gender: str


class EightByEightClient:
    """8x8's Voice API for one sub-account.

    Raises EightByEightError (MISSING_SETTING, BAD_API_KEY, BAD_SUB_ACCOUNT,
    BAD_API_URL) before sending anything when a value cannot work.
    """

    def __init__(
        self,
        *,
        api_key: str,
        sub_account: str,
        api_url: str = DEFAULT_API_URL,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        retries: int = RETRIES,
        backoff_factor: float = BACKOFF_FACTOR,
    ):
        api_key, sub_account, api_url = (
            (value or "").strip() for value in (api_key, sub_account, api_url)
        )
        _check_settings(api_key=api_key, sub_account=sub_account, api_url=api_url)
        self.api_url = api_url.rstrip("/")
        self.sub_account = sub_account
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._api_key = api_key
        # One session per retry policy: urllib3 fixes the policy per adapter.
        self._sessions = {
            True: _session(
                api_key,
                Retry(
                    total=retries,
                    connect=retries,
                    read=retries,
                    status=retries,
                    other=0,
                    allowed_methods=REPEATABLE_METHODS,
                    status_forcelist=SERVER_ERRORS,
                    backoff_factor=backoff_factor,
                    backoff_max=BACKOFF_MAX,
                    retry_after_max=int(BACKOFF_MAX),
                    raise_on_status=False,
                ),
            ),
            # Only a connection that never opened: 8x8 cannot have seen the
            # request.
            False: _session(
                api_key,
                Retry(
                    total=retries,
                    connect=retries,
                    read=0,
                    status=0,
                    other=0,
                    backoff_factor=backoff_factor,
                    backoff_max=BACKOFF_MAX,
                    respect_retry_after_header=False,
                    raise_on_status=False,
                ),
            ),
        }

    @classmethod
    def from_settings(cls, **options: Any) -> EightByEightClient:
        """A client for IVR_8X8_API_KEY, IVR_8X8_SUBACCOUNT and
        IVR_8X8_API_URL as they are now; `options` are the constructor's
        (timeouts, retries)."""
        from django.conf import settings

        return cls(
            api_key=settings.IVR_8X8_API_KEY,
            sub_account=settings.IVR_8X8_SUBACCOUNT,
            api_url=settings.IVR_8X8_API_URL,
            **options,
        )

    def __repr__(self):
        return f"<EightByEightClient {self.api_url} sub-account {self.sub_account}>"

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # --- Webhooks ---------------------------------------------------------------

    def webhooks(self) -> list[Webhook]:
        """The sub-account's webhooks, in 8x8's order."""
        body = self._request("GET", "webhooks")
        return _webhooks(body)

    def webhook_register(
        self,
        *,
        webhook_type: str,
        url: str,
        http_auth_header: str | None,
        enabled: bool = True,
    ) -> None:
        """Register the webhook of `webhook_type` at `url`; 8x8 sends
        `http_auth_header` as the Authorization header of each request.

        Whether 8x8 replaces a webhook of that type already registered is not
        documented: `ivr.webhook.registration` checks what it did.
        """
        self._request(
            "POST",
            "webhooks",
            body={
                "type": webhook_type,
                "url": url,
                "httpAuthHeader": http_auth_header,
                "enabled": enabled,
            },
        )

    def webhook_delete(self, webhook_type: str) -> None:
        """Remove the webhook of `webhook_type`."""
        self._request("DELETE", f"webhooks/{webhook_type}")

    # --- Voices -----------------------------------------------------------------

    def speech_profiles(self) -> list[SpeechProfile]:
        """The voices 8x8 offers this account, entries without a code left
        out."""
        body = self._request("GET", "speech-profiles")
        profiles = body.get("speechProfiles")
        if not isinstance(profiles, list):
            raise _bad_answer(NOT_A_LIST.format(field="speechProfiles"))
        return [
            SpeechProfile(
                code=item["speechProfileCode"].strip(),
                locale_code=_text(item.get("localeCode")),
                locale_description=_text(item.get("localeDescription")),
                gender=_text(item.get("gender")),
            )
            for item in profiles
            if isinstance(item, dict)
            and isinstance(item.get("speechProfileCode"), str)
            and item["speechProfileCode"].strip()
        ]

    # --- Outbound calls ---------------------------------------------------------

    def send_callflow(
        self, callflow: Sequence[dict[str, Any]], valid_until: datetime | None = None
    ) -> str:
        """Ask 8x8 to run `callflow` (its first action a makeCall) and return
        8x8's sessionId. `valid_until` (a time with its zone) is when the call
        must have started by.

        Never repeated once sent (see the module docstring). Raises
        EightByEightError with 8x8's statusCode and statusMessage when 8x8
        answers NOT_CREATED.
        """
        body: dict[str, Any] = {"callflow": list(callflow)}
        if valid_until is not None:
            body["validUntil"] = _valid_until(valid_until)
        answer = self._request(
            "POST", "callflows", body=body, retry_server_errors=False
        )
        session_id = answer.get("sessionId")
        if answer.get("sessionStatus") != SESSION_CREATED:
            raise self._status_error(200, answer)
        if not isinstance(session_id, str) or not session_id:
            raise _bad_answer(NO_SESSION_ID)
        return session_id

    # --- The requests -----------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        retry_server_errors: bool = True,
    ) -> dict[str, Any]:
        """8x8's answer to `method` on the sub-account's `path`, as a dict;
        EightByEightError for anything but a 2xx answer holding a JSON
        object."""
        url = f"{self.api_url}/subaccounts/{self.sub_account}/{path}"
        try:
            response = self._sessions[retry_server_errors].request(
                method,
                url,
                json=body,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
            )
        except requests.ConnectTimeout as error:
            reason = f"no connection within {self.connect_timeout:g} seconds"
            raise self._unreachable(reason) from error
        except requests.RequestException as error:
            raise self._connection_error(error, retry_server_errors) from error
        with response:
            answer = _json_object(response)
            if 200 <= response.status_code < 300:
                if answer is None:
                    raise _bad_answer(NOT_JSON)
                return answer
            raise self._status_error(
                response.status_code,
                answer or {},
                attempts=_attempts(response),
                retried=retry_server_errors,
            )

    def _connection_error(
        self, error: requests.RequestException, retried: bool
    ) -> EightByEightError:
        # After its retries, urllib3 reports what failed last as the reason of
        # a MaxRetryError, which requests wraps in a ConnectionError.
        cause = error.args[0] if error.args else error
        cause = getattr(cause, "reason", cause)
        facts = {"api_url": self.api_url, "seconds": self.read_timeout}
        if isinstance(error, requests.ReadTimeout) or isinstance(
            cause, ReadTimeoutError
        ):
            return EightByEightError(
                (TIMED_OUT if retried else TIMED_OUT_NOT_REPEATED).format(**facts)
            )
        if isinstance(cause, ProtocolError):
            return EightByEightError(
                (DROPPED if retried else DROPPED_NOT_REPEATED).format(**facts)
            )
        return self._unreachable(_reason(cause))

    def _unreachable(self, reason: str) -> EightByEightError:
        return EightByEightError(
            CANNOT_REACH.format(api_url=self.api_url, reason=reason), reason=reason
        )

    def _status_error(
        self,
        status: int,
        answer: dict[str, Any],
        *,
        attempts: int = 1,
        retried: bool = True,
    ) -> EightByEightError:
        """The error for an answer of 8x8 that is not a success."""
        status_code = answer.get("statusCode")
        status_message = answer.get("statusMessage")
        if isinstance(status_message, str):
            status_message = status_message.replace(self._api_key, "[API key]")
            status_message = status_message[:STATUS_MESSAGE_MAX_CHARS]
        else:
            status_message = None
        if not isinstance(status_code, int | str):
            status_code = None
        facts = {
            "status": status,
            "detail": _detail(status_code, status_message),
            "sub_account": self.sub_account,
            "api_url": self.api_url,
            "default": DEFAULT_API_URL,
            "attempts": "once" if attempts == 1 else f"{attempts} times in a row",
        }
        if status in SERVER_ERRORS:
            template = SERVER_TROUBLE if retried else SERVER_TROUBLE_NOT_REPEATED
        else:
            template = {
                200: REFUSED,  # a callflow answered NOT_CREATED
                400: REFUSED,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: NOT_FOUND,
                422: REFUSED,
            }.get(status, UNEXPECTED_STATUS)
        return EightByEightError(
            template.format(**facts),
            status=status,
            status_code=status_code,
            status_message=status_message,
        )


def _bad_answer(problem: str) -> EightByEightError:
    return EightByEightError(
        BAD_ANSWER.format(problem=problem, default=DEFAULT_API_URL)
    )


def _check_settings(*, api_key: str, sub_account: str, api_url: str) -> None:
    for name, value in [
        ("IVR_8X8_API_KEY", api_key),
        ("IVR_8X8_SUBACCOUNT", sub_account),
        ("IVR_8X8_API_URL", api_url),
    ]:
        if not value:
            raise EightByEightError(
                MISSING_SETTING.format(name=name, holds=SETTING_HOLDS[name])
            )
    if not API_KEY_RE.fullmatch(api_key):
        raise EightByEightError(BAD_API_KEY)
    if not SUB_ACCOUNT_RE.fullmatch(sub_account):
        raise EightByEightError(BAD_SUB_ACCOUNT.format(value=sub_account))
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EightByEightError(
            BAD_API_URL.format(default=DEFAULT_API_URL, value=api_url)
        )


def _session(api_key: str, retry: Retry) -> requests.Session:
    session = requests.Session()
    # Never a proxy or a .netrc password picked up from the environment
    # without being asked: the key goes to 8x8 alone.
    session.trust_env = False
    session.headers.update(
        {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _attempts(response: requests.Response) -> int:
    """How many times the request was sent, this answer's included."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1


def _detail(status_code: int | str | None, status_message: str | None) -> str:
    """8x8's own status, to follow the HTTP status in a message."""
    if status_message and status_code not in (None, ""):
        return f", 8x8 status {status_code}: {status_message}"
    if status_message:
        return f": {status_message}"
    return ""


def _reason(cause: object) -> str:
    """Why a connection failed, without urllib3's names for its objects:
    "[Errno 111] Connection refused", "Failed to resolve 'voice.8x8.com'
    ([Errno -2] Name or service not known)"."""
    text = CONNECTION_PREFIX_RE.sub("", str(cause))
    return text.removeprefix("Failed to establish a new connection: ")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _webhooks(body: dict[str, Any]) -> list[Webhook]:
    items = body.get("webhooks", [])
    if not isinstance(items, list):
        raise _bad_answer(NOT_A_LIST.format(field="webhooks"))
    return [
        Webhook(
            type=_text(item.get("type")),
            url=_text(item.get("url")),
            enabled=item.get("enabled") is not False,
            secret_set=item.get("httpAuthHeaderAvailable") is True,
        )
        for item in items
        if isinstance(item, dict)
    ]


def _valid_until(moment: datetime) -> str:
    """8x8's validUntil: YYYY-MM-DDTHH:MM:SS.SSSZ, in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("valid_until must have a time zone")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
