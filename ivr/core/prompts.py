"""The keys a prompt tells callers about, read from its words.

Used by the menu checks (`core.graph`) to warn when an option's key is never
mentioned in its menu's prompt, or when the prompt offers a key no option
has. Prompts are free text in any wording, so this reads only the plainest
forms and errs towards silence: a key counts as offered when it follows
"press", "dial", "enter", "key", "choose" or "select" ("press 1", "press
star", "press the hash key", "enter 7 7"), and as mentioned wherever it is
written ("1", "one", "star", "#"). Digits spoken one by one ("7 7",
"seven seven") make one key; a comma or a full stop ends it.

Pure: no database, no Django.
"""

import re

WORD_KEYS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "star": "*",
    "asterisk": "*",
    "hash": "#",
    "pound": "#",
    "square": "#",
}
OFFERING_WORDS = frozenset({"press", "dial", "enter", "key", "choose", "select"})
# Between the offering word and the key: "press the hash key", "enter your 4".
FILLER_WORDS = frozenset({"the", "a", "your"})

_TOKEN_RE = re.compile(r"[*#]|[0-9]+|[a-z]+|[.,;:!?()]")
_SEPARATORS = frozenset(".,;:!?()")


def keys_mentioned(prompt: str) -> set[str]:
    """Every key written in `prompt`, offered or not."""
    return {key for key, _ in _key_runs(prompt)}


def keys_offered(prompt: str) -> set[str]:
    """The keys `prompt` asks callers to press."""
    return {key for key, offered in _key_runs(prompt) if offered}


def _key_runs(prompt: str) -> list[tuple[str, bool]]:
    """(key, offered) for each run of keys in `prompt`, in order."""
    runs: list[tuple[str, bool]] = []
    keys: list[str] = []
    offering = False  # an offering word came, and no key since
    offered = False  # the run being read follows an offering word

    def end_run() -> None:
        nonlocal keys, offered
        if keys:
            runs.append(("".join(keys), offered))
        keys, offered = [], False

    for word in _TOKEN_RE.findall(prompt.lower()):
        key = WORD_KEYS.get(word, word if word[0] in "0123456789*#" else None)
        if key is not None:
            if not keys:
                offered = offering
            keys.append(key)
            offering = False
            continue
        if word == "key" and keys:
            continue  # "the hash key": the word after the key
        end_run()
        if word in _SEPARATORS:
            offering = False
        elif word in OFFERING_WORDS:
            offering = True
        elif word not in FILLER_WORDS:
            offering = False
    end_run()
    return runs
