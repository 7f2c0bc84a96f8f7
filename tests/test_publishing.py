"""Staged publishing: callers hear a published version, calls in progress
keep theirs, and a rollback is one action."""

import io
import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from ivr.core.state import decode_state
from ivr.menu_cache import menus
from ivr.models import Menu, MenuOption, Publication
from ivr.publishing import (
    NOTHING_TO_ROLL_BACK_TO,
    PublishingError,
    draft_changes,
    menus_publish,
    menus_roll_back,
)
from ivr.roles import EDITORS, VIEWERS

pytestmark = pytest.mark.django_db

CHANGED_PROMPT = "Welcome. This prompt is new."
_event_ids = itertools.count()


def call_received(payload, session="call-a"):
    body = payload("vca-call-received-inbound")
    body["payload"]["eventId"] = f"event-{next(_event_ids)}"
    body["payload"]["sessionId"] = session
    return body


def keys_pressed(payload, digits, client_action_id, session="call-a"):
    body = payload("vca-action-completed")
    body["payload"].update(
        eventId=f"event-{next(_event_ids)}",
        sessionId=session,
        clientActionId=client_action_id,
        eventData={"dtmf": digits},
    )
    return body


def prompt_heard(response) -> str:
    """The text of the first thing the caller hears."""
    action = response.json()["callflow"][0]
    return action["params"].get("promptMessage") or action["params"].get("text")


def change_main_prompt(text=CHANGED_PROMPT):
    Menu.objects.filter(key="main").update(prompt=text)
    # .update() sends no signal: save() one row, as the admin does.
    Menu.objects.get(key="main").save()


# --- Before anything is published ------------------------------------------------


def test_before_any_publication_a_saved_menu_is_live(
    menu_tree, webhook_client, payload
):
    change_main_prompt()
    response = webhook_client.call_action(call_received(payload))
    assert prompt_heard(response) == CHANGED_PROMPT
    assert response.json()["clientActionId"] == "main"  # no version to keep


# --- Publishing ------------------------------------------------------------------


def test_after_publishing_saved_edits_wait_for_the_next_publication(
    menu_tree, webhook_client, payload
):
    original = menu_tree["main"].prompt
    menus_publish(note="first")
    change_main_prompt()

    waiting = webhook_client.call_action(call_received(payload, "before"))
    assert prompt_heard(waiting) == original

    menus_publish(note="new prompt")
    live = webhook_client.call_action(call_received(payload, "after"))
    assert prompt_heard(live) == CHANGED_PROMPT


def test_each_answer_names_its_version(menu_tree, webhook_client, payload):
    first = menus_publish()
    answer = webhook_client.call_action(call_received(payload)).json()
    assert answer["clientActionId"] == f"main__v{first.pk}"
    assert decode_state(answer["clientActionId"]).version == first.pk


def test_a_call_in_progress_keeps_the_version_it_started_with(
    menu_tree, webhook_client, payload
):
    menus_publish()
    started = webhook_client.call_action(call_received(payload)).json()
    # Meanwhile option 1 of main is changed to hang up, and published.
    MenuOption.objects.filter(menu__key="main", digits="1").update(
        action="hangup", target_menu=None
    )
    MenuOption.objects.get(menu__key="main", digits="1").save()
    second = menus_publish()

    same_call = webhook_client.call_action(
        keys_pressed(payload, "1", started["clientActionId"])
    ).json()
    assert same_call["clientActionId"].startswith("sales__")  # the old option 1
    assert decode_state(same_call["clientActionId"]).version == second.pk - 1

    new_call = webhook_client.call_action(call_received(payload, "call-b")).json()
    pressed = webhook_client.call_action(
        keys_pressed(payload, "1", new_call["clientActionId"], "call-b")
    ).json()
    assert [a["action"] for a in pressed["callflow"]] == ["say", "hangup"]


def test_an_unknown_version_is_answered_with_the_live_menus(
    menu_tree, webhook_client, payload
):
    live = menus_publish()
    answer = webhook_client.call_action(keys_pressed(payload, "1", "main__v999")).json()
    assert answer["clientActionId"] == f"sales__bmain__v{live.pk}"


def test_publishing_needs_menus(db):
    with pytest.raises(PublishingError):
        menus_publish()


def test_draft_changes_name_the_menus_that_differ(menu_tree):
    assert draft_changes().added == ["main", "sales", "support"]
    menus_publish()
    assert not draft_changes()

    change_main_prompt()
    Menu.objects.create(key="new", name="New", prompt="New.")
    menu_tree["support"].delete()

    changes = draft_changes()
    assert (changes.added, changes.changed, changes.removed) == (
        ["new"],
        ["main"],
        ["support"],
    )


# --- Rolling back ----------------------------------------------------------------


def test_a_rollback_publishes_the_previous_version_again(
    menu_tree, webhook_client, payload
):
    original = menu_tree["main"].prompt
    first = menus_publish()
    change_main_prompt()
    menus_publish()

    rolled_back = menus_roll_back()

    assert rolled_back.restored_from == first
    assert rolled_back.pk > first.pk  # versions only go up
    response = webhook_client.call_action(call_received(payload))
    assert prompt_heard(response) == original
    # The draft is left as saved.
    assert Menu.objects.get(key="main").prompt == CHANGED_PROMPT


def test_there_is_nothing_to_roll_back_to_after_one_publication(menu_tree):
    menus_publish()
    with pytest.raises(PublishingError, match=NOTHING_TO_ROLL_BACK_TO):
        menus_roll_back()


# --- Query budget ----------------------------------------------------------------


@pytest.fixture
def warm_published(menu_tree, webhook_client, payload):
    publication = menus_publish()
    webhook_client.call_action(call_received(payload, "warm"))
    return publication


STORE = {"postgresql": 1, "sqlite": 5}


def test_a_published_call_costs_one_statement(
    warm_published, webhook_client, payload, django_assert_num_queries
):
    cid = f"main__v{warm_published.pk}"
    with django_assert_num_queries(STORE[connection.vendor]):
        webhook_client.call_action(keys_pressed(payload, "1", cid))


def test_an_earlier_version_is_read_once_per_process(
    warm_published, webhook_client, payload, django_assert_num_queries
):
    old = f"main__v{warm_published.pk}"
    menus_publish()
    webhook_client.call_action(call_received(payload, "reload"))  # new live
    with django_assert_num_queries(STORE[connection.vendor] + 1):
        webhook_client.call_action(keys_pressed(payload, "1", old, "old-1"))
    with django_assert_num_queries(STORE[connection.vendor]):
        webhook_client.call_action(keys_pressed(payload, "1", old, "old-2"))


def test_every_process_hears_a_publication_on_its_next_call(
    menu_tree, webhook_client, payload
):
    menus_publish()
    webhook_client.call_action(call_received(payload, "warm"))
    assert menus.snapshot().version == Publication.objects.get().pk
    change_main_prompt()
    newer = menus_publish()
    # This process still holds the older version in memory; the store
    # statement tells it that the menus changed.
    response = webhook_client.call_action(call_received(payload, "next"))
    assert prompt_heard(response) == CHANGED_PROMPT
    assert menus.snapshot().version == newer.pk


# --- The admin -------------------------------------------------------------------


def staff(django_user_model, role):
    user = django_user_model.objects.create_user(
        username=role, password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def test_an_editor_publishes_from_the_admin(client, django_user_model, menu_tree):
    client.force_login(staff(django_user_model, EDITORS))
    page = client.get(reverse("admin:ivr_publication_publish"))
    assert page.status_code == 200
    assert "New menu <strong>main</strong>" in page.content.decode()

    response = client.post(
        reverse("admin:ivr_publication_publish"), {"note": "launch"}, follow=True
    )

    publication = Publication.objects.get()
    assert publication.note == "launch"
    assert publication.published_by.username == EDITORS
    assert f"Version {publication.pk} is live" in response.content.decode()


def test_the_menu_list_says_when_saved_edits_are_not_live(admin_client, menu_tree):
    menus_publish()
    change_main_prompt()
    page = admin_client.get(reverse("admin:ivr_menu_changelist")).content.decode()
    assert "Saved but not yet published: main" in page


def test_rollback_is_one_button_on_the_versions_list(admin_client, menu_tree):
    first = menus_publish()
    change_main_prompt()
    menus_publish()
    page = admin_client.get(reverse("admin:ivr_publication_changelist"))
    assert f"Roll back to version {first.pk}" in page.content.decode()

    admin_client.post(reverse("admin:ivr_publication_roll_back", args=[first.pk]))

    assert Publication.objects.order_by("-id").first().restored_from == first


def test_a_viewer_can_neither_publish_nor_roll_back(
    client, django_user_model, menu_tree
):
    first = menus_publish()
    client.force_login(staff(django_user_model, VIEWERS))
    assert client.get(reverse("admin:ivr_publication_changelist")).status_code == 200
    assert client.post(reverse("admin:ivr_publication_publish")).status_code == 403
    roll_back = reverse("admin:ivr_publication_roll_back", args=[first.pk])
    assert client.post(roll_back).status_code == 403
    assert Publication.objects.count() == 1


def test_published_versions_cannot_be_edited_or_deleted(admin_client, menu_tree):
    publication = menus_publish()
    change = reverse("admin:ivr_publication_change", args=[publication.pk])
    delete = reverse("admin:ivr_publication_delete", args=[publication.pk])
    assert admin_client.post(change, {"note": "edited"}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Publication.objects.get().note == ""


def break_a_live_path(menu_tree):
    """Option 5 of main leads to "support", which is inactive (saved through
    the ORM: the admin would refuse it)."""
    MenuOption.objects.create(
        menu=menu_tree["main"],
        digits="5",
        action="menu",
        target_menu=menu_tree["support"],
    )


def test_menus_that_would_break_a_call_are_not_published(menu_tree):
    break_a_live_path(menu_tree)
    with pytest.raises(PublishingError, match="option 5: Goes to menu “support”"):
        menus_publish()
    assert not Publication.objects.exists()


def test_the_publish_page_shows_the_checks_and_refuses_blocking_ones(
    admin_client, menu_tree
):
    break_a_live_path(menu_tree)
    url = reverse("admin:ivr_publication_publish")
    page = admin_client.get(url).content.decode()
    assert 'class="error">Menu “main”, option 5' in page

    response = admin_client.post(url, {"note": "oops"}, follow=True)

    assert "Not published, these would break live calls" in response.content.decode()
    assert not Publication.objects.exists()


# --- Importing ---------------------------------------------------------------------

DEMO = "examples/demo.yaml"


def test_an_import_can_publish_in_the_same_step(db):
    out = io.StringIO()
    call_command("ivr_import", DEMO, "--publish", stdout=out)
    publication = Publication.objects.get()
    assert f"Published as version {publication.pk}." in out.getvalue()
    assert publication.note == "Imported demo.yaml"
    assert not draft_changes()


def test_an_import_that_cannot_be_published_imports_nothing(menu_tree, tmp_path):
    # Sales leads to the inactive support menu; the demo file leaves sales
    # alone, so publishing after the import refuses.
    MenuOption.objects.create(
        menu=menu_tree["sales"],
        digits="5",
        action="menu",
        target_menu=menu_tree["support"],
    )
    before = Menu.objects.count()
    with pytest.raises(CommandError, match="would break live calls"):
        call_command("ivr_import", DEMO, "--publish", stdout=io.StringIO())
    assert Menu.objects.count() == before
    assert not Publication.objects.exists()


# --- Versions this code cannot read ---------------------------------------------------


def test_a_version_written_by_older_code_still_loads(
    menu_tree, webhook_client, payload
):
    publication = menus_publish()
    snapshot = publication.snapshot
    for menu in snapshot["menus"]:
        menu["a_field_since_dropped"] = "x"
        for option in menu["options"]:
            option["another_dropped_field"] = 1
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)

    answer = webhook_client.call_action(call_received(payload)).json()
    assert answer["clientActionId"] == f"main__v{publication.pk}"


def test_an_unreadable_live_version_leaves_callers_on_the_last_good_menus(
    menu_tree, webhook_client, payload
):
    good = menus_publish()
    webhook_client.call_action(call_received(payload, "warm"))
    Publication.objects.create(snapshot={"menus": "not menus"})
    Menu.objects.get(key="main").save()  # the version token changes

    response = webhook_client.call_action(call_received(payload, "next"))

    assert response.status_code == 200
    assert response.json()["clientActionId"] == f"main__v{good.pk}"


def test_an_unreadable_earlier_version_is_answered_with_the_live_menus(
    menu_tree, webhook_client, payload
):
    broken = Publication.objects.create(snapshot={"menus": [{"key": "main"}]})
    live = menus_publish()
    response = webhook_client.call_action(
        keys_pressed(payload, "1", f"main__v{broken.pk}")
    )
    assert response.status_code == 200
    assert response.json()["clientActionId"] == f"sales__bmain__v{live.pk}"
