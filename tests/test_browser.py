"""Staff use the admin as a person would, in the machine's Chromium: log in,
build a menu with its options, take a call on it through the real webhook,
and follow that call in the history. Screenshots of the key pages are saved
as test artifacts (tests/browser.py says where, and the environment
variables that change it).

Each step is a small function that waits for what a person would see, never
for a fixed time; add a step by writing one more and running it with
`walk.run` (tests/browser.py's `Walk`): a walk-through goes on past a failed
step and reports every step that failed, each with a screenshot.
"""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect, sync_playwright

from ivr.core.numbers import NOT_INTERNATIONAL
from ivr.core.state import decode_state
from ivr.models import Call, VoiceProfile
from tests.browser import (
    Screenshots,
    Walk,
    artifacts_dir,
    chromium_or_skip,
    post_json,
)
from tests.webhooks import WEBHOOK_SECRET

pytestmark = pytest.mark.browser

USERNAME = "ops"
PASSWORD = "a-browser-test-password"
MENU_KEY = "front-desk"
MENU_NAME = "Front desk"
PROMPT = (
    "Welcome to Acme. For our opening hours press 1. "
    "For the operator press 2. To end the call press 0."
)
HOURS = "We are open from nine to five, Monday to Friday."
OPERATOR = "+6560001111"
OPERATOR_BUSY = "The operator is busy right now."
# One of the voices the fake 8x8 lists (tests/fake_8x8.py).
VOICE = "en-US-Standard-A"
OUR_NUMBER = "+6531581234"
CALLER = "+6590001234"
# Staff type numbers with spaces; the search finds the E.164 form.
CALLER_AS_TYPED = "+65 9000 1234"
CALL_ACTION_PATH = "/webhooks/8x8/call-action/"
# Long enough for a slow CI machine, short enough that a missing element
# fails the test in seconds rather than Playwright's default 30.
TIMEOUT_MS = 10_000


# --- Fixtures --------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    executable = chromium_or_skip()
    # Playwright's sync API keeps an asyncio event loop running in this
    # thread for as long as it is started, so Django takes every ORM call the
    # test makes for one from async code and refuses it
    # (SynchronousOnlyOperation). Nothing here is async: the browser only
    # talks to the live server's thread. Allowed exactly while Playwright
    # runs, and in this module only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable)
            yield browser
            browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshots(capsys):
    shots = Screenshots(artifacts_dir())
    yield shots
    # Shown however pytest captures output, so CI's log says where they are.
    with capsys.disabled():
        if shots.saved:
            print("".join(f"\nScreenshot: {path}" for path in shots.saved))


@pytest.fixture
def walk(page, screenshots, request):
    """Runs the test's steps; the test ends with `walk.check()`."""
    walk = Walk(page, screenshots, request.node.name)
    yield walk
    if walk.failed and not walk.checked:
        pytest.fail(f"walk.check() was not called: {', '.join(walk.failed)} failed")


# --- Steps -----------------------------------------------------------------------


def create_staff_superuser():
    get_user_model().objects.create_superuser(USERNAME, "ops@example.com", PASSWORD)


def log_in(page: Page):
    page.goto("/admin/")
    expect(page).to_have_title("Log in | IVR admin")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools strong")).to_have_text(USERNAME)


def fetch_voices():
    """An engineer fetched 8x8's voices (from a local fake of 8x8's API)."""
    call_command("ivr_8x8_voices", stdout=io.StringIO())
    assert VoiceProfile.objects.filter(code=VOICE).exists()


def add_menu_with_options(page: Page, screenshots: Screenshots):
    """The "Add menu" form, filled in as staff would: a prompt, its voice
    found in 8x8's list by typing part of it, three options in the inline
    table, and "default entry" ticked so calls to any of our numbers start
    here."""
    page.goto("/admin/")
    page.get_by_role("link", name="Menus").click()
    page.get_by_role("link", name="Add menu").click()
    page.get_by_label("Key:", exact=True).fill(MENU_KEY)
    page.get_by_label("Name:", exact=True).fill(MENU_NAME)
    page.get_by_label("Default entry", exact=True).check()
    page.get_by_label("Prompt:", exact=True).fill(PROMPT)
    page.locator(".form-row.field-voice_profile .select2-selection").click()
    page.locator(".select2-search__field").fill("Standard")
    page.keyboard.press("Enter")
    expect(
        page.locator(".form-row.field-voice_profile .select2-selection")
    ).to_contain_text(VOICE)

    options = page.locator("#options-group")
    add_row = options.get_by_role("button", name="Add another Menu option")
    add_row.click()
    add_row.click()
    fill_option(page, 0, "1", "Opening hours", "say", message=HOURS)
    # Busy or no answer: the default, back to this menu, after our words.
    fill_option(
        page,
        1,
        "2",
        "Operator",
        "transfer",
        destination=OPERATOR,
        no_answer_message=OPERATOR_BUSY,
    )
    fill_option(page, 2, "0", "", "hangup")
    screenshots.take(page, "menu-add-form")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"{MENU_NAME} ({MENU_KEY})” was added successfully"
    )
    row = page.locator("#result_list tbody tr", has_text=MENU_KEY)
    expect(row.locator("td.field-option_count")).to_have_text("3")


def fill_option(page: Page, row: int, digits: str, label: str, action: str, **fields):
    prefix = f"#id_options-{row}-"
    page.locator(prefix + "digits").fill(digits)
    page.locator(prefix + "label").fill(label)
    page.locator(prefix + "action").select_option(action)
    for name, value in fields.items():
        page.locator(prefix + name).fill(value)


def open_menu(page: Page, screenshots: Screenshots):
    """The menu's change page, with its preview in plain words."""
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name=MENU_KEY).click()
    preview = page.locator(".field-caller_hears")
    expect(preview).to_contain_text(PROMPT)
    expect(preview).to_contain_text(f"transfer to {OPERATOR}")
    expect(preview).to_contain_text(
        f"if not answered, hear “{OPERATOR_BUSY}”, then this menu again"
    )
    expect(page.locator(".field-callflow_preview")).to_contain_text(VOICE)
    expect(page.locator(".field-entering_a_choice")).to_contain_text(
        "Callers press 1 key: the choice is taken on the last key."
    )
    screenshots.take(page, "menu")


def take_call(base_url: str, payload, press: str) -> str:
    """A caller rings our number, then presses `press`: 8x8's CALL_RECEIVED,
    then its ACTION_COMPLETED with the digits, posted over HTTP as 8x8 does.
    Returns the session id."""
    session_id, call_id = str(uuid.uuid4()), str(uuid.uuid4())
    url = base_url + CALL_ACTION_PATH
    headers = {"Authorization": WEBHOOK_SECRET}
    rang = datetime.now(UTC)

    received = our_call(payload("vca-call-received-inbound"), session_id, call_id)
    received["payload"]["timestamp"] = rang.isoformat()
    status, answer = post_json(url, received, headers)
    assert status == 200, answer
    assert decode_state(answer["clientActionId"]).menu == MENU_KEY, answer
    assert PROMPT in str(answer["callflow"])

    pressed = our_call(payload("vca-action-completed"), session_id, call_id)
    pressed["payload"].update(
        callDirection="INBOUND",
        eventData={"dtmf": press},
        clientActionId=answer["clientActionId"],
        timestamp=(rang + timedelta(seconds=6)).isoformat(),
    )
    status, answer = post_json(url, pressed, headers)
    assert status == 200, answer
    assert HOURS in str(answer["callflow"]), answer
    return session_id


def our_call(body: dict, session_id: str, call_id: str) -> dict:
    """One of 8x8's example payloads, made an event of our caller's call."""
    body["payload"].update(
        eventId=str(uuid.uuid4()),
        sessionId=session_id,
        callId=call_id,
        source=CALLER,
        destination=OUR_NUMBER,
    )
    return body


def find_call(page: Page, screenshots: Screenshots, session_id: str):
    """The Calls list, searched by the caller's number as staff type it; the
    call's page lists its events, oldest first."""
    page.goto("/admin/")
    page.get_by_role("link", name="Calls").click()
    page.locator("#searchbar").fill(CALLER_AS_TYPED)
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(CALLER)
    screenshots.take(page, "calls-found")

    rows.get_by_role("link", name=session_id[:8]).click()
    expect(page.locator(".field-session_id")).to_contain_text(session_id)
    events = page.locator("#events-group tbody tr.has_original")
    expect(events).to_have_count(2)
    expect(events.nth(0)).to_contain_text("CALL_RECEIVED")
    expect(events.nth(1)).to_contain_text("ACTION_COMPLETED")
    expect(events.nth(1).locator("td.field-digits")).to_have_text("1")
    screenshots.take(page, "call")


def see_map(page: Page, screenshots: Screenshots):
    """The map of the menus: the new menu, its options' keys, each box a
    link to its menu's page."""
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name="Map of the menus").click()
    drawing = page.locator("#menu-map-frame svg")
    expect(drawing).to_contain_text(MENU_NAME)
    expect(drawing).to_contain_text("Opening hours")
    expect(drawing).to_contain_text("not answered: back here")
    expect(drawing.locator("path.edge-no-answer")).to_have_count(1)
    expect(drawing.locator('a[href*="/admin/ivr/menu/"]').first).to_be_visible()
    screenshots.take(page, "map")


def try_in_simulator(page: Page, screenshots: Screenshots):
    """On the menu's page: start a call, press 1 on the keypad (every option
    has one key, so 8x8 takes it at once) and hear the opening hours; then
    again, press 2 for the operator, who does not answer: the caller hears
    why and is back in the menu. Nothing reaches the call history."""
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name=MENU_KEY).click()
    simulator = page.locator("#simulator")
    simulator.get_by_role("button", name="start call").click()
    transcript = page.locator("#simulator-transcript > li")
    expect(transcript).to_have_count(1)
    expect(transcript.nth(0)).to_contain_text(PROMPT)
    expect(simulator.locator("#simulator-how")).to_have_text(
        "Callers press 1 key: the choice is taken on the last key."
    )
    simulator.get_by_role("button", name="key 1").click()
    expect(transcript).to_have_count(2)
    expect(transcript.nth(1)).to_contain_text(HOURS)

    simulator.get_by_role("button", name="start call").click()  # it hung up
    expect(transcript).to_have_count(1)
    simulator.get_by_role("button", name="key 2").click()
    expect(transcript).to_have_count(2)
    expect(transcript.nth(1)).to_contain_text(f"transferred to {OPERATOR}")
    expect(simulator.get_by_role("button", name="key 1")).to_be_disabled()
    simulator.get_by_role("button", name="transfer not answered").click()
    expect(transcript).to_have_count(3)
    expect(transcript.nth(2)).to_contain_text(OPERATOR_BUSY)
    expect(transcript.nth(2)).to_contain_text(f"Now in menu {MENU_KEY}")
    expect(simulator.get_by_role("button", name="key 1")).to_be_enabled()
    screenshots.take(page, "simulator")


def the_simulator_recorded_nothing():
    """The simulated calls left nothing in the call history."""
    assert not Call.objects.exists()


def publish(page: Page):
    """Publish the menus as saved: from now on, edits wait for the next
    publication."""
    page.goto("/admin/")
    page.get_by_role("link", name="Published versions").click()
    page.get_by_role("link", name="Publish the menus as saved").click()
    expect(page.locator("#publish-changes")).to_contain_text(MENU_KEY)
    page.get_by_label("Note").fill("Front desk menu")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#publishing-status")).to_contain_text("Callers hear version 1")


def export_calls(page: Page, session_id: str):
    """The Calls list as searched, exported to CSV: the call is in it."""
    page.goto(
        "/admin/ivr/call/?q=" + CALLER_AS_TYPED.replace(" ", "+").replace("+", "%2B", 1)
    )
    with page.expect_download() as download:
        page.locator("#export-csv-link").click()
    text = download.value.path().read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2, text  # the header and our call
    assert session_id in lines[1]
    assert CALLER in lines[1]


def see_report(page: Page, screenshots: Screenshots):
    """The call report counts the call in the menu, with its option."""
    page.goto("/admin/")
    page.get_by_role("link", name="Call report").click()
    expect(page.locator("#table-menus")).to_contain_text(MENU_KEY)
    expect(page.locator("#section-calls-per-day svg")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Opening hours")
    screenshots.take(page, "report")


# --- The walk-through --------------------------------------------------------------


def test_staff_build_a_menu_and_follow_a_call_in_the_browser(
    walk, page, live_server, screenshots, payload, fake_8x8
):
    walk.run(create_staff_superuser)
    walk.run(fetch_voices)
    walk.run(log_in, page, needs=(create_staff_superuser,))
    menu = (add_menu_with_options,)
    walk.run(add_menu_with_options, page, screenshots, needs=(log_in, fetch_voices))
    walk.run(open_menu, page, screenshots, needs=menu)
    walk.run(see_map, page, screenshots, needs=menu)
    walk.run(try_in_simulator, page, screenshots, needs=menu)
    walk.run(the_simulator_recorded_nothing, needs=(try_in_simulator,))
    walk.run(publish, page, needs=menu)
    # Before any publication, calls hear the menus as saved: no need of publish.
    session_id = walk.run(take_call, live_server.url, payload, press="1", needs=menu)
    call = (take_call,)
    walk.run(find_call, page, screenshots, session_id, needs=call)
    walk.run(export_calls, page, session_id, needs=call)
    walk.run(see_report, page, screenshots, needs=call)
    walk.check()


# --- A new user's tasks, and each mistake the admin stops ----------------------------

EDITOR = "sam"
EDITOR_PASSWORD = "another-browser-test-password"
BILLING_PROMPT = "Billing. For card payments press 1. To go back press star."
MAIN_PROMPT = "Welcome to Acme. For billing press 1. To hang up press 0."
LOCAL_CALLER = "9123 4567"  # a Singapore mobile, typed without +65


def add_editor(page: Page):
    """A superuser adds a colleague as an IVR editor in one form."""
    page.goto("/admin/auth/user/add/")
    page.get_by_label("Username:").fill(EDITOR)
    page.locator("#id_password1").fill(EDITOR_PASSWORD)
    page.locator("#id_password2").fill(EDITOR_PASSWORD)
    page.get_by_label("IVR editor", exact=False).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.locator("#logout-form button").click()


def log_in_as(page: Page, username: str, password: str):
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools strong")).to_have_text(username)


def save(page: Page):
    page.get_by_role("button", name="Save and continue editing").click()


def build_billing_with_a_local_number(page: Page, screenshots: Screenshots):
    """A transfer to "6000 1234" is refused, not saved as a Malaysian number;
    with the country code it is saved."""
    page.goto("/admin/ivr/menu/add/")
    page.get_by_label("Key:", exact=True).fill("billing")
    page.get_by_label("Name:", exact=True).fill("Billing")
    page.get_by_label("Prompt:", exact=True).fill(BILLING_PROMPT)
    fill_option(page, 0, "1", "Cards", "transfer", destination="6000 1234")
    save(page)
    error = page.locator("#options-0 .field-destination .errorlist")
    expect(error).to_have_text(NOT_INTERNATIONAL)
    screenshots.take(page, "mistake-local-number")
    page.locator("#id_options-0-destination").fill("+65 6000 1234")
    # A "go back" shows nothing to fill in: nothing is kept that no call uses.
    page.get_by_role("button", name="Add another Menu option").click()
    fill_option(page, 1, "*", "Back", "back")
    row = page.locator("#options-1")
    expect(row.locator(".field-message")).to_be_hidden()
    expect(row.locator(".field-destination")).to_be_hidden()
    expect(row.locator(".option-nothing-more")).to_be_visible()
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was added")
    saved = page.locator('input[name$="-destination"][value="+6560001234"]')
    expect(saved).to_have_count(1)


def build_main_linked_to_billing(page: Page, screenshots: Screenshots):
    """Keys used twice are said once, in words; then the main menu leads to
    billing."""
    page.goto("/admin/ivr/menu/add/")
    page.get_by_label("Key:", exact=True).fill("main")
    page.get_by_label("Name:", exact=True).fill("Main menu")
    page.get_by_label("Default entry", exact=True).check()
    page.get_by_label("Prompt:", exact=True).fill(MAIN_PROMPT)
    page.get_by_role("button", name="Add another Menu option").click()
    fill_option(page, 0, "1", "Billing", "menu")
    page.locator("#id_options-0-target_menu").select_option(label="Billing (billing)")
    fill_option(page, 1, "1", "", "hangup")
    save(page)
    duplicate = "Key 1 is used by two options: give each option its own key."
    expect(page.locator("#content")).to_contain_text(duplicate)
    assert page.content().count(duplicate) == 1
    screenshots.take(page, "mistake-duplicate-keys")
    page.locator("#id_options-1-digits").fill("0")
    save(page)
    expect(page.locator(".messagelist .success")).to_contain_text("was added")


def mistakes_that_name_the_fix(page: Page, screenshots: Screenshots):
    """Billing cannot also be the default entry (the page names main), nor be
    made inactive while main leads to it (the page links to main's options)."""
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name="billing").first.click()
    page.get_by_label("Default entry", exact=True).check()
    save(page)
    default_error = page.locator(".field-is_default .errorlist")
    expect(default_error).to_contain_text("is already the default entry")
    expect(default_error.get_by_role("link", name="Main menu (main)")).to_be_visible()
    page.get_by_label("Default entry", exact=True).uncheck()
    page.get_by_label("Active", exact=True).uncheck()
    save(page)
    link = page.locator(".errornote, .errorlist").get_by_role(
        "link", name="Menu “main”, option 1"
    )
    expect(link).to_be_visible()
    screenshots.take(page, "mistake-deactivate")
    link.click()
    expect(page).to_have_url(re.compile(r"/admin/ivr/menu/\d+/change/#options-group$"))


def publish_edit_roll_back_discard(page: Page, screenshots: Screenshots):
    """Publish, change the prompt, publish again, roll back: the page asks
    first, then says the draft still holds the change, and one click
    discards it."""
    publish_now(page, "First version")
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name="main", exact=True).click()
    page.get_by_label("Prompt:", exact=True).fill(MAIN_PROMPT + " Thank you.")
    save(page)
    publish_now(page, "Thank the caller")
    page.goto("/admin/ivr/publication/")
    page.locator("#roll-back-link").click()
    expect(page.locator("#content")).to_contain_text("Callers will hear the menus of")
    screenshots.take(page, "roll-back-asks")
    page.locator("#roll-back-button").click()
    expect(page.locator("#rolled-back-in-draft")).to_be_visible()
    page.locator("#discard-link").first.click()
    page.locator("#discard-button").click()
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name="main", exact=True).click()
    expect(page.get_by_label("Prompt:", exact=True)).to_have_value(MAIN_PROMPT)


def publish_now(page: Page, note: str):
    page.goto("/admin/ivr/publication/publish/")
    page.get_by_label("Note").fill(note)
    page.locator("#publish-button").click()
    expect(page.locator("#publishing-status")).to_contain_text("Callers hear version")


def undo_one_edit(page: Page, screenshots: Screenshots):
    """Rename billing, then undo just that change from its History; a past
    version's page is read-only."""
    page.goto("/admin/ivr/menu/")
    page.get_by_role("link", name="billing").first.click()
    page.get_by_label("Name:", exact=True).fill("Billing desk")
    save(page)
    page.get_by_role("link", name="History").click()
    page.locator("a.audit-undo").first.click()
    expect(page.locator("#content")).to_contain_text("Billing desk")
    screenshots.take(page, "undo")
    page.get_by_role("button", name="Undo this change").click()
    page.goto("/admin/ivr/menu/")
    expect(page.locator("#result_list")).to_contain_text("Billing")
    expect(page.locator("#result_list")).not_to_contain_text("Billing desk")
    page.get_by_role("link", name="billing").first.click()
    page.get_by_role("link", name="History").click()
    # The version named "Billing desk", newest but one: read, not edited.
    page.locator("a.audit-version").nth(1).click()
    expect(page.locator("#content")).to_contain_text("Billing desk")
    form = page.locator("#content form")
    expect(form.locator("textarea, input[type=text], select")).to_have_count(0)
    expect(page.get_by_role("button", name="Revert to this version")).to_be_visible()


def find_call_by_local_number(page: Page, base_url: str, payload, screenshots):
    """A call from +65 9123 4567 is found by typing the number as said."""
    body = payload("vca-call-received-inbound")
    body["payload"].update(
        eventId=str(uuid.uuid4()),
        sessionId=str(uuid.uuid4()),
        source="+6591234567",
        destination=OUR_NUMBER,
    )
    status, answer = post_json(
        base_url + CALL_ACTION_PATH, body, {"Authorization": WEBHOOK_SECRET}
    )
    assert status == 200, answer
    page.goto("/admin/ivr/call/")
    page.locator("#searchbar").fill(LOCAL_CALLER)
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("+6591234567")
    screenshots.take(page, "calls-found-by-local-number")


def test_a_new_user_is_stopped_before_each_mistake(
    walk, page, live_server, screenshots, payload
):
    walk.run(create_staff_superuser)
    walk.run(log_in, page, needs=(create_staff_superuser,))
    walk.run(add_editor, page, needs=(log_in,))
    walk.run(log_in_as, page, EDITOR, EDITOR_PASSWORD, needs=(add_editor,))
    editor = (log_in_as,)
    billing = (build_billing_with_a_local_number,)
    main = (build_main_linked_to_billing,)
    walk.run(build_billing_with_a_local_number, page, screenshots, needs=editor)
    walk.run(build_main_linked_to_billing, page, screenshots, needs=billing)
    walk.run(mistakes_that_name_the_fix, page, screenshots, needs=main)
    walk.run(publish_edit_roll_back_discard, page, screenshots, needs=main)
    walk.run(undo_one_edit, page, screenshots, needs=billing)
    walk.run(
        find_call_by_local_number,
        page,
        live_server.url,
        payload,
        screenshots,
        needs=editor,
    )
    walk.check()
