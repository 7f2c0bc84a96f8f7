"""Every check on menus, in one place, and where each kind lives.

- A menu's capture settings against its options' keys (each option must be
  one a caller can finish entering; no key twice): `menu_option_problems`,
  here. The admin's forms and the importer refuse with its words.
- What a change does to calls: the saved menus with the change applied, run
  through the menu graph (`ivr.core.graph`, pure, which finds each problem:
  paths to missing or inactive menus, bad transfers, unreachable menus,
  loops, prompts that do not name their keys...). `menu_save_problems`,
  `menus_delete_problems` and `menu_tree_problems` each return a
  `graph.ChangeProblems`: `refused` holds the blocking problems the change
  would bring (the caller refuses the change), `warnings` what staff should
  know once it is made.
- One field or one row: on the models (validators and `clean()`: keys that
  fit in 8x8's clientActionId, `ivr.core.state`; phone numbers,
  `ivr.core.numbers`; voices, `ivr.menus.voices`).
"""

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence

from ivr.core.graph import (
    ChangeProblems,
    change_problems,
    snapshot_with_menu,
    snapshot_without_menus,
)
from ivr.core.snapshot import IvrSnapshot, MenuSnapshot, OptionSnapshot
from ivr.menus.snapshots import ivr_snapshot_from_database, menu_snapshot
from ivr.models import Menu

# --- A menu's capture settings against its options ---------------------------

DUPLICATE_DIGITS = (
    "Key {digits} is used by {count} options: give each option its own key."
)
COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}
OPTION_TOO_LONG = (
    "Option {digits} needs {length} keys but the menu captures at most {maximum}."
)
OPTION_TOO_SHORT = (
    "Option {digits} has {length} key{s} but the menu needs at least {minimum}."
)
HASH_OPTION_WITH_FINISH_ON_HASH = (
    "With “finish on #”, pressing # ends the input, so the # option could "
    "never be chosen."
)
# 8x8 ends a capture on # (finish on #) or on reaching the maximum digits;
# without #, a shorter choice could only end by the timeout, which 8x8 does
# not document as a way to finish (see core.capture).
OPTION_NEEDS_HASH = (
    "Option {digits} has {length} key{s}, but without “finish on #” 8x8 takes "
    "the choice only after {maximum} keys, so it could never be chosen: tick "
    "“finish on #” (or leave it blank) or give every option {maximum} keys."
)
HASH_OPTION_WITH_LENGTHS = (
    "Options of different lengths finish with #, so # cannot also be an "
    "option: remove the # option or give every option the same number of keys."
)


def menu_option_problems(
    *,
    option_digits: Sequence[str],
    min_digits: int | None = None,
    max_digits: int | None = None,
    complete_on_hash: bool | None = None,
) -> dict[str, list[str]]:
    """Problems between a menu's capture settings and its options' keys.

    Returns {menu field name: [messages]}, or {} when every option can be
    entered; "options" holds problems among the options themselves.
    """
    problems: dict[str, list[str]] = {}
    counts = Counter(option_digits)
    for digits in sorted(d for d, count in counts.items() if count > 1):
        count = COUNT_WORDS.get(counts[digits], str(counts[digits]))
        problems.setdefault("options", []).append(
            DUPLICATE_DIGITS.format(digits=digits, count=count)
        )
    for digits in option_digits:
        if max_digits and len(digits) > max_digits:
            problems.setdefault("max_digits", []).append(
                OPTION_TOO_LONG.format(
                    digits=digits, length=len(digits), maximum=max_digits
                )
            )
        if min_digits and len(digits) < min_digits:
            problems.setdefault("min_digits", []).append(
                OPTION_TOO_SHORT.format(
                    digits=digits,
                    length=len(digits),
                    s="" if len(digits) == 1 else "s",
                    minimum=min_digits,
                )
            )
    if complete_on_hash and "#" in option_digits:
        problems.setdefault("complete_on_hash", []).append(
            HASH_OPTION_WITH_FINISH_ON_HASH
        )
    # An option shorter than the minimum is reported as that alone.
    long_enough = [d for d in option_digits if not (min_digits and len(d) < min_digits)]
    problems_of_finishing = _finishing_problems(
        long_enough, max_digits, complete_on_hash
    )
    if problems_of_finishing:
        problems.setdefault("complete_on_hash", []).extend(problems_of_finishing)
    return problems


def _finishing_problems(
    option_digits: Sequence[str], max_digits: int | None, complete_on_hash: bool | None
) -> list[str]:
    """Options a caller could not finish entering: shorter than the keys 8x8
    waits for when the input does not finish on #."""
    if complete_on_hash or not option_digits:
        return []
    lengths = {len(digits) for digits in option_digits}
    if complete_on_hash is None and len(lengths) > 1:
        # Left blank, it finishes on # (core.capture), unless # is a choice.
        return [HASH_OPTION_WITH_LENGTHS] if "#" in option_digits else []
    if complete_on_hash is None and max_digits is None:
        return []  # every option as long as the keys 8x8 waits for
    maximum = max_digits or max(lengths)
    return [
        OPTION_NEEDS_HASH.format(
            digits=digits,
            length=len(digits),
            s="" if len(digits) == 1 else "s",
            maximum=maximum,
        )
        for digits in option_digits
        if len(digits) < maximum
    ]


# --- What a change does to calls ---------------------------------------------


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
