"""The menus as a snapshot the decision code can use, read from the
database, with the fallback the settings configure; and the menus' version
token, which says every process when to read them again.

`ivr.resilience.menu_cache` keeps the last snapshot in memory; this module
only knows how to build one.
"""

import uuid

from django.conf import settings
from django.db.models import Prefetch

from ivr.core.numbers import read_typed_number
from ivr.core.snapshot import (
    ExhaustedAction,
    Fallback,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    OptionSnapshot,
)
from ivr.models import Menu, MenuOption, MenuTreeVersion, Number


def fallback_from_settings() -> Fallback:
    """The fallback configured in the environment (read at call time).

    Its transfer number is IVR_FALLBACK_TRANSFER in E.164 when that is in
    international form, else "" (hang up politely): bare digits are never
    dialled as another country's number, nor converted unseen (the system
    check ivr.E103 says what to set).
    """
    return Fallback(
        message=settings.IVR_FALLBACK_MESSAGE,
        voice_profile=settings.IVR_FALLBACK_VOICE_PROFILE,
        transfer_to=read_typed_number(settings.IVR_FALLBACK_TRANSFER).e164,
    )


def menu_tree_token() -> object:
    """The current version token of the menus (one query); None before any
    menu was ever saved."""
    return MenuTreeVersion.objects.values_list("token", flat=True).first()


def menu_tree_changed() -> None:
    """Tell every app process that the menus changed (a new random token)."""
    updated = MenuTreeVersion.objects.update(token=uuid.uuid4())
    if not updated:
        MenuTreeVersion.objects.create(token=uuid.uuid4())


def ivr_snapshot_from_database() -> IvrSnapshot:
    """A fresh snapshot of every menu, option and number (3 queries)."""
    options = MenuOption.objects.select_related("target_menu", "no_answer_menu")
    menus = Menu.objects.select_related("exhausted_menu").prefetch_related(
        Prefetch("options", queryset=options)
    )
    menu_snapshots = {menu.key: menu_snapshot(menu) for menu in menus}
    numbers = {
        number.number: number.menu.key
        for number in Number.objects.select_related("menu")
    }
    default = next((menu.key for menu in menus if menu.is_default), None)
    return IvrSnapshot(
        menus=menu_snapshots,
        numbers=numbers,
        default_menu=default,
        fallback=fallback_from_settings(),
    )


def menu_snapshot(
    menu: Menu, options: tuple[OptionSnapshot, ...] | None = None
) -> MenuSnapshot:
    """`menu` and its options as plain data: `options` when given (a menu
    being edited), else its saved ones (prefetched, or one more query)."""
    if options is None:
        options = tuple(option_snapshot(option) for option in menu.options.all())
    exhausted = menu.exhausted_menu if menu.exhausted_menu_id else None
    return MenuSnapshot(
        id=menu.pk,
        key=menu.key,
        name=menu.name,
        prompt=menu.prompt,
        voice_profile=menu.voice_profile,
        speed=float(menu.speed),
        min_digits=menu.min_digits,
        max_digits=menu.max_digits,
        digit_timeout_ms=menu.digit_timeout_ms,
        overall_timeout_ms=menu.overall_timeout_ms,
        complete_on_hash=menu.complete_on_hash,
        tries=menu.tries,
        invalid_message=menu.invalid_message,
        no_input_message=menu.no_input_message,
        max_retries=menu.max_retries,
        on_exhausted=ExhaustedAction(menu.on_exhausted),
        exhausted_message=menu.exhausted_message,
        exhausted_destination=menu.exhausted_destination,
        exhausted_target=exhausted.key if exhausted else None,
        active=menu.is_active,
        options=options,
    )


def option_snapshot(option: MenuOption) -> OptionSnapshot:
    return OptionSnapshot(
        id=option.pk,
        digits=option.digits,
        action=OptionAction(option.action),
        label=option.label,
        target=option.target_menu.key if option.target_menu else None,
        destination=option.destination,
        caller_id=option.caller_id,
        record=option.record,
        message=option.message,
        voice_profile=option.voice_profile,
        file_url=option.file_url,
        on_no_answer=NoAnswerAction(option.on_no_answer),
        no_answer_message=option.no_answer_message,
        no_answer_target=option.no_answer_menu.key if option.no_answer_menu else None,
        no_answer_destination=option.no_answer_destination,
    )
