"""The simulator on a menu's admin page: its steps are the webhook's own
decisions (`ivr.core.simulate`, no database), and its endpoint walks the
menus as saved, keeps the call in the clientActionId as 8x8 does, refuses
what is not a step, and records nothing."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ivr.admin.simulator import (
    BODY_NOT_JSON,
    CLIENT_ACTION_ID_INVALID,
    CLIENT_ACTION_ID_MISSING,
    DIGITS_INVALID,
    EVENT_UNKNOWN,
    MENU_GONE,
    NOT_ALLOWED,
    STEP_INVALID,
    SimulatorRequest,
    SimulatorRequestError,
    simulator_request,
)
from ivr.core.decide import DEFAULT_EXHAUSTED_HANGUP, UNKNOWN_MENU, Outcome, decide
from ivr.core.simulate import (
    ANSWERED,
    CALL_HUNG_UP,
    DEFAULT_CALLER,
    MADE_UP_NUMBER,
    NOT_ANSWERED,
    OUTCOME_CALL_ENDED,
    OUTCOME_CHOSE,
    OUTCOME_ENTERED,
    OUTCOME_EXHAUSTED,
    OUTCOME_FALLBACK,
    OUTCOME_INVALID,
    OUTCOME_NO_INPUT,
    OUTCOME_TRANSFER_FAILED,
    PRESSED_CALL_COMES_IN,
    PRESSED_KEYS,
    PRESSED_NOTHING,
    PRESSED_TRANSFER,
    TRANSFERRING,
    WAITING_IN,
    call_step,
    number_for_menu,
    starting_in,
    step_report,
    webhook_body,
)
from ivr.eightbyeight.events import parse_event
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Call, CallEvent, Menu
from ivr.roles import VIEWERS
from tests.admin_forms import admin_url
from tests.callflow_schema import schema_violations
from tests.menus import MAIN_PROMPT, SALES_PROMPT, VIRTUAL_NUMBER
from tests.snapshots import CALLER, OUR_NUMBER, menu, option, snapshot, tree

# --- The steps, without a database ---------------------------------------------


def step_in(ivr, press, client_action_id=None, *, number=OUR_NUMBER):
    step = call_step(
        ivr,
        number=number,
        caller=CALLER,
        press=press,
        client_action_id=client_action_id,
    )
    return step_report(ivr, step)


def test_a_call_starts_in_the_menu_being_tried():
    ivr = tree()  # OUR_NUMBER starts in main

    report = step_in(starting_in(ivr, "sales", OUR_NUMBER), None)

    assert report["outcome"] == Outcome.ENTERED_MENU
    assert report["menu"] == report["now_in"] == "sales"
    assert report["client_action_id"] == "sales"
    assert report["heard"] == [
        'Caller hears: "This is the sales menu."',
        "8x8 waits for 1 key.",
    ]
    # The snapshot the live calls use is left as it was.
    assert ivr.numbers == {OUR_NUMBER: "main"}


def test_an_inactive_menu_tried_gets_the_apology_as_a_live_call_would():
    ivr = tree(billing={"active": False})

    report = step_in(starting_in(ivr, "billing", OUR_NUMBER), None)

    assert report["outcome"] == Outcome.FALLBACK
    assert report["outcome_text"] == OUTCOME_FALLBACK
    assert report["error"] == UNKNOWN_MENU.format(key="billing")
    assert report["call_ended"] is True
    assert report["ending"] == CALL_HUNG_UP


@pytest.mark.parametrize(
    ("numbers", "menu_key", "expected"),
    [
        ({"+6531580002": "sales", "+6531580001": "sales"}, "sales", "+6531580001"),
        ({"+6531580001": "main", "+6531580002": "sales"}, "sales", "+6531580002"),
        # No number starts there: a transfer still shows one of ours.
        ({"+6531580002": "main", "+6531580001": "main"}, "sales", "+6531580001"),
        ({}, "sales", MADE_UP_NUMBER),
    ],
)
def test_the_number_called_is_one_of_the_menu_else_any_of_ours(
    numbers, menu_key, expected
):
    ivr = snapshot(menu("main"), menu("sales"), numbers=numbers)
    assert number_for_menu(ivr, menu_key) == expected


@pytest.mark.parametrize(
    ("press", "client_action_id", "outcome", "text"),
    [
        (None, None, Outcome.ENTERED_MENU, OUTCOME_ENTERED.format(menu="main")),
        (
            "1",
            "main",
            Outcome.CHOSE_OPTION,
            OUTCOME_CHOSE.format(digits="1", label="", does="go to menu sales"),
        ),
        (
            "7",
            "main",
            Outcome.INVALID_INPUT,
            OUTCOME_INVALID.format(retry=1, retries="2 retries"),
        ),
        (
            "",
            "main",
            Outcome.NO_INPUT,
            OUTCOME_NO_INPUT.format(retry=1, retries="2 retries"),
        ),
        (
            "",
            "main__r1__f1",
            Outcome.NO_INPUT,
            OUTCOME_NO_INPUT.format(retry=2, retries="2 retries"),
        ),
        ("7", "main__r2__f2", Outcome.RETRIES_EXHAUSTED, OUTCOME_EXHAUSTED),
        ("1", "main__t2", Outcome.CALL_ENDED, OUTCOME_CALL_ENDED),
        ("1", "gone", Outcome.FALLBACK, OUTCOME_FALLBACK),
    ],
)
def test_each_outcome_is_said_in_plain_words(press, client_action_id, outcome, text):
    report = step_in(tree(), press, client_action_id)

    assert report["outcome"] == outcome
    assert report["outcome_text"] == text


def test_an_option_label_is_named():
    ivr = snapshot(
        menu("main", option("1", "hangup", label="Goodbye")),
        numbers={OUR_NUMBER: "main"},
    )
    report = step_in(ivr, "1", "main")
    assert report["outcome_text"] == OUTCOME_CHOSE.format(
        digits="1", label=" (Goodbye)", does="hang up"
    )


@pytest.mark.parametrize(
    ("press", "pressed_text"),
    [
        (None, PRESSED_CALL_COMES_IN),
        ("", PRESSED_NOTHING),
        ("11#", PRESSED_KEYS.format(keys="1 1 #")),
    ],
)
def test_what_the_caller_pressed_is_said(press, pressed_text):
    report = step_in(tree(), press, None if press is None else "main")
    assert report["pressed"] == press
    assert report["pressed_text"] == pressed_text


def test_hash_ends_the_keys_as_on_a_phone():
    report = step_in(tree(), "11#", "main")

    assert report["outcome"] == Outcome.CHOSE_OPTION
    assert report["now_in"] == "billing"
    assert report["request"]["payload"]["eventData"] == {"dtmf": "11#"}


def test_a_transfer_waits_to_hear_whether_it_was_answered():
    report = step_in(tree(), "2", "main")

    assert report["call_ended"] is False
    assert report["transferring"] is True
    assert report["now_in"] == ""
    assert report["ending"] == TRANSFERRING
    assert report["heard"] == [
        "Caller is transferred to +6560001111 (recorded), who sees the call "
        "from +6531581234."
    ]


@pytest.mark.parametrize(
    ("digits", "how", "finish_on_hash", "max_digits"),
    [
        (
            ["1", "2"],
            "Callers press 1 key: the choice is taken on the last key.",
            False,
            1,
        ),
        (["1", "12"], "Callers press 1 to 2 keys, then # to finish.", True, 2),
    ],
)
def test_each_step_says_how_the_caller_finishes_a_choice(
    digits, how, finish_on_hash, max_digits
):
    ivr = snapshot(
        menu("main", *(option(d, "hangup") for d in digits)),
        numbers={OUR_NUMBER: "main"},
    )
    report = step_report(
        ivr, call_step(ivr, number=OUR_NUMBER, caller=CALLER, press=None)
    )

    assert report["how_to_choose"] == how
    assert (report["finish_on_hash"], report["max_digits"]) == (
        finish_on_hash,
        max_digits,
    )


def test_a_call_waiting_for_keys_says_in_which_menu():
    report = step_in(tree(), "1", "main")

    assert report["call_ended"] is False
    assert report["now_in"] == "sales"
    assert report["ending"] == WAITING_IN.format(menu="sales")
    assert report["client_action_id"] == "sales__bmain"


@pytest.mark.parametrize(
    ("press", "client_action_id"),
    [(None, None), ("1", "main"), ("", "sales__r1__f1"), ("2", "sales")],
)
def test_a_step_answers_what_decide_answers_for_the_webhook_shown(
    press, client_action_id
):
    ivr = tree()

    report = step_in(ivr, press, client_action_id)

    assert report["response"] == decide(ivr, parse_event(report["request"])).response
    assert schema_violations(report["response"]) == []


# --- The requests the endpoint takes ------------------------------------------

VALID_REQUESTS = [
    ({"event": "start"}, SimulatorRequest(press=None)),
    (
        {"event": "keys", "digits": "12#", "clientActionId": "main", "step": 3},
        SimulatorRequest(press="12#", client_action_id="main", step=3),
    ),
    (
        {"event": "transfer_not_answered", "clientActionId": "main__t2", "step": 4},
        SimulatorRequest(
            press=NOT_ANSWERED, client_action_id="main__t2", step=4, transfer=True
        ),
    ),
    (
        {"event": "transfer_answered", "clientActionId": "main__t2"},
        SimulatorRequest(
            press=ANSWERED, client_action_id="main__t2", step=2, transfer=True
        ),
    ),
    (
        {"event": "no_input", "clientActionId": "main__r1"},
        SimulatorRequest(press="", client_action_id="main__r1", step=2),
    ),
]

INVALID_REQUESTS = [
    ([], BODY_NOT_JSON),
    ("start", BODY_NOT_JSON),
    ({}, EVENT_UNKNOWN),
    ({"event": "dial"}, EVENT_UNKNOWN),
    ({"event": "keys", "clientActionId": "main"}, DIGITS_INVALID),
    ({"event": "keys", "digits": "", "clientActionId": "main"}, DIGITS_INVALID),
    ({"event": "keys", "digits": "1a", "clientActionId": "main"}, DIGITS_INVALID),
    ({"event": "keys", "digits": 1, "clientActionId": "main"}, DIGITS_INVALID),
    ({"event": "keys", "digits": "1" * 27, "clientActionId": "m"}, DIGITS_INVALID),
    ({"event": "keys", "digits": "1"}, CLIENT_ACTION_ID_MISSING),
    ({"event": "no_input", "clientActionId": ""}, CLIENT_ACTION_ID_MISSING),
    ({"event": "no_input", "clientActionId": 5}, CLIENT_ACTION_ID_INVALID),
    ({"event": "no_input", "clientActionId": "m" * 256}, CLIENT_ACTION_ID_INVALID),
    ({"event": "no_input", "clientActionId": "m", "step": 0}, STEP_INVALID),
    ({"event": "no_input", "clientActionId": "m", "step": True}, STEP_INVALID),
    ({"event": "no_input", "clientActionId": "m", "step": "2"}, STEP_INVALID),
]


@pytest.mark.parametrize(("data", "expected"), VALID_REQUESTS)
def test_a_step_is_read_from_the_request(data, expected):
    assert simulator_request(data) == expected


@pytest.mark.parametrize(("data", "message"), INVALID_REQUESTS)
def test_what_is_not_a_step_is_refused_with_a_reason(data, message):
    with pytest.raises(SimulatorRequestError) as refused:
        simulator_request(data)
    assert str(refused.value) == message


# --- The endpoint ---------------------------------------------------------------


class SimulatedCall:
    """Presses keys on a menu's simulator as its page does."""

    def __init__(self, client, menu: Menu):
        self.client = client
        self.url = admin_url(Menu, "simulate", menu.pk)
        self.client_action_id = None
        self.steps: list[dict] = []

    def post(self, body):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(self.url, data, content_type="application/json")

    def _step(self, body) -> dict:
        response = self.post(body)
        assert response.status_code == 200, response.content
        step = response.json()["step"]
        self.client_action_id = step["client_action_id"]
        self.steps.append(step)
        return step

    def start(self) -> dict:
        self.steps = []
        return self._step({"event": "start"})

    def press(self, digits: str) -> dict:
        return self._step(
            {
                "event": "keys",
                "digits": digits,
                "clientActionId": self.client_action_id,
                "step": len(self.steps) + 1,
            }
        )

    def no_input(self) -> dict:
        return self._step(
            {
                "event": "no_input",
                "clientActionId": self.client_action_id,
                "step": len(self.steps) + 1,
            }
        )

    def transfer(self, event: str) -> dict:
        return self._step(
            {
                "event": event,
                "clientActionId": self.client_action_id,
                "step": len(self.steps) + 1,
            }
        )


@pytest.fixture
def main_call(admin_client, menu_tree):
    return SimulatedCall(admin_client, menu_tree["main"])


@pytest.mark.django_db
def test_the_simulator_walks_the_menus_there_and_back(main_call):
    entered = main_call.start()
    assert (entered["outcome"], entered["now_in"]) == ("entered_menu", "main")
    assert entered["heard"][0] == (f'Caller hears: "{MAIN_PROMPT}"')

    to_sales = main_call.press("1")
    assert (to_sales["menu"], to_sales["now_in"]) == ("main", "sales")
    assert to_sales["client_action_id"] == "sales__bmain"
    assert to_sales["heard"][0] == f'Caller hears: "{SALES_PROMPT}"'

    back = main_call.press("*")
    assert (back["menu"], back["now_in"]) == ("sales", "main")

    file_then_main = main_call.press("4")
    assert file_then_main["heard"][0] == (
        "Caller hears: plays https://example.com/hours.mp3"
    )
    assert file_then_main["now_in"] == "main"

    main_call.press("1")
    transfer = main_call.press("1")
    assert transfer["outcome"] == "chose_option"
    assert (transfer["call_ended"], transfer["transferring"]) == (False, True)
    assert transfer["ending"] == TRANSFERRING
    assert transfer["heard"] == [
        "Caller is transferred to +6560002222, who sees the call from +6531580000."
    ]
    assert transfer["response"]["callflow"][-1]["action"] == "makeCall"

    busy = main_call.transfer("transfer_not_answered")
    assert busy["pressed_text"] == PRESSED_TRANSFER[NOT_ANSWERED]
    assert busy["outcome"] == "transfer_failed"
    assert busy["outcome_text"] == OUTCOME_TRANSFER_FAILED.format(number="+6560002222")
    assert busy["request"]["payload"]["sipCode"] == 486
    assert busy["now_in"] == "sales"  # back where the transfer was chosen
    assert busy["heard"][0] == 'Caller hears: "Sorry, nobody could take your call."'

    main_call.press("1")
    answered = main_call.transfer("transfer_answered")
    assert answered["pressed_text"] == PRESSED_TRANSFER[ANSWERED]
    assert answered["outcome"] == "call_ended"
    assert (answered["call_ended"], answered["ending"]) == (True, CALL_HUNG_UP)


@pytest.mark.django_db
def test_wrong_keys_and_silence_are_asked_again_then_the_call_ends(main_call):
    main_call.start()

    wrong = main_call.press("7")
    silence = main_call.no_input()
    exhausted = main_call.press("8")

    assert wrong["outcome"] == "invalid_input"
    assert wrong["heard"][0] == 'Caller hears: "Sorry, that is not a valid choice."'
    assert wrong["client_action_id"] == "main__r1__f1"
    assert silence["outcome"] == "no_input"
    assert silence["heard"][0] == 'Caller hears: "Sorry, we did not hear your choice."'
    assert exhausted["outcome"] == "retries_exhausted"
    assert exhausted["heard"] == [
        f'Caller hears: "{DEFAULT_EXHAUSTED_HANGUP}"',
        "Call hangs up.",
    ]
    assert exhausted["call_ended"] is True
    assert exhausted["ending"] == CALL_HUNG_UP


@pytest.mark.django_db
def test_a_menu_out_of_retries_sends_the_caller_on_as_it_says(admin_client, menu_tree):
    call = SimulatedCall(admin_client, menu_tree["sales"])
    call.start()
    call.press("7")
    call.press("7")

    exhausted = call.press("7")

    assert exhausted["outcome"] == "retries_exhausted"
    assert exhausted["menu"] == "sales"
    assert exhausted["now_in"] == "main"
    assert exhausted["call_ended"] is False
    # The failures so far travel on: a loop of failures still ends.
    assert exhausted["client_action_id"] == "main__f3"


@pytest.mark.django_db
def test_a_menu_no_number_starts_in_is_tried_on_one_of_our_numbers(
    admin_client, menu_tree
):
    call = SimulatedCall(admin_client, menu_tree["sales"])

    response = call.post({"event": "start"})

    assert response.json()["call"] == {
        "menu": "sales",
        "number": VIRTUAL_NUMBER,
        "number_made_up": False,
        "caller": DEFAULT_CALLER,
    }
    assert response.json()["step"]["now_in"] == "sales"


@pytest.mark.django_db
def test_an_inactive_menu_gets_the_apology(admin_client, menu_tree):
    call = SimulatedCall(admin_client, menu_tree["support"])

    step = call.start()

    assert step["outcome"] == "fallback"
    assert step["error"] == UNKNOWN_MENU.format(key="support")
    assert step["call_ended"] is True


@pytest.mark.django_db
def test_the_simulator_tries_the_menus_as_saved(admin_client, main_call, menu_tree):
    main = menu_tree["main"]
    main.prompt = "A draft prompt."
    main.save()

    assert main_call.start()["heard"][0] == 'Caller hears: "A draft prompt."'


def walk(call: SimulatedCall) -> list[dict]:
    call.start()
    call.no_input()
    call.press("9")
    call.press("1")
    call.press("2")
    call.press("3")
    return call.steps


@pytest.mark.django_db
def test_the_json_shown_is_what_decide_returns_and_8x8_accepts(main_call):
    steps = walk(main_call)

    ivr = ivr_snapshot_from_database()
    for step in steps:
        assert step["response"] == decide(ivr, parse_event(step["request"])).response
        assert schema_violations(step["response"]) == []
    assert steps[-1]["heard"] == [
        'Caller hears: "Our office is closed. Goodbye."',
        "Call hangs up.",
    ]


@pytest.mark.django_db
def test_a_simulated_walk_answers_as_the_live_webhook_does(main_call, webhook_client):
    steps = walk(main_call)

    for step in steps:
        live = webhook_client.call_action(step["request"])
        assert live.json() == step["response"]


@pytest.mark.django_db
def test_a_simulated_walk_records_nothing(main_call):
    with CaptureQueriesContext(connection) as queries:
        walk(main_call)

    written = [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert written == []
    assert not CallEvent.objects.exists()
    assert not Call.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), INVALID_REQUESTS)
def test_a_bad_request_gets_400_with_the_reason(main_call, data, message):
    response = main_call.post(data)

    assert response.status_code == 400
    assert response.json() == {"error": message}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["{not json", "", "\xff"])
def test_a_body_that_is_not_json_gets_400(main_call, body):
    response = main_call.post(body)

    assert response.status_code == 400
    assert response.json() == {"error": BODY_NOT_JSON}


@pytest.mark.django_db
def test_the_simulator_takes_only_posts(admin_client, menu_tree):
    url = admin_url(Menu, "simulate", menu_tree["main"].pk)
    assert admin_client.get(url).status_code == 405


@pytest.mark.django_db
def test_a_deleted_menu_gets_404(admin_client, menu_tree):
    call = SimulatedCall(admin_client, menu_tree["support"])
    menu_tree["support"].delete()

    response = call.post({"event": "start"})

    assert response.status_code == 404
    assert response.json() == {"error": MENU_GONE}


def staff_client(*groups: str) -> Client:
    user = User.objects.create_user("staff", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_who_may_not_view_menus_are_refused(menu_tree):
    call = SimulatedCall(staff_client(), menu_tree["main"])

    response = call.post({"event": "start"})

    assert response.status_code == 403
    assert response.json() == {"error": NOT_ALLOWED}


@pytest.mark.django_db
def test_viewers_may_try_menus(menu_tree):
    call = SimulatedCall(staff_client(VIEWERS), menu_tree["main"])
    assert call.start()["now_in"] == "main"


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, menu_tree):
    response = SimulatedCall(client, menu_tree["main"]).post({"event": "start"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_a_step_needs_the_csrf_token_of_the_page(admin_user, menu_tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    call = SimulatedCall(client, menu_tree["main"])

    assert call.post({"event": "start"}).status_code == 403

    page = client.get(admin_url(Menu, "change", menu_tree["main"].pk))
    token = page.context["csrf_token"]
    response = client.post(
        call.url,
        json.dumps({"event": "start"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert response.status_code == 200


# --- The page -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_menu_page_has_the_keypad_and_transcript(admin_client, menu_tree):
    main = menu_tree["main"]

    page = admin_client.get(admin_url(Menu, "change", main.pk)).content.decode()

    assert 'id="simulator-transcript"' in page
    assert f'data-simulate-url="{admin_url(Menu, "simulate", main.pk)}"' in page
    for key in "1234567890*#":
        assert f'aria-label="key {key}"' in page
    for control in ("send", "no input", "start call", "hang up and start over"):
        assert f'aria-label="{control}"' in page
    assert 'src="/static/ivr/simulator.js"' in page
    assert 'href="/static/ivr/simulator.css"' in page


@pytest.mark.django_db
def test_viewers_see_the_keypad_on_the_read_only_page(menu_tree):
    client = staff_client(VIEWERS)
    page = client.get(admin_url(Menu, "change", menu_tree["main"].pk))
    assert 'id="simulator"' in page.content.decode()


@pytest.mark.django_db
def test_the_add_page_has_no_keypad(admin_client):
    page = admin_client.get(admin_url(Menu, "add")).content.decode()
    assert 'id="simulator' not in page
    assert "simulator.js" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["simulator.js", "simulator.css"])
def test_the_simulator_files_are_served_without_debug(client, settings, name):
    settings.DEBUG = False
    response = client.get(f"/static/ivr/{name}")
    assert response.status_code == 200
    assert b"simulator" in b"".join(response.streaming_content)


def test_the_webhook_body_shown_is_one_8x8_could_post():
    body = webhook_body(
        "simulated-event-2",
        number=OUR_NUMBER,
        caller=CALLER,
        received=False,
        digits=None,
        client_action_id="main",
    )
    event = parse_event(body)
    assert (event.digits, event.client_action_id) == (None, "main")
    assert (event.source, event.destination) == (CALLER, OUR_NUMBER)
