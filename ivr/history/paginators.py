"""Pagination for the call history lists, which grow to millions of rows.

Django's admin counts every matching row to number the pages; on a large
table that count costs more than the page itself. Here an unfiltered list
takes PostgreSQL's own estimate of the table's size (kept by autovacuum), and
a filtered list counts at most `COUNT_CAP` rows through its index: page links
stop there, and the list says "more than 10,000" (narrow the filters, or
search, to go further). SQLite, a development database, counts exactly.
"""

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class LargeTablePaginator(Paginator):
    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor != "postgresql":
            return super().count
        if not queryset.query.where:
            estimate = _estimated_rows(queryset.model._meta.db_table)
            if estimate is not None and estimate > COUNT_CAP:
                self.is_estimate = True
                return estimate
        return queryset.order_by()[: COUNT_CAP + 1].count()

    @property
    def is_capped(self) -> bool:
        return not self.is_estimate and self.count > COUNT_CAP

    @property
    def count_cap(self) -> int:
        return COUNT_CAP


def _estimated_rows(table: str) -> int | None:
    """PostgreSQL's estimate of `table`'s rows; None before the first ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table]
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] > 0 else None
