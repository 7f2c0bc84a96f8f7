"""The management commands: ivr_import, ivr_export, ivr_simulate,
ivr_admin_login."""

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ivr.core.decide import DEFAULT_EXHAUSTED_HANGUP
from ivr.core.numbers import NOT_A_NUMBER, NOT_INTERNATIONAL
from ivr.core.simulate import ANSWERED, NOT_ANSWERED, PRESSED_TRANSFER
from ivr.management.commands import ivr_admin_login, ivr_import, ivr_simulate
from ivr.menus.files.export import menu_tree_export
from ivr.menus.files.format import menu_file_dump
from ivr.menus.files.importer import MENU_NOT_FOUND
from ivr.menus.files.schema import NUMBER_READ_AS
from ivr.models import Call, CallEvent, Menu, MenuOption, Number
from tests.menus import DEMO_FILE, MAIN_PROMPT

PROJECT = Path(__file__).parent.parent

SMALL = """\
menus:
  - key: hello
    name: Hello
    prompt: Hello. Press 1 to hear this again.
    options: [{digits: "1", action: repeat}]
"""


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def menu_keys() -> list[str]:
    return sorted(Menu.objects.values_list("key", flat=True))


# --- ivr_import -----------------------------------------------------------------


@pytest.mark.django_db
def test_import_loads_the_demo():
    output = run("ivr_import", str(DEMO_FILE))

    assert output == "Imported 5 menus (5 created, 0 updated), 25 options, 2 numbers.\n"
    assert menu_keys() == ["accounts", "billing", "faults", "main", "payments"]
    assert Menu.objects.get(is_default=True).key == "main"


@pytest.mark.django_db
def test_a_failed_import_exits_with_the_problems_and_changes_nothing(
    menu_tree, tmp_path
):
    before = menu_tree_export(all_fields=True)
    path = tmp_path / "bad.yaml"
    path.write_text(
        SMALL.replace("action: repeat", "action: menu, target: nowhere")
        + 'numbers: [{number: "12", menu: hello}]\n'
    )

    with pytest.raises(CommandError) as caught:
        run("ivr_import", str(path))

    assert str(caught.value).splitlines() == [
        f"Nothing was imported from {path}:",
        # Read with the file, as wrong types are: before the menus it names.
        f'number "12", field "number": {NOT_INTERNATIONAL}',
        'menu "hello", option "1", field "target": '
        + MENU_NOT_FOUND.format(key="nowhere"),
    ]
    assert menu_tree_export(all_fields=True) == before


@pytest.mark.django_db
def test_import_warns_of_each_number_read_as_national(tmp_path, settings):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    path = tmp_path / "national.yaml"
    path.write_text(SMALL + 'numbers: [{number: "3158 1234", menu: hello}]\n')
    err = io.StringIO()

    run("ivr_import", str(path), stderr=err)

    assert Number.objects.get().number == "+6531581234"
    warning = NUMBER_READ_AS.format(
        where='number "3158 1234"',
        field="number",
        typed="3158 1234",
        number="+6531581234",
    )
    assert f"Warning: {warning}" in err.getvalue().splitlines()


@pytest.mark.django_db
def test_a_failed_import_exits_non_zero_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("menus: [")
    command = ivr_import.Command()

    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "ivr_import", str(path)])

    assert exited.value.code == 1
    assert "Nothing was imported from" in capsys.readouterr().err


@pytest.mark.django_db
def test_import_if_empty_loads_a_fresh_database():
    output = run("ivr_import", str(DEMO_FILE), if_empty=True)
    assert output.startswith("Imported 5 menus")


@pytest.mark.django_db
def test_import_if_empty_does_nothing_when_menus_exist(menu_tree):
    before = menu_tree_export(all_fields=True)

    output = run("ivr_import", str(DEMO_FILE), "--if-empty")

    assert output == ivr_import.NOT_EMPTY + "\n"
    assert menu_tree_export(all_fields=True) == before


@pytest.mark.django_db
def test_import_dry_run_changes_nothing():
    output = run("ivr_import", str(DEMO_FILE), "--dry-run")

    assert output == (
        "Dry run: the file is valid and would import 5 menus (5 created, 0 "
        "updated), 25 options, 2 numbers. Nothing was changed.\n"
    )
    assert not Menu.objects.exists()
    assert not Number.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        SMALL,
        json.dumps({"menus": [{"key": "hello", "name": "Hello", "prompt": "Hi."}]}),
    ],
    ids=["yaml", "json"],
)
@pytest.mark.django_db
def test_import_reads_standard_input(monkeypatch, text):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    output = run("ivr_import", "-")

    assert output.startswith("Imported 1 menu (1 created, 0 updated)")
    assert menu_keys() == ["hello"]


@pytest.mark.django_db
def test_import_format_option_overrides_the_file_name(tmp_path):
    path = tmp_path / "menus.txt"
    path.write_text(json.dumps({"menus": []}))
    assert run("ivr_import", str(path), "--format", "json").startswith("Imported 0")


@pytest.mark.django_db
def test_import_of_a_missing_file_says_so(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(CommandError) as caught:
        run("ivr_import", str(path))
    assert str(caught.value).startswith(f"Cannot read {path}: ")


# --- ivr_export -----------------------------------------------------------------


@pytest.mark.django_db
def test_export_prints_yaml_by_default(menu_tree):
    assert run("ivr_export") == menu_file_dump(data=menu_tree_export())


@pytest.mark.django_db
def test_export_prints_json(menu_tree):
    assert json.loads(run("ivr_export", "--format", "json")) == menu_tree_export()


@pytest.mark.parametrize(
    ("file_format", "suffix"), [("yaml", "yaml"), ("json", "json")]
)
@pytest.mark.django_db
def test_export_then_import_round_trips_through_files(tmp_path, file_format, suffix):
    run("ivr_import", str(DEMO_FILE))
    first = run("ivr_export", "--format", file_format, "--all-fields")
    path = tmp_path / f"menus.{suffix}"
    path.write_text(first)
    MenuOption.objects.all().delete()

    run("ivr_import", str(path))

    assert run("ivr_export", "--format", file_format, "--all-fields") == first


# --- ivr_simulate ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "typed", "problem"),
    [
        ("number", "6531581234", NOT_INTERNATIONAL),  # not +6531581234 by guess
        ("number", "3158 1234", NOT_INTERNATIONAL),  # not +31581234 (Netherlands)
        ("caller", "9123 4567", NOT_INTERNATIONAL),
        ("caller", "a friend", NOT_A_NUMBER),
    ],
)
@pytest.mark.django_db
def test_simulate_refuses_a_number_not_in_international_form(
    menu_tree, option, typed, problem
):
    numbers = {"number": "+6531581234", "caller": "+6591234567", option: typed}

    with pytest.raises(CommandError) as caught:
        run("ivr_simulate", *(f"--{name}={value}" for name, value in numbers.items()))

    assert str(caught.value) == ivr_simulate.NUMBER_REFUSED.format(
        option=option, typed=typed, problem=problem
    )


@pytest.mark.django_db
def test_simulate_reads_national_numbers_with_a_default_country(menu_tree, settings):
    settings.IVR_DEFAULT_COUNTRY = "SG"
    err = io.StringIO()

    output = run(
        "ivr_simulate", "--number", "3158 1234", "--caller", "+65 9123 4567", stderr=err
    )

    assert output.splitlines()[0] == "Call from +6591234567 to +6531581234"
    assert err.getvalue().splitlines() == [
        ivr_simulate.NUMBER_READ_AS.format(
            option="number", typed="3158 1234", number="+6531581234", country="SG"
        )
    ]


def simulate(*presses: str, number: str = "+6531581234") -> str:
    args = ["ivr_simulate", "--number", number]
    for press in presses:
        args += ["--press", press]
    return run(*args)


def simulate_json(*presses: str, number: str = "+6531581234") -> list[dict]:
    args = ["ivr_simulate", "--number", number, "--json"]
    for press in presses:
        args += ["--press", press]
    return json.loads(run(*args))


def actions_of(response: dict) -> list[str]:
    return [action["action"] for action in response["callflow"]]


@pytest.mark.django_db
def test_simulate_follows_the_client_action_id_to_a_transfer(menu_tree):
    responses = simulate_json("1", "1")

    assert [r["clientActionId"] for r in responses] == [
        "main",
        "sales__bmain",
        "sales__bmain__t1",
    ]
    assert responses[2]["callflow"] == [
        {
            "action": "makeCall",
            "params": {"source": "+6531580000", "destination": "+6560002222"},
        }
    ]


@pytest.mark.django_db
def test_simulate_follows_a_transfer_that_is_not_answered(menu_tree):
    output = simulate("2", "not-answered", "2", "answered")
    lines = [line.strip() for line in output.splitlines()]

    assert f"3. {PRESSED_TRANSFER[NOT_ANSWERED]}" in lines
    assert "[menu main, option 2: transfer_failed]" in lines
    assert 'Caller hears: "Sorry, nobody could take your call."' in lines
    assert f"5. {PRESSED_TRANSFER[ANSWERED]}" in lines
    assert "[menu main: call_ended]" in lines
    assert lines[-1] == ivr_simulate.CALL_HUNG_UP


@pytest.mark.django_db
def test_simulate_says_how_to_follow_a_transfer(menu_tree):
    lines = simulate("2").splitlines()

    assert lines[-2:] == [ivr_simulate.CALL_TRANSFERRED, ivr_simulate.FOLLOW_TRANSFER]


@pytest.mark.django_db
def test_simulate_answers_as_the_webhook_does(menu_tree, webhook_client, payload):
    simulated = simulate_json()
    assert not CallEvent.objects.exists()

    answered = webhook_client.call_action(payload("vca-call-received-inbound"))

    assert simulated == [answered.json()]


@pytest.mark.django_db
def test_simulate_prints_what_the_caller_hears_step_by_step(menu_tree):
    output = simulate("none", "2", "9")
    lines = [line.strip() for line in output.splitlines()]

    assert lines[0] == "Call from +6591234567 to +6531581234"
    assert "1. The call comes in (CALL_RECEIVED)." in lines
    assert (f'Caller hears: "{MAIN_PROMPT}"') in lines
    assert "2. Caller presses nothing." in lines
    assert "[menu main: no_input]" in lines
    assert 'Caller hears: "Sorry, we did not hear your choice."' in lines
    assert "3. Caller presses 2." in lines
    assert (
        "Caller is transferred to +6560001111 (recorded), who sees the call "
        "from +6531581234."
    ) in lines
    assert lines[-2:] == [
        ivr_simulate.CALL_TRANSFERRED,
        ivr_simulate.PRESSES_UNUSED.format(presses="9"),
    ]
    # The JSON sent to 8x8, indented for reading: each step's is complete.
    assert output.count('"clientActionId": "main"') == 1
    assert '"callRecording": true' in output


@pytest.mark.django_db
def test_simulate_shows_files_messages_and_hang_ups(menu_tree):
    output = simulate("4", "3")
    lines = [line.strip() for line in output.splitlines()]

    assert "Caller hears: plays https://example.com/hours.mp3" in lines
    assert 'Caller hears: "Our office is closed. Goodbye."' in lines
    assert "Call hangs up." in lines
    assert lines[-1] == ivr_simulate.CALL_HUNG_UP


@pytest.mark.django_db
def test_simulate_runs_out_of_retries(menu_tree):
    responses = simulate_json("", "x", "none")

    assert [actions_of(r) for r in responses] == [
        ["sayAndCapture"],
        ["say", "sayAndCapture"],
        ["say", "sayAndCapture"],
        ["say", "hangup"],
    ]
    assert responses[-1]["callflow"][0]["params"]["text"] == DEFAULT_EXHAUSTED_HANGUP


@pytest.mark.django_db
def test_simulate_says_when_the_presses_run_out_before_the_call_ends(menu_tree):
    output = simulate("1")
    assert output.splitlines()[-1] == ivr_simulate.STILL_WAITING.format(menu="sales")


@pytest.mark.django_db
def test_simulate_writes_nothing(menu_tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        simulate("1", "1")
    assert not CallEvent.objects.exists()
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_simulate_walks_the_demo_from_the_faults_hotline():
    run("ivr_import", str(DEMO_FILE))

    responses = simulate_json("77", number="+6531585678")

    capture = responses[0]["callflow"][0]["params"]
    assert (capture["minDigits"], capture["maxDigits"]) == (1, 2)
    assert capture["completeOnHash"] is True
    assert responses[1]["callflow"][-1]["params"]["destination"] == "+6560002999"


# --- ivr_admin_login ------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_creates_an_admin_once():
    output = run("ivr_admin_login")

    match = re.fullmatch(
        r"Admin login: http://127\.0\.0\.1:8000/admin/  user: admin  "
        r"password: (\S{16,})\n",
        output,
    )
    assert match, output
    admin = get_user_model().objects.get()
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(match.group(1))

    again = run("ivr_admin_login")

    assert again == (
        ivr_admin_login.EXISTS.format(url=ivr_admin_login.ADMIN_URL, username="admin")
        + "\n"
    )
    assert get_user_model().objects.get().check_password(match.group(1))


@pytest.mark.django_db
def test_admin_login_leaves_an_existing_superuser_alone(django_user_model):
    django_user_model.objects.create_superuser("boss", "", "secret-password")

    output = run("ivr_admin_login")

    assert output == (
        ivr_admin_login.EXISTS.format(url=ivr_admin_login.ADMIN_URL, username="boss")
        + "\n"
    )
    assert django_user_model.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("existing", [False, True], ids=["new login", "existing"])
def test_admin_login_prints_the_address_it_is_given(django_user_model, existing):
    if existing:
        django_user_model.objects.create_superuser("boss", "", "secret-password")

    output = run("ivr_admin_login", "--url", "http://127.0.0.1:8001/admin/")

    assert "http://127.0.0.1:8001/admin/" in output
    assert "8000" not in output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("port", ["8000", "8001"])
def test_make_run_prints_the_admin_address_it_serves(port):
    # `make -n` prints the commands without running them.
    commands = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert f"ivr_admin_login --url http://127.0.0.1:{port}/admin/" in commands
    assert f"runserver 127.0.0.1:{port}" in commands


@pytest.mark.django_db
def test_admin_login_will_not_take_over_an_ordinary_user(django_user_model):
    django_user_model.objects.create_user("admin", "", "secret-password")

    with pytest.raises(CommandError) as caught:
        run("ivr_admin_login")

    assert str(caught.value) == ivr_admin_login.NAME_TAKEN.format(username="admin")
    assert not django_user_model.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_import_shows_its_progress_on_stderr():
    errors = io.StringIO()
    output = run("ivr_import", str(DEMO_FILE), stderr=errors)
    assert "Importing menus: 5/5 (100%)" in errors.getvalue()
    assert "Importing" not in output  # stdout stays the summary alone
