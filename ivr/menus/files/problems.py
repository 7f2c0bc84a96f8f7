"""What a menu file gets wrong, and where.

Each step of reading a file appends a `FileProblem` to a list and goes on, so
that one `MenuFileError` can report everything wrong at once.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a menu file, and where."""

    message: str
    where: str = ""  # 'menu "sales", option "2"'; "" for the file itself
    field: str | None = None  # the field's name in the file

    def __str__(self) -> str:
        parts = [self.where] if self.where else []
        if self.field:
            parts.append(f'field "{self.field}"')
        return f"{', '.join(parts)}: {self.message}" if parts else self.message


class MenuFileError(ValueError):
    """A menu file that cannot be imported; `problems` says everything wrong,
    one line each."""

    def __init__(self, problems: list[FileProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def value_described(value: Any) -> str:
    """A value read from a file, in the words a message uses for what was
    given instead: "a list", "the number 2.5", "the text “yes please”"."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"the text “{shown}”"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
