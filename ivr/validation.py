"""Rules that span a menu and its options, shared by the admin and the
importer so both refuse the same things with the same words.

Single-field and single-row rules live on the models (validators, clean()).
"""

from collections import Counter
from collections.abc import Sequence

DUPLICATE_DIGITS = "Keys {digits} are used by more than one option."
OPTION_TOO_LONG = (
    "Option {digits} needs {length} keys but the menu captures at most {maximum}."
)
OPTION_TOO_SHORT = (
    "Option {digits} has {length} keys but the menu needs at least {minimum}."
)
HASH_OPTION_WITH_FINISH_ON_HASH = (
    "With “finish on #”, pressing # ends the input, so the # option could "
    "never be chosen."
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
    repeated = sorted(d for d, count in Counter(option_digits).items() if count > 1)
    for digits in repeated:
        problems.setdefault("options", []).append(
            DUPLICATE_DIGITS.format(digits=digits)
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
                    digits=digits, length=len(digits), minimum=min_digits
                )
            )
    if complete_on_hash and "#" in option_digits:
        problems.setdefault("complete_on_hash", []).append(
            HASH_OPTION_WITH_FINISH_ON_HASH
        )
    return problems
