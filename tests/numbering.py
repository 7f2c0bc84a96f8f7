"""Numbers for the rows tests make (event-0, event-1, ...), counted from 0 in
every test.

A module-level `itertools.count()` goes on from whatever test ran before, so
a test that expects "api-event-0" passes alone and fails after another test
of its module, and a failing test shows other ids in the suite than alone.
conftest.py restarts every sequence before each test.
"""

import itertools
from collections import defaultdict

_sequences: defaultdict[str, itertools.count] = defaultdict(itertools.count)


def next_number(sequence: str) -> int:
    """The next number of `sequence` in this test: 0, then 1, 2, ..."""
    return next(_sequences[sequence])


def restart() -> None:
    """Every sequence starts again from 0."""
    _sequences.clear()
