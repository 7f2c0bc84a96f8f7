"""How the audit history's rows are made.

A change reason is usually set on one instance (`instance._change_reason`);
`change_reason()` sets one for every row written in a block of code, which
also reaches rows the code never holds, such as those `QuerySet.delete()`
deletes one by one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from simple_history.models import HistoricalRecords

# simple-history's column is a CharField of this length.
CHANGE_REASON_MAX_CHARS = 100

_change_reason: ContextVar[str | None] = ContextVar("ivr_change_reason", default=None)


@contextmanager
def change_reason(reason: str) -> Iterator[None]:
    """Record `reason` (cut to the column's length) on every history row
    written inside the block, unless the row's instance has its own."""
    if len(reason) > CHANGE_REASON_MAX_CHARS:
        reason = reason[: CHANGE_REASON_MAX_CHARS - 1] + "…"
    token = _change_reason.set(reason)
    try:
        yield
    finally:
        _change_reason.reset(token)


class AuditHistory(HistoricalRecords):
    """simple-history's `HistoricalRecords`, reading the change reason from
    `change_reason()` too (the hook its documentation names for this)."""

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        return reason if reason is not None else _change_reason.get()
