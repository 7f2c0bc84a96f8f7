"""The DTMF capture settings a menu sends, derived from its options when
staff leave them blank, so that every option can actually be entered.

8x8 documents two ways a capture ends (reference §3.3): on "#" when
`completeOnHash` is true, and on reaching `maxDigits` when it is false. With
options of one length, the capture ends on the last key of any choice: the
caller presses "2" and is answered at once. With options of different
lengths ("1" and "12"), the shorter ones could only end by the digit timeout,
which 8x8 does not document as a way to finish; so such menus finish on "#"
("1#", "12#"), the one way 8x8 documents for them, and the prompt must tell
callers so (`core.graph` warns when it does not).
"""

from ivr.core.snapshot import MenuSnapshot
from ivr.eightbyeight.actions import Capture
from ivr.eightbyeight.limits import DIGITS_MAX

DEFAULT_DIGIT_TIMEOUT_MS = 5000
DEFAULT_OVERALL_TIMEOUT_MS = 15000


def capture_for(menu: MenuSnapshot) -> Capture:
    """Explicit settings for `menu`'s sayAndCapture.

    Unset values come from the options: `maxDigits` is the longest choice and
    `minDigits` the shortest; input ends on "#" when choices differ in length
    (so "1" and "12" can both be entered) unless "#" is itself a choice. The
    overall timeout is always longer than the digit timeout, as 8x8 requires.
    """
    lengths = [len(option.digits) for option in menu.options] or [1]
    max_digits = _clamp(menu.max_digits or max(lengths))
    min_digits = min(_clamp(menu.min_digits or min(lengths)), max_digits)
    complete_on_hash = menu.complete_on_hash
    if complete_on_hash is None:
        hash_is_a_choice = any(option.digits == "#" for option in menu.options)
        complete_on_hash = len(set(lengths)) > 1 and not hash_is_a_choice
    digit_timeout = menu.digit_timeout_ms or DEFAULT_DIGIT_TIMEOUT_MS
    overall_timeout = menu.overall_timeout_ms or DEFAULT_OVERALL_TIMEOUT_MS
    overall_timeout = max(overall_timeout, digit_timeout + 1)
    return Capture(
        min_digits=min_digits,
        max_digits=max_digits,
        digit_timeout_ms=digit_timeout,
        overall_timeout_ms=overall_timeout,
        complete_on_hash=complete_on_hash,
        tries=max(1, min(menu.tries, 10)),
    )


def _clamp(digits: int) -> int:
    return max(1, min(digits, DIGITS_MAX))


def how_callers_choose(capture: Capture) -> str:
    """How a caller finishes entering a choice, in plain words, as the admin,
    the map and the simulator say it."""
    if capture.complete_on_hash:
        if capture.min_digits == capture.max_digits:
            keys = _keys(capture.max_digits)
        else:
            keys = f"{capture.min_digits} to {capture.max_digits} keys"
        return f"Callers press {keys}, then # to finish."
    keys = _keys(capture.max_digits)
    if capture.min_digits == capture.max_digits:
        return f"Callers press {keys}: the choice is taken on the last key."
    return (
        f"Callers press up to {keys}: the choice is taken on the "
        f"{_ordinal(capture.max_digits)} key."
    )


def _keys(count: int) -> str:
    return "1 key" if count == 1 else f"{count} keys"


def _ordinal(number: int) -> str:
    teen = number % 100 in (11, 12, 13)
    suffix = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
