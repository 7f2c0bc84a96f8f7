"""The map of the menus in the admin (ivr/admin/map/view.py, drawn by
drawing.py): it draws the menus as saved, each box a link to the menu's page,
problems coloured and listed in plain words, every text escaped; only staff
who may view menus see it. Its layout alone: tests/test_map_layout.py."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from ivr.admin.map.drawing import MAP_TITLE, RED
from ivr.core import graph
from ivr.models import Menu, MenuOption
from ivr.roles import VIEWERS
from tests.admin_forms import SCRIPT, admin_url

pytestmark = pytest.mark.django_db

MAP_URL = "/admin/ivr/menu/map/"
SVG = "{http://www.w3.org/2000/svg}"


def svg_of(response) -> ET.Element:
    """The map as XML: it only parses when every text in it is escaped."""
    return ET.fromstring(str(response.context["svg"]))  # noqa: S314 (ours)


def menu_groups(root: ET.Element) -> dict[str, ET.Element]:
    """{menu key: its box}."""
    return {
        group.get("id").removeprefix("map-menu-"): group
        for group in root.iter(f"{SVG}g")
        if (group.get("id") or "").startswith("map-menu-")
    }


def texts(element: ET.Element) -> str:
    return " ".join(text.text or "" for text in element.iter(f"{SVG}text"))


def problem_items(response) -> list[tuple[str, str]]:
    """(class, text) of each problem listed under the map."""
    return [
        (item["class"], item["text"])
        for item in [
            *({"class": "error", **p} for p in response.context["blocking"]),
            *({"class": "warning", **p} for p in response.context["warnings"]),
        ]
    ]


def test_the_url_is_stable():
    assert reverse("admin:ivr_menu_map") == MAP_URL


def test_the_map_draws_every_menu_linked_to_its_page(admin_client, menu_tree):
    response = admin_client.get(MAP_URL)

    assert response.status_code == 200
    assert response.templates[0].name == "admin/ivr/menu/map.html"
    assert response.context["title"] == MAP_TITLE
    root = svg_of(response)
    links = {
        link.get("href"): link.find(f"{SVG}g").get("id")
        for link in root.iter(f"{SVG}a")
    }
    assert links == {
        admin_url(Menu, "change", menu.pk): f"map-menu-{key}"
        for key, menu in menu_tree.items()
    }
    boxes = menu_groups(root)
    # Each option with its keys; the entries on the left.
    assert "Sales" in texts(boxes["sales"])
    assert "transfer" in texts(boxes["sales"])
    assert "Calls to +6531581234" in texts(root)
    assert "Numbers not listed" in texts(root)
    # The inactive menu is drawn, marked, and nobody is warned about it.
    assert "map-inactive" in boxes["support"].get("class")
    assert problem_items(response) == []


def test_the_options_paths_are_drawn_distinctly(admin_client, menu_tree):
    root = svg_of(admin_client.get(MAP_URL))

    def count(name):
        return sum(1 for p in root.iter(f"{SVG}path") if p.get("class") == name)

    # main: 1 sales, 2 transfer, 3 message, 4 file then main, 0 hang up;
    # sales: 1 transfer, 2 message then main (repeat and back: no arrows).
    assert count("edge-option") == 7
    # Each of the three menus asks again on a wrong key, then gives up.
    assert count("edge-retry") == 3
    assert count("edge-exhausted") == 3
    assert count("edge-entry") == 2
    # Each transfer (main 2, sales 1) is not always answered: back to its menu.
    assert count("edge-no-answer") == 2


def test_a_transfer_not_answered_is_drawn_to_where_the_caller_goes(
    admin_client, menu_tree
):
    MenuOption.objects.filter(menu__key="main", digits="2").update(
        on_no_answer="transfer", no_answer_destination="+6560009999"
    )
    MenuOption.objects.filter(menu__key="sales", digits="1").update(
        on_no_answer="menu", no_answer_menu=menu_tree["support"]
    )

    root = svg_of(admin_client.get(MAP_URL))

    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(text.startswith("Transfer to +6560009999") for text in texts)
    assert any("not answered: try another number" in text for text in texts)
    assert any("not answered: go to support" in text for text in texts)
    assert "Transfer not answered" in texts  # the legend
    # To an inactive menu: the path would break calls.
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edge-no-answer"]
    assert sorted(p.get("stroke") for p in paths) == sorted([RED, "#c26a00"])


def test_a_menu_whose_choices_end_with_hash_says_so(admin_client, menu_tree):
    MenuOption.objects.create(menu=menu_tree["main"], digits="12", action="hangup")

    boxes = menu_groups(svg_of(admin_client.get(MAP_URL)))

    subtitle = ["".join(t.itertext()) for t in boxes["main"].iter(f"{SVG}text")][1]
    assert "choice ends with #" in subtitle
    assert "choice ends with #" not in "".join(boxes["sales"].itertext())


def test_problems_are_coloured_and_listed_in_plain_words(admin_client, menu_tree):
    # Staff could not save these in the admin now; an older database can
    # hold them.
    MenuOption.objects.filter(menu__key="sales", digits="2").update(
        target_menu=menu_tree["support"]
    )
    Menu.objects.create(key="lost", name="Lost", prompt="Nobody hears this.")

    response = admin_client.get(MAP_URL)

    boxes = menu_groups(svg_of(response))
    assert "map-broken" in boxes["sales"].get("class")
    assert boxes["sales"].find(f"{SVG}rect").get("stroke") == RED
    assert "map-unreachable" in boxes["lost"].get("class")
    assert "map-dead_end" in boxes["lost"].get("class")
    assert "map-broken" not in boxes["main"].get("class")
    broken = graph.Problem(
        graph.ProblemKind.TARGET_INACTIVE,
        graph.TARGET_INACTIVE.format(target="support"),
        menu="sales",
        digits="2",
    )
    assert problem_items(response) == [
        ("error", str(broken)),
        ("warning", f"Menu “lost”: {graph.UNREACHABLE}"),
        ("warning", f"Menu “lost”: {graph.DEAD_END}"),
    ]
    page = response.content.decode()
    assert 'class="error"' in page
    assert "Edit the menu" in page


def test_menus_with_no_way_out_are_coloured(admin_client, menu_tree):
    # Neither menu transfers or hangs up any more: each leads only to the
    # other, on a key or when retries run out.
    MenuOption.objects.filter(menu__key="sales", digits="1").delete()
    main = menu_tree["main"]
    main.options.exclude(action__in=["menu", "repeat", "back"]).delete()
    main.on_exhausted = "menu"
    main.exhausted_menu = menu_tree["sales"]
    main.save()

    boxes = menu_groups(svg_of(admin_client.get(MAP_URL)))

    assert "map-no_exit" in boxes["main"].get("class")
    assert "map-no_exit" in boxes["sales"].get("class")


def test_what_staff_typed_is_escaped(admin_client, menu_tree):
    Menu.objects.filter(key="main").update(name=SCRIPT, prompt=SCRIPT)
    MenuOption.objects.filter(menu__key="main", digits="1").update(
        label='"><a href="https://evil.example">x</a>'
    )

    response = admin_client.get(MAP_URL)

    assert SCRIPT not in response.content.decode()
    assert "evil.example" not in {
        link.get("href") for link in svg_of(response).iter(f"{SVG}a")
    }
    assert SCRIPT in texts(menu_groups(svg_of(response))["main"])


def test_the_menu_list_links_to_the_map(admin_client, menu_tree):
    response = admin_client.get(admin_url(Menu, "changelist"))

    assert f'href="{MAP_URL}"' in response.content.decode()


def test_without_menus_the_page_says_so(admin_client):
    response = admin_client.get(MAP_URL)

    assert response.status_code == 200
    assert "There are no menus yet." in response.content.decode()


@pytest.mark.parametrize(
    ("group", "status"), [(VIEWERS, 200), (None, 403)], ids=["viewer", "no role"]
)
def test_only_staff_who_may_view_menus_see_the_map(client, menu_tree, group, status):
    user = User.objects.create_user("staff", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)

    assert client.get(MAP_URL).status_code == status


def test_the_map_needs_a_login(client, menu_tree):
    response = client.get(MAP_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
