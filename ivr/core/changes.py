"""What changes for callers between two snapshots of the menus, in plain words.

`snapshot_changes(before, after)` compares two snapshots (the live version
and the menus as saved, say) and returns one `Change` per thing a caller
would notice, each a line staff can read without knowing the app:

    Billing, option 3: transfer to +6560001200 → go to menu Payments
    Main menu: prompt: “Welcome.” → “Welcome to Acme.”
    Sales, option 4: added: say “We are closed.”, then hang up
    Number +6531581234: calls start in Main menu → Sales
    The default entry: Main menu → Sales

Menus are matched by key, options by their keys, numbers by number. The
fields that together say what an option or a "retries used up" path does
(the action, its menu, number, message, file) make one line, "before →
after", so a change of action reads as one change; every other field is a
line of its own. Database ids and the order of options are not changes,
nor are values callers never hear (a transfer's number left on an option
that no longer transfers).

`changes_rolled_back_in_draft` says which of the draft's changes a rollback
had taken back, so that the next publication does not quietly ship them
again; `snapshots_equal` says whether two snapshots are the same menus.

Pure: no database, no settings, no Django.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from ivr.core.capture import DEFAULT_DIGIT_TIMEOUT_MS, DEFAULT_OVERALL_TIMEOUT_MS
from ivr.core.snapshot import (
    ExhaustedAction,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
    OptionSnapshot,
    keypad_order,
)

ARROW = "→"
BLANK = "(blank)"
NONE = "none"


class ChangeKind(StrEnum):
    """What happened to the menu, option or number a change is about."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One thing callers would notice, as `where: what`."""

    where: str  # "Billing, option 3", "Main menu", "Number +6531581234"
    what: str  # "transfer to +6560001200 → go to menu Payments"
    kind: ChangeKind = ChangeKind.CHANGED
    menu: str | None = None  # the key of the menu it is about
    digits: str | None = None  # the option's keys
    number: str | None = None  # the number's E.164 form
    # Which part changed (a field's name, or "menu", "option", "action",
    # "not answered", "retries used up", "number", "default entry") and its
    # value after the change: the same aspect with the same value is the
    # same change, however the menus are named (`changes_rolled_back_in_draft`).
    aspect: str = ""
    value: Hashable = None

    @property
    def identity(self) -> tuple:
        return (self.menu, self.digits, self.number, self.aspect, self.value)

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# --- Plain words for each field ----------------------------------------------------

# MenuSnapshot's fields compared one by one, with their names in plain words.
# The others are compared elsewhere (key, options, the "retries used up" path)
# or are not what callers hear (id).
MENU_FIELD_WORDS = {
    "name": "name",
    "prompt": "prompt",
    "voice_profile": "voice",
    "speed": "speech speed",
    "min_digits": "fewest keys to press",
    "max_digits": "most keys to press",
    "digit_timeout_ms": "time allowed between keys",
    "overall_timeout_ms": "time allowed to choose",
    "complete_on_hash": "finish on #",
    "tries": "times 8x8 reads the prompt before answering",
    "invalid_message": "message after a wrong key",
    "no_input_message": "message when no key is pressed",
    "max_retries": "retries",
    "active": "active",
}
# Together they say what happens when the retries are used up: one line.
EXHAUSTED_FIELDS = (
    "on_exhausted",
    "exhausted_message",
    "exhausted_destination",
    "exhausted_target",
)
MENU_FIELDS_ELSEWHERE = ("key", "options", "id", *EXHAUSTED_FIELDS)

# Together they say what an option does: one line.
OPTION_ACTION_FIELDS = ("action", "target", "destination", "message", "file_url")
# What happens when a transfer is not answered: one line.
NO_ANSWER_FIELDS = (
    "on_no_answer",
    "no_answer_message",
    "no_answer_target",
    "no_answer_destination",
)
OPTION_FIELD_WORDS = {
    "label": "label",
    "voice_profile": "voice of its messages",
    "caller_id": "number shown to the person called",
    "record": "call recorded",
}
# Only a transfer uses these: on any other option they are left-overs that
# callers never hear.
TRANSFER_ONLY_FIELDS = ("caller_id", "record", *NO_ANSWER_FIELDS)
OPTION_FIELDS_ELSEWHERE = (
    "digits",
    "id",
    *OPTION_ACTION_FIELDS,
    *NO_ANSWER_FIELDS,
)


def _quoted(text: str) -> str:
    return f"“{text}”" if text else BLANK


def _seconds(milliseconds: int | None, default: int) -> str:
    if milliseconds is None:
        return f"blank ({default / 1000:g} s)"
    return f"{milliseconds / 1000:g} s"


def _yes_no(value: bool | None, blank: str = BLANK) -> str:
    if value is None:
        return blank
    return "yes" if value else "no"


MENU_VALUE_WORDS: dict[str, Callable] = {
    "name": _quoted,
    "prompt": _quoted,
    "voice_profile": lambda value: value or BLANK,
    "speed": lambda value: f"{value:g}",
    "min_digits": lambda value: "from the options" if value is None else str(value),
    "max_digits": lambda value: "from the options" if value is None else str(value),
    "digit_timeout_ms": lambda value: _seconds(value, DEFAULT_DIGIT_TIMEOUT_MS),
    "overall_timeout_ms": lambda value: _seconds(value, DEFAULT_OVERALL_TIMEOUT_MS),
    "complete_on_hash": lambda value: _yes_no(value, "when options differ in length"),
    "invalid_message": _quoted,
    "no_input_message": _quoted,
    "active": _yes_no,
}
OPTION_VALUE_WORDS: dict[str, Callable] = {
    "label": _quoted,
    "voice_profile": lambda value: value or "the menu's",
    "caller_id": lambda value: value or "our 8x8 number",
    "record": _yes_no,
}


class _Names:
    """How menus are named in the lines: by name, with the key when two
    menus share the name or the name is blank; the newer snapshot first."""

    def __init__(self, *snapshots: IvrSnapshot):
        self.names: dict[str, str] = {}
        for snapshot in snapshots:
            for key, menu in snapshot.menus.items():
                self.names[key] = menu.name
        counts = Counter(name for name in self.names.values() if name)
        self.shared = {name for name, count in counts.items() if count > 1}

    def __call__(self, key: str | None) -> str:
        if key is None:
            return NONE
        name = self.names.get(key, "")
        if not name:
            return key
        return f"{name} ({key})" if name in self.shared else name


# --- What an option, a "retries used up" path, a no-answer path does ----------------


def _then(target: str | None, names: _Names) -> str:
    return f"then go to menu {names(target)}" if target else "then hang up"


def option_action_words(option: OptionSnapshot, names: _Names) -> str:
    """What choosing `option` does, in a few words."""
    said = f"say {_quoted(option.message)}, then " if option.message else ""
    match option.action:
        case OptionAction.MENU:
            return f"go to menu {names(option.target)}"
        case OptionAction.TRANSFER:
            return f"{said}transfer to {option.destination or BLANK}"
        case OptionAction.SAY:
            return f"say {_quoted(option.message)}, {_then(option.target, names)}"
        case OptionAction.PLAY:
            return f"play {option.file_url or BLANK}, {_then(option.target, names)}"
        case OptionAction.REPEAT:
            return "hear this menu again"
        case OptionAction.BACK:
            return "go back to the menu before"
        case OptionAction.HANGUP:
            return f"{said}hang up"
    return str(option.action)


def no_answer_words(option: OptionSnapshot, names: _Names) -> str:
    """What a transfer does when it is not answered, in a few words."""
    sorry = (
        f"say {_quoted(option.no_answer_message)}"
        if option.no_answer_message
        else "say sorry"
    )
    match option.on_no_answer:
        case NoAnswerAction.MENU:
            return f"{sorry}, then go to menu {names(option.no_answer_target)}"
        case NoAnswerAction.TRANSFER:
            return f"{sorry}, then try {option.no_answer_destination or BLANK}"
        case NoAnswerAction.HANGUP:
            return f"{sorry}, then hang up"
    return f"{sorry}, then this menu again"


def exhausted_words(menu: MenuSnapshot, names: _Names) -> str:
    """What `menu` does when the caller has used up the retries."""
    said = (
        f"say {_quoted(menu.exhausted_message)}, then "
        if menu.exhausted_message
        else ""
    )
    match menu.on_exhausted:
        case ExhaustedAction.TRANSFER:
            return f"{said}transfer to {menu.exhausted_destination or BLANK}"
        case ExhaustedAction.MENU:
            return f"{said}go to menu {names(menu.exhausted_target)}"
    return f"{said}hang up"


def _values(item, names: tuple[str, ...]) -> tuple:
    return tuple(getattr(item, name) for name in names)


# --- Comparing ---------------------------------------------------------------------


def snapshot_changes(before: IvrSnapshot | None, after: IvrSnapshot) -> list[Change]:
    """What callers would notice if `after` replaced `before` (None: nothing
    published; every menu and number is then added), one line each: the
    menus by key (each menu's own fields, then its options by their keys),
    then the numbers, then the default entry. Empty when callers would
    notice nothing."""
    if before is None:
        before = replace(after, menus={}, numbers={}, default_menu=None)
    names = _Names(before, after)
    changes: list[Change] = []
    for key in sorted(before.menus.keys() | after.menus.keys()):
        old, new = before.menus.get(key), after.menus.get(key)
        if old is None:
            changes.append(_menu_added(new, names))
        elif new is None:
            changes.append(_menu_removed(old, names))
        else:
            changes += _menu_changes(old, new, names)
    changes += _number_changes(before, after, names)
    if before.default_menu != after.default_menu:
        changes.append(
            Change(
                where="The default entry",
                what=f"{names(before.default_menu)} {ARROW} "
                f"{names(after.default_menu)}",
                aspect="default entry",
                value=after.default_menu,
            )
        )
    return changes


def _menu_added(menu: MenuSnapshot, names: _Names) -> Change:
    count = len(menu.options)
    options = "1 option" if count == 1 else f"{count} options"
    parked = ", not active" if not menu.active else ""
    return Change(
        where=names(menu.key),
        what=f"new menu (key “{menu.key}”{parked}), {options}",
        kind=ChangeKind.ADDED,
        menu=menu.key,
        aspect="menu",
        value=_comparable_menu(menu),
    )


def _menu_removed(menu: MenuSnapshot, names: _Names) -> Change:
    return Change(
        where=names(menu.key),
        what=f"menu deleted (key “{menu.key}”)",
        kind=ChangeKind.REMOVED,
        menu=menu.key,
        aspect="menu",
    )


def _menu_changes(
    old: MenuSnapshot, new: MenuSnapshot, names: _Names
) -> Iterator[Change]:
    where = names(new.key)
    for name in _compared_fields(MenuSnapshot, MENU_FIELDS_ELSEWHERE, MENU_FIELD_WORDS):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            words = MENU_VALUE_WORDS.get(name, str)
            yield Change(
                where=where,
                what=f"{MENU_FIELD_WORDS.get(name, name)}: {words(before)} "
                f"{ARROW} {words(after)}",
                menu=new.key,
                aspect=name,
                value=after,
            )
    before, after = exhausted_words(old, names), exhausted_words(new, names)
    if before != after:
        yield Change(
            where=where,
            what=f"when retries run out: {before} {ARROW} {after}",
            menu=new.key,
            aspect="retries used up",
            value=_values(new, EXHAUSTED_FIELDS),
        )
    old_options = {option.digits: option for option in old.options}
    new_options = {option.digits: option for option in new.options}
    for digits in sorted(old_options.keys() | new_options.keys(), key=keypad_order):
        yield from _option_changes(
            new.key, digits, old_options.get(digits), new_options.get(digits), names
        )


def _option_changes(
    menu_key: str,
    digits: str,
    old: OptionSnapshot | None,
    new: OptionSnapshot | None,
    names: _Names,
) -> Iterator[Change]:
    where = f"{names(menu_key)}, option {digits}"
    common = {"menu": menu_key, "digits": digits, "where": where}
    if old is None:
        yield Change(
            what=f"added: {option_action_words(new, names)}",
            kind=ChangeKind.ADDED,
            aspect="option",
            value=new,  # ids are not compared
            **common,
        )
        return
    if new is None:
        yield Change(
            what=f"removed (it did: {option_action_words(old, names)})",
            kind=ChangeKind.REMOVED,
            aspect="option",
            **common,
        )
        return
    before, after = option_action_words(old, names), option_action_words(new, names)
    if before != after:
        yield Change(
            what=f"{before} {ARROW} {after}",
            aspect="action",
            value=_values(new, OPTION_ACTION_FIELDS),
            **common,
        )
    transfer = new.action == OptionAction.TRANSFER
    for name in _compared_fields(
        OptionSnapshot, OPTION_FIELDS_ELSEWHERE, OPTION_FIELD_WORDS
    ):
        before, after = getattr(old, name), getattr(new, name)
        if before == after or (name in TRANSFER_ONLY_FIELDS and not transfer):
            continue
        words = OPTION_VALUE_WORDS.get(name, str)
        yield Change(
            what=f"{OPTION_FIELD_WORDS.get(name, name)}: {words(before)} "
            f"{ARROW} {words(after)}",
            aspect=name,
            value=after,
            **common,
        )
    before, after = no_answer_words(old, names), no_answer_words(new, names)
    if transfer and before != after:
        yield Change(
            what=f"if the transfer is not answered: {before} {ARROW} {after}",
            aspect="not answered",
            value=_values(new, NO_ANSWER_FIELDS),
            **common,
        )


def _number_changes(
    before: IvrSnapshot, after: IvrSnapshot, names: _Names
) -> Iterator[Change]:
    for number in sorted(before.numbers.keys() | after.numbers.keys()):
        old, new = before.numbers.get(number), after.numbers.get(number)
        if old == new:
            continue
        if old is None:
            what, kind = f"added: calls start in {names(new)}", ChangeKind.ADDED
        elif new is None:
            what, kind = f"removed (calls started in {names(old)})", ChangeKind.REMOVED
        else:
            what = f"calls start in {names(old)} {ARROW} {names(new)}"
            kind = ChangeKind.CHANGED
        yield Change(
            where=f"Number {number}",
            what=what,
            kind=kind,
            number=number,
            aspect="number",
            value=new,
        )


def _compared_fields(
    cls, elsewhere: tuple[str, ...], words: dict[str, str]
) -> list[str]:
    """The fields of dataclass `cls` compared one by one, in the order of
    `words`: every field not compared elsewhere, so that a field added to
    the snapshot one day is compared too (last, in its own name until it is
    given words)."""
    names = [item.name for item in fields(cls) if item.name not in elsewhere]
    order = {name: position for position, name in enumerate(words)}
    return sorted(names, key=lambda name: order.get(name, len(order)))


# --- Equal menus, and changes a rollback took back -----------------------------------


def _comparable_menu(menu: MenuSnapshot) -> MenuSnapshot:
    # The options in one order: the database's order depends on its collation.
    return replace(menu, options=tuple(sorted(menu.options, key=lambda o: o.digits)))


def snapshots_equal(first: IvrSnapshot, second: IvrSnapshot) -> bool:
    """True when both are the same menus, options, numbers and default entry:
    every field, whether callers hear it or not; database ids and the order
    of options aside."""
    return (
        first.menus.keys() == second.menus.keys()
        and all(
            _comparable_menu(menu) == _comparable_menu(second.menus[key])
            for key, menu in first.menus.items()
        )
        and dict(first.numbers) == dict(second.numbers)
        and first.default_menu == second.default_menu
    )


def changes_rolled_back_in_draft(
    *, rolled_back: IvrSnapshot, live: IvrSnapshot, draft: IvrSnapshot
) -> list[Change]:
    """The changes from `live` to `draft` that a rollback from `rolled_back`
    to `live` had taken back: what publishing the draft would put back in
    front of callers. Empty when the draft holds none of them (a change
    made differently since, say another prompt, is a new change)."""
    taken_back = {change.identity for change in snapshot_changes(live, rolled_back)}
    return [
        change
        for change in snapshot_changes(live, draft)
        if change.identity in taken_back
    ]
