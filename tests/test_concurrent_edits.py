"""Two staff saving the same menu at once cannot mix their edits."""

import threading

import pytest
from django.db import connection
from django.test import Client

from ivr.admin.forms import MENU_CHANGED_MEANWHILE
from ivr.models import Menu
from tests.admin_forms import admin_url, menu_form_data


def opened(menu: Menu) -> dict:
    """The change form as a browser posts it, including when it was loaded."""
    data = menu_form_data(menu)
    data["loaded_version"] = menu.updated_at.isoformat()
    return data


@pytest.mark.django_db
def test_the_second_of_two_saves_from_the_same_page_version_is_refused(
    admin_client, menu_tree
):
    main = Menu.objects.get(key="main")
    first, second = opened(main), opened(main)
    url = admin_url(Menu, "change", main.pk)
    first["prompt"] = "Edited by Alice."
    assert admin_client.post(url, first).status_code == 302
    second["prompt"] = "Edited by Bob."
    second["name"] = "Bob's name"
    response = admin_client.post(url, second)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors[0].startswith(MENU_CHANGED_MEANWHILE.split("{")[0])
    main.refresh_from_db()
    assert (main.prompt, main.name) == ("Edited by Alice.", "Main menu")


@pytest.mark.django_db
def test_the_page_carries_the_version_it_was_loaded_at(admin_client, menu_tree):
    main = Menu.objects.get(key="main")
    page = admin_client.get(admin_url(Menu, "change", main.pk)).content.decode()
    assert f'value="{main.updated_at.isoformat()}"' in page


@pytest.mark.skipif(
    "postgresql" not in connection.vendor, reason="row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_leave_one_whole_edit(admin_user, menu_tree):
    main = Menu.objects.get(key="main")
    url = admin_url(Menu, "change", main.pk)
    edits = {
        "alice": {"prompt": "Alice's prompt.", "name": "Alice's menu"},
        "bob": {"prompt": "Bob's prompt.", "name": "Bob's menu"},
    }
    barrier = threading.Barrier(2)
    statuses = {}

    def save(who):
        client = Client()
        client.force_login(admin_user)
        data = {**opened(main), **edits[who]}
        barrier.wait()
        statuses[who] = client.post(url, data).status_code
        connection.close()

    threads = [threading.Thread(target=save, args=(who,)) for who in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 302]  # one saved, one refused
    main.refresh_from_db()
    winner = next(who for who, status in statuses.items() if status == 302)
    assert (main.prompt, main.name) == (edits[winner]["prompt"], edits[winner]["name"])
