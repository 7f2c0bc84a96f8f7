"""8x8's voices (`ivr.menus.voices`, the voices' admin page): the choices grouped
by language, the check on a voice, the searchable select and its files (in
a real Chromium too, marked `browser`), refreshing the list, and the
read-only list in the admin. The command is in tests/test_8x8_commands.py."""

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from playwright.sync_api import sync_playwright

from ivr.core.decide import decide
from ivr.eightbyeight.client import EightByEightClient
from ivr.menus.files.importer import menu_tree_import
from ivr.menus.files.problems import MenuFileError
from ivr.menus.snapshots import ivr_snapshot_from_database
from ivr.menus.voices import (
    FALLBACK_VOICE_NOT_IN_LIST,
    NOT_IN_LIST_LABEL,
    VOICE_NOT_IN_LIST,
    VOICES_NOT_FETCHED,
    VoiceRefresh,
    VoiceSelect,
    validate_voice_profile,
    voice_choices,
    voice_codes,
    voice_problem,
    voice_profiles_refresh,
)
from ivr.models import Menu, VoiceProfile
from tests.admin_forms import (
    admin_url,
    form_errors,
    menu_form_data,
    option_row,
    post_menu,
)
from tests.browser import chromium_or_skip
from tests.snapshots import pressed

pytestmark = pytest.mark.django_db

VOICES = [
    # (code, locale code, locale description, gender)
    ("en-US-Standard-A", "en-US", "EnglishUS", "F"),
    ("da-DK-Naja", "da-DK", "Danish", "F"),
    ("en-US-BenjaminRUS", "en-US", "EnglishUS", "M"),
    ("xx-XX-Robot", "xx-XX", "", ""),
]


def store(rows=VOICES):
    VoiceProfile.objects.bulk_create(
        VoiceProfile(
            code=code,
            locale_code=locale,
            locale_description=description,
            gender=gender,
            fetched_at=timezone.now(),
        )
        for code, locale, description, gender in rows
    )


@pytest.fixture
def fetched():
    store()


# --- The choices -------------------------------------------------------------------


def test_no_choices_before_the_list_is_fetched():
    assert voice_choices() == []
    assert voice_codes() == frozenset()


def test_the_choices_are_grouped_by_language(fetched):
    assert voice_choices() == [
        ("Danish (da-DK)", [("da-DK-Naja", "da-DK-Naja · female")]),
        (
            "EnglishUS (en-US)",
            [
                ("en-US-BenjaminRUS", "en-US-BenjaminRUS · male"),
                ("en-US-Standard-A", "en-US-Standard-A · female"),
            ],
        ),
        ("xx-XX", [("xx-XX-Robot", "xx-XX-Robot")]),
    ]


# --- The check ---------------------------------------------------------------------

PROBLEMS = [
    # (list fetched, code, problem)
    (False, "en-AU-Anything", None),
    (True, "da-DK-Naja", None),
    (True, "en-AU-Old", VOICE_NOT_IN_LIST.format(code="en-AU-Old")),
    (True, "da-dk-naja", VOICE_NOT_IN_LIST.format(code="da-dk-naja")),
    (True, "", None),
]


@pytest.mark.parametrize(("listed", "code", "problem"), PROBLEMS)
def test_a_voice_is_checked_against_the_list_once_it_is_fetched(listed, code, problem):
    if listed:
        store()
    assert voice_problem(code) == problem
    assert voice_problem(code, known=voice_codes()) == problem


def test_the_problem_says_what_to_do():
    assert VOICE_NOT_IN_LIST.format(code="en-AU-Old") == (
        "en-AU-Old is not one of 8x8's voices for this account: choose one "
        "from the list, or run `python manage.py ivr_8x8_voices` again if 8x8 "
        "has added it since."
    )


def test_checking_many_voices_against_known_codes_costs_no_query(
    fetched, django_assert_num_queries
):
    known = voice_codes()
    with django_assert_num_queries(0):
        assert voice_problem("en-AU-Old", known=known)
        assert voice_problem("da-DK-Naja", known=known) is None


def test_the_validator_refuses_only_a_voice_not_in_the_list(fetched):
    validate_voice_profile("da-DK-Naja")
    with pytest.raises(ValidationError) as refused:
        validate_voice_profile("en-AU-Old")
    assert refused.value.messages == [VOICE_NOT_IN_LIST.format(code="en-AU-Old")]


# --- The select ----------------------------------------------------------------------


class VoiceForm(forms.Form):
    # Made before any list is fetched: the choices are read at render time.
    voice_profile = forms.CharField(
        widget=VoiceSelect(), validators=[validate_voice_profile]
    )


class OptionalVoiceForm(forms.Form):
    voice_profile = forms.CharField(required=False, widget=VoiceSelect())


def rendered(value, form_class=VoiceForm) -> str:
    return str(form_class(initial={"voice_profile": value})["voice_profile"])


def test_before_the_list_is_fetched_the_voice_is_typed_with_a_note():
    html = rendered("en-US-BenjaminRUS")

    assert "<select" not in html
    assert 'type="text"' in html
    assert 'name="voice_profile"' in html
    assert 'value="en-US-BenjaminRUS"' in html
    assert escape(VOICES_NOT_FETCHED) in html
    assert "ivr_8x8_voices" in VOICES_NOT_FETCHED


def test_once_fetched_the_voice_is_chosen_from_the_list_by_language(fetched):
    html = rendered("da-DK-Naja")

    assert VOICES_NOT_FETCHED not in html
    assert '<select name="voice_profile" class="ivr-voice-select"' in html
    assert '<optgroup label="Danish (da-DK)">' in html
    assert '<optgroup label="EnglishUS (en-US)">' in html
    assert '<option value="da-DK-Naja" selected>da-DK-Naja · female</option>' in html
    assert '<option value="en-US-BenjaminRUS">en-US-BenjaminRUS · male</option>' in html
    assert html.count(" selected>") == 1


def test_a_voice_not_in_the_list_stays_selected_and_says_so(fetched):
    html = rendered("en-AU-Old")

    label = NOT_IN_LIST_LABEL.format(code="en-AU-Old")
    assert label == "en-AU-Old (not in 8x8's list)"
    assert f'<option value="en-AU-Old" selected>{escape(label)}</option>' in html
    assert html.count(" selected>") == 1


def test_an_optional_voice_can_be_left_blank(fetched):
    html = rendered("", OptionalVoiceForm)
    assert '<option value="" selected>---------</option>' in html
    assert "not in 8x8" not in html


def test_a_required_voice_offers_no_blank(fetched):
    assert '<option value=""' not in rendered("da-DK-Naja")


def test_a_voice_chosen_from_the_list_is_accepted_and_one_not_in_it_refused(fetched):
    assert VoiceForm({"voice_profile": "en-US-Standard-A"}).is_valid()
    refused = VoiceForm({"voice_profile": "en-AU-Old"})
    assert refused.errors == {
        "voice_profile": [VOICE_NOT_IN_LIST.format(code="en-AU-Old")]
    }


def test_the_select_is_made_searchable_with_the_admins_select2():
    media = VoiceForm().media
    assert media._js == [
        "admin/js/vendor/jquery/jquery.js",
        "admin/js/vendor/select2/select2.full.js",
        "admin/js/jquery.init.js",
        "ivr/voice_select.js",
    ]
    assert media._css == {
        "screen": ["admin/css/vendor/select2/select2.css", "admin/css/autocomplete.css"]
    }
    for path in [*media._js, *media._css["screen"]]:
        assert finders.find(path), path


def test_the_select_script_is_served_without_debug(client, settings):
    settings.DEBUG = False
    response = client.get("/static/ivr/voice_select.js")
    assert response.status_code == 200
    assert b"select.ivr-voice-select" in b"".join(response.streaming_content)


@pytest.mark.browser
def test_in_a_browser_voices_are_found_by_code_or_language(fetched, live_server):
    executable = chromium_or_skip()
    form = VoiceForm(initial={"voice_profile": "en-AU-Old"})
    html = f"<html><head>{form.media}</head><body>{form}</body></html>"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        page = browser.new_page(base_url=live_server.url)
        page.set_default_timeout(10_000)
        page.goto("/static/ivr/voice_select.js")  # the live server's origin
        page.set_content(html)
        results = page.locator(".select2-results")

        assert page.inner_text(".select2-selection") == NOT_IN_LIST_LABEL.format(
            code="en-AU-Old"
        )
        page.click(".select2-selection")
        page.fill(".select2-search__field", "Danish")
        danish = results.inner_text()
        page.fill(".select2-search__field", "benjamin")
        benjamin = results.inner_text()
        page.keyboard.press("Enter")
        chosen = page.eval_on_selector("select", "select => select.value")
        browser.close()

    assert danish.split("\n") == ["Danish (da-DK)", "da-DK-Naja · female"]
    assert benjamin.split("\n") == ["EnglishUS (en-US)", "en-US-BenjaminRUS · male"]
    assert chosen == "en-US-BenjaminRUS"


# --- Refreshing the list -------------------------------------------------------------


def test_voices_a_menu_cannot_hold_are_left_out_and_long_names_cut(fake_8x8, settings):
    settings.IVR_FALLBACK_VOICE_PROFILE = "da-DK-Naja"
    fake_8x8.speech_profiles = [
        {"speechProfileCode": "x" * 101, "localeCode": "xx-XX"},
        {
            "speechProfileCode": "da-DK-Naja",
            "localeCode": "da-DK",
            "localeDescription": "D" * 150,
            "gender": "F",
        },
    ]

    result = voice_profiles_refresh(client=EightByEightClient.from_settings())

    assert result == VoiceRefresh(total=1, added=["da-DK-Naja"])
    assert VoiceProfile.objects.get().locale_description == "D" * 100


def test_the_refresh_reports_voices_in_use_off_the_list(fake_8x8, settings):
    Menu.objects.create(key="a", name="A", prompt="A.", voice_profile="en-AU-Old")
    Menu.objects.create(key="b", name="B", prompt="B.", voice_profile="da-DK-Naja")
    settings.IVR_FALLBACK_VOICE_PROFILE = "da-DK-Naja"

    result = voice_profiles_refresh()

    assert result.menus_off_list == {"en-AU-Old": ["a"]}
    assert result.fallback_off_list is None


# --- The admin page ------------------------------------------------------------------


LIST_URL = reverse("admin:ivr_voiceprofile_changelist")


def test_the_voices_page_lists_them_read_only_with_how_to_refresh(
    admin_client, fetched
):
    page = admin_client.get(LIST_URL)

    assert page.status_code == 200
    assert [voice.code for voice in page.context["cl"].result_list] == [
        "da-DK-Naja",
        "en-US-BenjaminRUS",
        "en-US-Standard-A",
        "xx-XX-Robot",
    ]
    assert page.context["has_add_permission"] is False
    assert reverse("admin:ivr_voiceprofile_add").encode() not in page.content
    assert b"python manage.py ivr_8x8_voices" in page.content
    assert b'name="action"' not in page.content  # no delete action


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("q=Naja", ["da-DK-Naja"]),
        ("q=en-US", ["en-US-BenjaminRUS", "en-US-Standard-A"]),
        ("q=Danish", ["da-DK-Naja"]),
        ("language=en-US", ["en-US-BenjaminRUS", "en-US-Standard-A"]),
    ],
)
def test_voices_are_searched_and_filtered_by_language(
    admin_client, fetched, query, codes
):
    page = admin_client.get(f"{LIST_URL}?{query}")
    assert [voice.code for voice in page.context["cl"].result_list] == codes


def test_the_language_filter_names_each_language(admin_client, fetched):
    page = admin_client.get(LIST_URL)
    [language_filter] = page.context["cl"].filter_specs
    assert [
        choice["display"] for choice in language_filter.choices(page.context["cl"])
    ] == [
        "All",
        "Danish (da-DK)",
        "EnglishUS (en-US)",
        "xx-XX",
    ]


def test_a_voice_is_shown_but_never_added_changed_or_deleted(admin_client, fetched):
    voice = VoiceProfile.objects.get(code="da-DK-Naja")
    change_url = reverse("admin:ivr_voiceprofile_change", args=[voice.pk])

    page = admin_client.get(change_url)

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.post(change_url, {"code": "changed"}).status_code == 403
    assert admin_client.get(reverse("admin:ivr_voiceprofile_add")).status_code == 403
    delete_url = reverse("admin:ivr_voiceprofile_delete", args=[voice.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert VoiceProfile.objects.filter(code="da-DK-Naja").exists()


# --- Where voices are chosen: menus, options, files, the fallback ------------------


def test_the_menu_form_offers_8x8s_voices_once_fetched(admin_client, menu_tree):
    before = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))
    store()
    after = admin_client.get(admin_url(Menu, "change", menu_tree["main"].pk))

    assert escape(VOICES_NOT_FETCHED) in before.content.decode()
    page = after.content.decode()
    assert 'class="ivr-voice-select"' in page
    assert '<optgroup label="Danish (da-DK)">' in page
    assert "the menu&#x27;s voice" in page  # each option may keep the menu's


def menu_saved_with(admin_client, menu_tree, **changes):
    main = menu_tree["main"]
    data = menu_form_data(main)
    for name, value in changes.items():
        if name.startswith("option_2_"):
            data[option_row(data, "2") + name.removeprefix("option_2_")] = value
        else:
            data[name] = value
    response = post_menu(admin_client, main, data)
    return response, (form_errors(response) if response.status_code == 200 else {})


def test_a_voice_not_in_8x8s_list_is_refused_on_the_menu_and_its_options(
    admin_client, menu_tree, fetched
):
    response, errors = menu_saved_with(
        admin_client, menu_tree, voice_profile="en-GB-Nobody"
    )
    assert errors == {
        ("menu", "voice_profile"): [VOICE_NOT_IN_LIST.format(code="en-GB-Nobody")]
    }

    response, errors = menu_saved_with(
        admin_client, menu_tree, option_2_voice_profile="en-GB-Nobody"
    )
    assert errors == {
        ("option", "voice_profile"): [VOICE_NOT_IN_LIST.format(code="en-GB-Nobody")]
    }

    response, errors = menu_saved_with(
        admin_client, menu_tree, voice_profile="da-DK-Naja", option_2_voice_profile=""
    )
    assert response.status_code == 302, errors
    assert Menu.objects.get(key="main").voice_profile == "da-DK-Naja"


def test_a_voice_saved_before_the_list_was_fetched_does_not_block_other_edits(
    admin_client, menu_tree, fetched
):
    Menu.objects.filter(key="main").update(voice_profile="en-GB-Old")

    response, errors = menu_saved_with(
        admin_client, menu_tree, voice_profile="en-GB-Old", name="Renamed"
    )

    assert response.status_code == 302, errors
    assert Menu.objects.get(key="main").name == "Renamed"


def test_an_option_reads_its_messages_in_its_own_voice(menu_tree, fetched):
    menu_tree["main"].options.filter(digits="3").update(voice_profile="da-DK-Naja")
    ivr = ivr_snapshot_from_database()

    said = decide(ivr, pressed("3", "main")).response["callflow"][0]["params"]
    prompt = decide(ivr, pressed("9", "main")).response["callflow"][0]["params"]

    assert said["voiceProfile"] == "da-DK-Naja"
    assert prompt["voiceProfile"] == menu_tree["main"].voice_profile


@pytest.mark.parametrize("listed", [True, False])
def test_an_import_checks_voices_against_8x8s_list_once_fetched(menu_tree, listed):
    if listed:
        store()
    data = {
        "menus": [
            {
                "key": "main",
                "name": "Main",
                "prompt": "Hello.",
                "voice_profile": "en-GB-Nobody",
                "options": [
                    {
                        "digits": "1",
                        "action": "say",
                        "message": "Hi.",
                        "voice_profile": "xx-XX-Gone",
                    }
                ],
            }
        ]
    }
    if not listed:
        menu_tree_import(data=data)  # nothing to check against yet
        assert Menu.objects.get(key="main").voice_profile == "en-GB-Nobody"
        return
    with pytest.raises(MenuFileError) as refused:
        menu_tree_import(data=data)
    assert [str(problem) for problem in refused.value.problems] == [
        'menu "main", field "voice_profile": '
        + VOICE_NOT_IN_LIST.format(code="en-GB-Nobody"),
        'menu "main", option "1", field "voice_profile": '
        + VOICE_NOT_IN_LIST.format(code="xx-XX-Gone"),
    ]


def test_the_menu_pages_warn_when_the_fallbacks_voice_is_not_offered(
    admin_client, menu_tree, fetched, settings
):
    settings.IVR_FALLBACK_VOICE_PROFILE = "en-GB-Nobody"
    page = admin_client.get(admin_url(Menu, "changelist")).content.decode()
    assert escape(FALLBACK_VOICE_NOT_IN_LIST.format(code="en-GB-Nobody")) in page

    settings.IVR_FALLBACK_VOICE_PROFILE = "da-DK-Naja"
    page = admin_client.get(admin_url(Menu, "changelist")).content.decode()
    assert "IVR_FALLBACK_VOICE_PROFILE" not in page
