"""The checks before a change to the menus: the saved menus, with the change
applied, run through `core.graph`, as the admin and the importer need them.

Each function returns a `graph.ChangeProblems`: `refused` holds the blocking
problems the change would bring (a path to a missing or inactive menu, a
transfer without a valid number, calls starting in a menu that is missing
or not active): the caller refuses the change. `warnings` holds what staff
should know once it is made (menus nobody reaches, loops with no way out,
menus without options, and blocking problems made earlier in the menus this
change touches).
"""

from collections.abc import Callable, Collection, Iterable

from ivr.core.graph import (
    ChangeProblems,
    change_problems,
    snapshot_with_menu,
    snapshot_without_menus,
)
from ivr.core.snapshot import IvrSnapshot, MenuSnapshot, OptionSnapshot
from ivr.menus.snapshots import ivr_snapshot_from_database, menu_snapshot
from ivr.models import Menu


def menu_save_problems(
    *,
    menu: Menu,
    options_after: Callable[[tuple[OptionSnapshot, ...]], tuple[OptionSnapshot, ...]],
) -> ChangeProblems:
    """The problems of saving `menu`, edited in memory and not saved yet.

    `options_after(saved_options)` returns the menu's options as the save
    leaves them, given those it has in the database (none for a new menu).
    """
    before = ivr_snapshot_from_database()
    saved = None
    if menu.pk is not None:
        saved = next((m for m in before.menus.values() if m.id == menu.pk), None)
    edited = menu_as_edited(menu, options_after(saved.options if saved else ()))
    after = snapshot_with_menu(
        before,
        edited,
        replacing=saved.key if saved else None,
        default=menu.is_default,
    )
    changed = {menu.key, saved.key} if saved else {menu.key}
    return change_problems(before, after, changed=changed)


def menus_delete_problems(*, menus: Iterable[Menu]) -> ChangeProblems:
    """The problems of deleting `menus`."""
    before = ivr_snapshot_from_database()
    keys = {menu.key for menu in menus}
    return change_problems(before, snapshot_without_menus(before, keys), changed=keys)


def menu_tree_problems(
    *, before: IvrSnapshot, changed: Collection[str]
) -> ChangeProblems:
    """The problems of the changes made since `before` (a snapshot taken
    earlier in the same transaction), in the menus `changed` and elsewhere."""
    return change_problems(before, ivr_snapshot_from_database(), changed=changed)


def menu_as_edited(menu: Menu, options: tuple[OptionSnapshot, ...]) -> MenuSnapshot:
    """`menu` as it is in memory (not yet saved), with `options`."""
    return menu_snapshot(menu, options)
