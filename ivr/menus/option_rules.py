"""Rules that span a menu and its options, shared by the admin and the
importer so both refuse the same things with the same words.

Single-field and single-row rules live on the models (validators, clean()).
"""

from collections import Counter
from collections.abc import Sequence

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
