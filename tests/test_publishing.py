"""Staged publishing: callers hear a published version, calls in progress
keep theirs; a rollback asks first and never ships again, unasked, what it
took back; the draft can be discarded; every page says it in plain words."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from ivr.admin.publishing import NOTHING_PUBLISHED_YET, ROLL_BACK_TO, UNDO_ROLL_BACK
from ivr.core.changes import snapshots_equal
from ivr.core.snapshot import IvrSnapshot
from ivr.core.state import decode_state
from ivr.menus import publishing
from ivr.menus.publishing import (
    DISCARDED_REASON,
    NO_DRAFT,
    NOTHING_PUBLISHED,
    NOTHING_TO_ROLL_BACK_TO,
    UNREADABLE,
    PublishingError,
    RolledBackChangesInDraft,
    draft_changes,
    menus_discard_draft,
    menus_publish,
    menus_roll_back,
    publication_snapshot,
)
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.models import Menu, MenuOption, Number, Publication
from ivr.resilience.menu_cache import menus
from ivr.roles import EDITORS, VIEWERS
from tests.numbering import next_number

pytestmark = pytest.mark.django_db

CHANGED_PROMPT = "Welcome. This prompt is new."


def call_received(payload, session="call-a"):
    body = payload("vca-call-received-inbound")
    body["payload"]["eventId"] = f"event-{next_number('publishing events')}"
    body["payload"]["sessionId"] = session
    return body


def keys_pressed(payload, digits, client_action_id, session="call-a"):
    body = payload("vca-action-completed")
    body["payload"].update(
        eventId=f"event-{next_number('publishing events')}",
        sessionId=session,
        clientActionId=client_action_id,
        eventData={"dtmf": digits},
    )
    return body


def said(response) -> str:
    """The page's HTML with its white space collapsed, as a browser shows it."""
    return " ".join(response.content.decode().split())


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
    assert (
        "<strong>Main menu</strong>: new menu (key “main”), 7 options"
        in page.content.decode()
    )

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


def test_a_rollback_asks_first_saying_what_it_does(admin_client, menu_tree):
    first = menus_publish()
    change_main_prompt()
    second = menus_publish()
    roll_back = reverse("admin:ivr_publication_roll_back", args=[first.pk])

    listed = admin_client.get(reverse("admin:ivr_publication_changelist"))
    # A link to a page that asks, not a button that does it at once.
    assert f'href="{roll_back}" id="roll-back-link"' in listed.content.decode()
    assert f'action="{roll_back}"' not in listed.content.decode()
    assert ROLL_BACK_TO.format(version=first.pk) in listed.content.decode()

    page = said(admin_client.get(roll_back))
    assert not Publication.objects.filter(pk__gt=second.pk).exists()
    assert f"Callers will hear the menus of version {first.pk} again" in page
    assert f"published as version {second.pk + 1}, from the next call" in page
    assert f'value="Publish the menus of version {first.pk} as version ' in page
    assert f"<strong>Main menu</strong>: prompt: “{CHANGED_PROMPT}” →" in page
    assert "Your saved edits stay as a draft" in page

    admin_client.post(roll_back)

    assert Publication.objects.order_by("-id").first().restored_from == first


def test_after_a_rollback_going_to_the_version_before_says_it_undoes_it(
    admin_client, menu_tree
):
    first = menus_publish()
    change_main_prompt()
    second = menus_publish()
    menus_roll_back(to=first)

    listed = admin_client.get(reverse("admin:ivr_publication_changelist"))
    page = admin_client.get(
        reverse("admin:ivr_publication_roll_back", args=[second.pk])
    ).content.decode()

    assert UNDO_ROLL_BACK.format(version=second.pk) in listed.content.decode()
    assert "Roll back to version" not in listed.content.decode()
    assert 'id="undoes-rollback"' in page


def test_rolling_back_to_the_menus_callers_hear_is_refused(admin_client, menu_tree):
    first = menus_publish()
    change_main_prompt()
    menus_publish()
    again = menus_roll_back(to=first)  # callers hear version 1's menus

    with pytest.raises(PublishingError, match="already hear the menus of version"):
        menus_roll_back(to=first)
    page = admin_client.get(reverse("admin:ivr_publication_roll_back", args=[again.pk]))

    assert "there is nothing to roll back" in page.content.decode()
    assert 'id="roll-back-button"' not in page.content.decode()
    assert Publication.objects.order_by("-id").first() == again


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


def test_an_import_does_not_publish_a_rolled_back_change_unasked(menu_tree):
    # The rolled-back change is in sales, which the demo file leaves alone.
    first = menus_publish()
    sales = menu_tree["sales"]
    sales.prompt = CHANGED_PROMPT
    sales.save()
    menus_publish()
    live = menus_roll_back(to=first)

    with pytest.raises(CommandError, match="still hold what version"):
        call_command("ivr_import", DEMO, "--publish", stdout=io.StringIO())

    assert Publication.objects.order_by("-id").first() == live
    assert not Menu.objects.filter(key="billing").exists()


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


# --- Discarding the draft ------------------------------------------------------------


def published_menus(publication) -> IvrSnapshot:
    return publication_snapshot(publication.pk, publication.snapshot)


def test_discarding_the_draft_makes_the_saved_menus_exactly_the_live_ones(menu_tree):
    live = menus_publish()
    main, sales = menu_tree["main"], menu_tree["sales"]
    # Every kind of edit since: a prompt, an option changed, one added and
    # one deleted, two options' keys swapped, a new menu, a deleted one, a
    # number moved, a number added, the default entry moved.
    change_main_prompt()
    option = MenuOption.objects.get(menu=main, digits="2")
    option.action, option.destination, option.target_menu = "menu", "", sales
    option.save()
    MenuOption.objects.create(menu=sales, digits="7", action="hangup")
    MenuOption.objects.get(menu=main, digits="9").delete()
    swap_option_keys(main, "3", "0")
    extra = Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    MenuOption.objects.create(menu=extra, digits="1", action="menu", target_menu=main)
    extra.exhausted_menu, extra.on_exhausted = sales, "menu"
    extra.save()
    support_id = menu_tree["support"].pk
    menu_tree["support"].delete()
    number = Number.objects.get()
    number.menu = extra
    number.save()
    Number.objects.create(number="+6531589999", menu=sales)
    main.is_default = False
    main.save()
    sales.is_default = True
    sales.save()
    assert draft_changes()

    discarded, written = menus_discard_draft()

    assert discarded == live
    assert written > 0
    assert snapshots_equal(ivr_snapshot_from_database(), published_menus(live))
    assert not draft_changes()
    assert Menu.objects.get(key="support").pk == support_id
    assert not Menu.objects.filter(key="extra").exists()


def swap_option_keys(menu, first, second):
    one = MenuOption.objects.get(menu=menu, digits=first)
    other = MenuOption.objects.get(menu=menu, digits=second)
    MenuOption.objects.filter(pk=one.pk).update(digits="~")
    other.digits = first
    other.save()
    one.digits = second
    one.save()


def test_a_menu_deleted_since_comes_back_with_its_options_and_history(menu_tree):
    live = menus_publish()
    sales_id = menu_tree["sales"].pk
    # Nothing may lead to sales when it is deleted: main's option 1 hangs up.
    option = MenuOption.objects.get(menu=menu_tree["main"], digits="1")
    option.action, option.target_menu = "hangup", None
    option.save()
    menu_tree["sales"].delete()

    menus_discard_draft()

    restored = Menu.objects.get(key="sales")
    assert restored.pk == sales_id  # its audit history goes on
    assert MenuOption.objects.get(menu=menu_tree["main"], digits="1").target_menu == (
        restored
    )
    assert restored.options.count() == 3
    assert snapshots_equal(ivr_snapshot_from_database(), published_menus(live))
    reason = DISCARDED_REASON.format(version=live.pk)
    assert Menu.history.filter(id=sales_id, history_change_reason=reason).exists()


def test_the_history_names_who_discarded_the_draft(django_user_model, menu_tree):
    menus_publish()
    Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    user = django_user_model.objects.create_user(username="ops")

    menus_discard_draft(user=user)

    deleted = Menu.history.get(key="extra", history_type="-")
    assert deleted.history_user == user


def test_a_menu_renamed_since_gets_its_key_back_in_place(menu_tree):
    live = menus_publish()
    sales = menu_tree["sales"]
    sales.key = "sales-team"
    sales.save()

    menus_discard_draft()

    assert Menu.objects.get(key="sales").pk == sales.pk
    assert not Menu.objects.filter(key="sales-team").exists()
    assert snapshots_equal(ivr_snapshot_from_database(), published_menus(live))


def test_a_number_deleted_since_comes_back_with_its_label(menu_tree):
    menus_publish()
    number = Number.objects.get()
    number.label = "Front desk"
    number.save()
    menus_publish()
    number_id = number.pk
    number.delete()

    menus_discard_draft()

    restored = Number.objects.get()
    assert (restored.pk, restored.label) == (number_id, "Front desk")


def test_there_is_no_draft_to_discard_before_publishing_or_when_saved_is_live(
    menu_tree,
):
    with pytest.raises(PublishingError, match=NOTHING_PUBLISHED):
        menus_discard_draft()
    live = menus_publish()
    with pytest.raises(PublishingError, match=NO_DRAFT.format(version=live.pk)):
        menus_discard_draft()


def test_a_discard_that_would_not_give_the_live_menus_changes_nothing(
    menu_tree, monkeypatch
):
    live = menus_publish()
    change_main_prompt()
    Menu.objects.create(key="extra", name="Extra", prompt="Extra.")
    # A restore that forgets the prompt: the check after it must notice.
    monkeypatch.setattr(
        publishing,
        "MENU_ATTRIBUTES",
        tuple(pair for pair in publishing.MENU_ATTRIBUTES if pair[0] != "prompt"),
    )

    with pytest.raises(PublishingError, match="Nothing was discarded"):
        menus_discard_draft()

    assert Menu.objects.get(key="main").prompt == CHANGED_PROMPT
    assert Menu.objects.filter(key="extra").exists()
    assert not Menu.history.filter(
        history_change_reason=DISCARDED_REASON.format(version=live.pk)
    ).exists()


def test_an_editor_discards_the_draft_after_confirming(
    client, django_user_model, menu_tree
):
    live = menus_publish()
    change_main_prompt()
    user = staff(django_user_model, EDITORS)
    client.force_login(user)
    url = reverse("admin:ivr_publication_discard")

    page = said(client.get(url))
    assert Menu.objects.get(key="main").prompt == CHANGED_PROMPT  # asked first
    assert f"<strong>Main menu</strong>: prompt: “{CHANGED_PROMPT}” →" in page
    assert f'value="Discard the draft: back to version {live.pk}"' in page

    response = client.post(url, follow=True)

    assert Menu.objects.get(key="main").prompt != CHANGED_PROMPT
    assert "Draft discarded" in said(response)
    row = Menu.history.filter(key="main").latest("history_date")
    assert row.history_user == user
    assert row.history_change_reason == DISCARDED_REASON.format(version=live.pk)


def test_a_viewer_cannot_discard_the_draft(client, django_user_model, menu_tree):
    menus_publish()
    change_main_prompt()
    client.force_login(staff(django_user_model, VIEWERS))
    url = reverse("admin:ivr_publication_discard")
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Menu.objects.get(key="main").prompt == CHANGED_PROMPT


# --- After a rollback, the draft ----------------------------------------------------


def rolled_back_prompt(menu_tree):
    """Version 1, version 2 with a new prompt, then the rollback to 1 (as
    version 3): the draft still holds the new prompt."""
    first = menus_publish()
    change_main_prompt()
    menus_publish()
    return menus_roll_back(to=first)


def test_the_next_publication_does_not_ship_the_rolled_back_change_unasked(
    menu_tree,
):
    live = rolled_back_prompt(menu_tree)
    # An unrelated edit since does not make the rolled-back one chosen.
    MenuOption.objects.create(menu=menu_tree["sales"], digits="7", action="hangup")

    with pytest.raises(RolledBackChangesInDraft, match="prompt") as refused:
        menus_publish()

    assert [change.menu for change in refused.value.changes] == ["main"]
    assert Publication.objects.order_by("-id").first() == live
    chosen = menus_publish(republish_rolled_back=True)
    assert published_menus(chosen).menus["main"].prompt == CHANGED_PROMPT


def test_after_discarding_the_draft_the_next_publication_ships_only_new_edits(
    menu_tree,
):
    rolled_back_prompt(menu_tree)
    menus_discard_draft()
    MenuOption.objects.create(menu=menu_tree["sales"], digits="7", action="hangup")

    published = published_menus(menus_publish())

    assert published.menus["main"].prompt == menu_tree["main"].prompt
    assert published.menus["sales"].option_for("7") is not None


def test_the_publish_page_marks_the_rolled_back_change_and_asks(
    admin_client, menu_tree
):
    live = rolled_back_prompt(menu_tree)
    url = reverse("admin:ivr_publication_publish")

    page = said(admin_client.get(url))
    assert (
        f'<li class="rolled-back"><strong>Main menu</strong>: prompt: '
        f"“{menu_tree['main'].prompt}” → “{CHANGED_PROMPT}” "
        f'<strong class="rolled-back-mark">(rolled back in version {live.pk})'
    ) in page
    assert 'name="republish_rolled_back"' in page
    assert reverse("admin:ivr_publication_discard") in page

    refused = admin_client.post(url, {"note": "oops"}, follow=True)
    assert "Not published: the saved menus still hold what version" in said(refused)
    assert Publication.objects.order_by("-id").first() == live

    admin_client.post(url, {"note": "on purpose", "republish_rolled_back": "1"})
    assert Publication.objects.order_by("-id").first().note == "on purpose"


def test_the_menu_pages_say_the_draft_holds_the_rolled_back_change(
    admin_client, menu_tree
):
    live = rolled_back_prompt(menu_tree)
    for url in (
        reverse("admin:ivr_menu_changelist"),
        reverse("admin:ivr_menu_change", args=[menu_tree["sales"].pk]),
    ):
        page = said(admin_client.get(url))
        assert f"Callers hear version {live.pk}, the menus of version" in page
        assert "The saved menus (the draft) still hold what was rolled back" in page
        assert f'<a href="{reverse("admin:ivr_publication_discard")}">' in page


def test_a_rollback_can_discard_the_draft_too(admin_client, menu_tree):
    first = menus_publish()
    change_main_prompt()
    menus_publish()

    admin_client.post(
        reverse("admin:ivr_publication_roll_back", args=[first.pk]),
        {"discard_draft": "1"},
    )

    live = Publication.objects.order_by("-id").first()
    assert live.restored_from == first
    assert Menu.objects.get(key="main").prompt == menu_tree["main"].prompt
    assert not draft_changes()
    assert Menu.history.filter(
        history_change_reason=DISCARDED_REASON.format(version=live.pk)
    ).exists()


# --- Before anything is published: the menu pages say so ------------------------------


@pytest.mark.parametrize(
    ("role", "link"), [(EDITORS, "publish"), (VIEWERS, "changelist")]
)
def test_before_publishing_every_menu_page_says_saves_reach_callers(
    client, django_user_model, menu_tree, role, link
):
    client.force_login(staff(django_user_model, role))
    for url in (
        reverse("admin:ivr_menu_changelist"),
        reverse("admin:ivr_menu_change", args=[menu_tree["main"].pk]),
    ):
        page = said(client.get(url))
        assert NOTHING_PUBLISHED_YET in page
        assert f'<a href="{reverse(f"admin:ivr_publication_{link}")}">' in page

    menus_publish()
    assert NOTHING_PUBLISHED_YET not in said(
        client.get(reverse("admin:ivr_menu_changelist"))
    )


# --- The publish page and a version's page, in plain words --------------------------


def test_the_publish_page_shows_each_change_field_by_field(admin_client, menu_tree):
    menus_publish()
    change_main_prompt()
    option = MenuOption.objects.get(menu=menu_tree["main"], digits="2")
    option.action, option.destination = "menu", ""
    option.target_menu = menu_tree["sales"]
    option.save()

    page = said(admin_client.get(reverse("admin:ivr_publication_publish")))

    assert (
        "<strong>Main menu, option 2</strong>: transfer to +6560001111 → "
        "go to menu Sales</li>"
    ) in page
    assert f"<strong>Main menu</strong>: prompt: “{menu_tree['main'].prompt}” →" in page


def test_a_version_page_shows_its_menus_in_words_and_its_json_one_click_away(
    admin_client, menu_tree
):
    publication = menus_publish()
    change_main_prompt()
    menus_publish()
    page = said(
        admin_client.get(reverse("admin:ivr_publication_change", args=[publication.pk]))
    )
    assert f">{ROLL_BACK_TO.format(version=publication.pk)}</a>" in page
    assert "<h3>Main menu (main): the default entry</h3>" in page
    assert f"Hears “{menu_tree['main'].prompt}”, then has 15 seconds" in page
    assert "<li>Calls to +6531581234 start in Main menu (main).</li>" in page
    assert (
        '<details id="version-json"><summary>Show the JSON</summary>'
        "<pre class='ivr-json'>{"
    ) in page


def test_a_version_this_code_cannot_read_still_has_a_page(admin_client, db):
    broken = Publication.objects.create(snapshot={"menus": "not menus"})
    page = admin_client.get(reverse("admin:ivr_publication_change", args=[broken.pk]))
    assert page.status_code == 200
    assert "cannot be read by this code" in said(page)


def test_a_version_this_code_cannot_read_is_not_published_again(admin_client, db):
    broken = Publication.objects.create(snapshot={"menus": "not menus"})
    url = reverse("admin:ivr_publication_roll_back", args=[broken.pk])

    with pytest.raises(PublishingError, match="cannot be read by this code"):
        menus_roll_back(to=broken)
    page = admin_client.get(url, follow=True)

    assert UNREADABLE.format(version=broken.pk) in said(page)
    assert Publication.objects.get() == broken
    # The pages to fix it from still open.
    for name in ("changelist", "publish", "discard"):
        assert (
            admin_client.get(reverse(f"admin:ivr_publication_{name}")).status_code
            == 200
        )


def test_a_version_written_by_older_code_is_not_a_change(menu_tree):
    publication = menus_publish()
    snapshot = publication.snapshot
    for menu in snapshot["menus"]:
        for option in menu["options"]:
            del option["voice_profile"]  # a field added since
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)
    assert not draft_changes()
