"""A plain, immutable picture of the menus, as the decision code sees them.

`ivr.menus.snapshots.ivr_snapshot_from_database()` builds one from the
database; tests and the simulator build them by hand. Menus refer to each
other by key, never by database id, so a snapshot means the same thing in
every process.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from enum import StrEnum

from ivr.core.numbers import normalize_number

DEFAULT_GOODBYE = "Thank you for calling. Goodbye."
DEFAULT_FALLBACK_MESSAGE = "Sorry, we are having technical difficulties."
# The voice of 8x8's own IVR guides.
DEFAULT_VOICE_PROFILE = "en-US-BenjaminRUS"
DEFAULT_INVALID_MESSAGE = "Sorry, that is not a valid choice."
DEFAULT_NO_INPUT_MESSAGE = "Sorry, we did not hear your choice."


class OptionAction(StrEnum):
    MENU = "menu"
    TRANSFER = "transfer"
    SAY = "say"
    PLAY = "play"
    REPEAT = "repeat"
    BACK = "back"
    HANGUP = "hangup"


class ExhaustedAction(StrEnum):
    """What a menu does when the caller has used up the retries."""

    HANGUP = "hangup"
    TRANSFER = "transfer"
    MENU = "menu"


class NoAnswerAction(StrEnum):
    """What a transfer option does when the number does not connect (busy,
    no answer, rejected): its message first, then this."""

    RETURN = "return"  # back to the menu the caller was in
    MENU = "menu"  # another menu
    TRANSFER = "transfer"  # another number
    HANGUP = "hangup"  # goodbye


# The order options are listed in: as a keypad reads, "1" … "9", "0", "*",
# "#", with "11" right after "1". Set here rather than left to the database,
# whose collations disagree on where "*" sorts.
KEYPAD_ORDER = "1234567890*#"


def keypad_order(digits: str) -> tuple[list[int], str]:
    """The sort key that lists options' `digits` in KEYPAD_ORDER."""
    positions = [
        KEYPAD_ORDER.index(key) if key in KEYPAD_ORDER else len(KEYPAD_ORDER)
        for key in digits
    ]
    return positions, digits


@dataclass(frozen=True)
class OptionSnapshot:
    digits: str
    action: OptionAction
    label: str = ""
    target: str | None = None  # key of the menu to go to (menu, say, play)
    destination: str = ""  # E.164 number (transfer)
    caller_id: str = ""  # E.164 caller ID for the transfer; "" = our number
    record: bool = False
    message: str = ""  # said first (say; optional for transfer and hangup)
    voice_profile: str = ""  # the messages' voice; "": the menu's
    file_url: str = ""  # played (play)
    # A transfer that does not connect: the message, then the action.
    on_no_answer: NoAnswerAction = NoAnswerAction.RETURN
    no_answer_message: str = ""  # "" : the standard apology
    no_answer_target: str | None = None  # key of the menu (MENU)
    no_answer_destination: str = ""  # E.164 number (TRANSFER)
    # The database row this came from, for the call history only.
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MenuSnapshot:
    key: str
    prompt: str
    voice_profile: str
    name: str = ""
    speed: float = 1.0
    # Capture settings; None means "derive from the options" (core.capture).
    min_digits: int | None = None
    max_digits: int | None = None
    digit_timeout_ms: int | None = None
    overall_timeout_ms: int | None = None
    complete_on_hash: bool | None = None
    tries: int = 1
    invalid_message: str = DEFAULT_INVALID_MESSAGE
    no_input_message: str = DEFAULT_NO_INPUT_MESSAGE
    max_retries: int = 2
    on_exhausted: ExhaustedAction = ExhaustedAction.HANGUP
    exhausted_message: str = ""
    exhausted_destination: str = ""
    exhausted_target: str | None = None
    active: bool = True
    options: tuple[OptionSnapshot, ...] = ()
    # The database row this came from, for the call history only.
    id: int | None = field(default=None, compare=False)

    def option_for(self, digits: str) -> OptionSnapshot | None:
        for option in self.options:
            if option.digits == digits:
                return option
        return None


@dataclass(frozen=True)
class Fallback:
    """What a caller hears when the menus can't answer: an apology, then a
    transfer to an operator if one is configured, else a polite hang-up."""

    message: str
    voice_profile: str
    transfer_to: str = ""


@dataclass(frozen=True)
class IvrSnapshot:
    menus: Mapping[str, MenuSnapshot]
    fallback: Fallback
    numbers: Mapping[str, str] = field(default_factory=dict)  # E.164 → menu key
    default_menu: str | None = None
    goodbye_message: str = DEFAULT_GOODBYE
    # The published version these menus are (ivr.menus.publishing); None for the
    # menus as saved, before anything was published.
    version: int | None = None
    # Actions built from these menus, reused by every call (see decide).
    built_actions: dict = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def active_menu(self, key: str | None) -> MenuSnapshot | None:
        menu = self.menus.get(key) if key else None
        return menu if menu is not None and menu.active else None

    def entry_menu_key(self, number: str) -> str | None:
        """The menu a call to `number` starts in: the number's own menu, or
        the default entry menu for numbers that are not listed."""
        return self.numbers.get(normalize_number(number)) or self.default_menu


def snapshot_to_dict(snapshot: IvrSnapshot) -> dict:
    """`snapshot` as plain JSON values (the fallback is not included: it
    comes from the settings of whoever loads the snapshot back)."""
    return {
        "menus": [asdict(menu) for menu in snapshot.menus.values()],
        "numbers": dict(snapshot.numbers),
        "default_menu": snapshot.default_menu,
        "goodbye_message": snapshot.goodbye_message,
        "version": snapshot.version,
    }


def _known(cls, values: dict) -> dict:
    """`values` without the keys that are not fields of dataclass `cls`."""
    names = {item.name for item in dataclass_fields(cls)}
    return {key: value for key, value in values.items() if key in names}


def snapshot_from_dict(data: dict, fallback: Fallback) -> IvrSnapshot:
    """The snapshot `snapshot_to_dict` wrote; raises KeyError, TypeError or
    ValueError when `data` is not one.

    Published versions are kept for good (ivr.menus.publishing), so a snapshot
    written by an older version of this code must still load: fields it has
    that this code dropped are ignored, and fields added since take their
    defaults."""
    menus = {}
    for menu in data["menus"]:
        options = tuple(
            OptionSnapshot(
                **{
                    **_known(OptionSnapshot, option),
                    "action": OptionAction(option["action"]),
                    "on_no_answer": NoAnswerAction(
                        option.get("on_no_answer", NoAnswerAction.RETURN)
                    ),
                }
            )
            for option in menu["options"]
        )
        fields = {**_known(MenuSnapshot, menu), "options": options}
        fields["on_exhausted"] = ExhaustedAction(menu["on_exhausted"])
        menus[menu["key"]] = MenuSnapshot(**fields)
    return IvrSnapshot(
        menus=menus,
        fallback=fallback,
        numbers=dict(data["numbers"]),
        default_menu=data["default_menu"],
        goodbye_message=data["goodbye_message"],
        version=data.get("version"),
    )
