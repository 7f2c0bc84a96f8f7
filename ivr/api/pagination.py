"""Cursor pagination whose position is a whole row key, not one column.

DRF's `CursorPagination` positions its cursor on the first ordering column
alone and, where rows share that value (events of the same millisecond),
skips an *offset* of them. A row stored later among those tied rows shifts
the offset, so a client walking the pages sees a row twice or misses one.
8x8 stamps each event with its own time and its Session Summaries arrive
after the call, so events are stored out of time order all day.

Here the cursor holds every ordering column of the last row served (the
time, then a unique key), and the next page is the rows strictly after it
in that order: a row is never served twice, whatever is stored meanwhile,
and the query is a range scan of the index the ordering matches (see
`ivr.models` and the EXPLAIN in tests/test_api.py), never a sort or an
offset. Rows stored *behind* the cursor (a late event older than the page
being read) are not served to that walk: start a new walk, or overlap the
time windows, to pick them up.
"""

from base64 import b64decode, b64encode
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination, _reverse_ordering
from rest_framework.utils.urls import replace_query_param

INVALID_CURSOR = (
    "This cursor is not one the API gave out: use the next or previous link "
    "of a page as it is."
)
PAGE_SIZE_INVALID = "Enter a whole number from 1 to {maximum}."
PAGE_SIZE_HELP = (
    "Rows per page, from 1 to {maximum} (larger values give {maximum}); "
    "{default} when left out."
)
CURSOR_HELP = (
    "Where the page starts: take it from the `next` or `previous` link of "
    "the page before; leave it out for the newest rows."
)


def rows_after(ordering: tuple[str, ...], position: tuple) -> Q:
    """The rows strictly after `position` in `ordering` ("-column" for
    descending), compared column by column like a row value."""
    names = [order.lstrip("-") for order in ordering]
    strict = ["__lt" if order.startswith("-") else "__gt" for order in ordering]
    query = Q()
    for index, name in enumerate(names):
        equal = dict(zip(names[:index], position[:index], strict=True))
        query |= Q(**equal, **{name + strict[index]: position[index]})
    # Implied by the above, but spelled out so that the database starts its
    # index scan at the position rather than filtering from the first row.
    first_bound = "__lte" if ordering[0].startswith("-") else "__gte"
    return Q(**{names[0] + first_bound: position[0]}) & query


class KeysetCursorPagination(CursorPagination):
    """Pages of `page_size` rows in `ordering`, which must end with a unique
    column and match an index of the model."""

    ordering: tuple[str, ...] = ()
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    # Not used: a position is unique, so no cursor carries an offset.
    offset_cutoff = 0

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.model = queryset.model
        self.cursor = self.decode_cursor(request)
        reverse = self.cursor is not None and self.cursor.reverse
        position = self.cursor.position if self.cursor else None

        ordering = _reverse_ordering(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(rows_after(ordering, position))
        # One row more than the page tells whether another page follows.
        rows = list(queryset[: self.page_size + 1])
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = position is not None, more
        else:
            self.has_next, self.has_previous = more, position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def get_page_size(self, request):
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        try:
            size = int(text)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        PAGE_SIZE_INVALID.format(maximum=self.max_page_size)
                    ]
                }
            )
        return min(size, self.max_page_size)

    def get_next_link(self):
        if not self.has_next:
            return None
        position = self._position(self.page[-1]) if self.page else self.cursor.position
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        position = self._position(self.page[0]) if self.page else self.cursor.position
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=position))

    def _position(self, row) -> tuple:
        return tuple(getattr(row, order.lstrip("-")) for order in self.ordering)

    def encode_cursor(self, cursor):
        tokens = {"p": [self._text(value) for value in cursor.position]}
        if cursor.reverse:
            tokens["r"] = "1"
        querystring = parse.urlencode(tokens, doseq=True)
        encoded = b64encode(querystring.encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    @staticmethod
    def _text(value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    def decode_cursor(self, request):
        """The request's cursor, its position as model values; None without
        one. A cursor that cannot be read is a 400 naming the parameter."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True)
            tokens = parse.parse_qs(querystring.decode("ascii"), strict_parsing=True)
            texts = tokens["p"]
            reverse = tokens.get("r", ["0"]) == ["1"]
            if len(texts) != len(self.ordering):
                raise ValueError(texts)
            position = tuple(
                self._value(order.lstrip("-"), text)
                for order, text in zip(self.ordering, texts, strict=True)
            )
        # binascii.Error and UnicodeError are ValueErrors.
        except (ValueError, KeyError, DjangoValidationError) as error:
            raise ValidationError(
                {self.cursor_query_param: [INVALID_CURSOR]}
            ) from error
        return Cursor(offset=0, reverse=reverse, position=position)

    def _value(self, name: str, text: str):
        value = self.model._meta.get_field(name).to_python(text)
        if value is None or (hasattr(value, "tzinfo") and timezone.is_naive(value)):
            raise ValueError(text)
        return value

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        # DRF's examples name another API's URLs.
        for link in ("next", "previous"):
            described["properties"][link].pop("example", None)
        described["properties"]["next"]["description"] = (
            "The next (older) page; null on the last page."
        )
        described["properties"]["previous"]["description"] = (
            "The previous (newer) page; null on the first page."
        )
        return described

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": CURSOR_HELP,
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": PAGE_SIZE_HELP.format(
                    maximum=self.max_page_size, default=self.page_size
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]


class CallEventPagination(KeysetCursorPagination):
    # Index ivr_event_time (occurred_at, id), read backwards.
    ordering = ("-occurred_at", "-id")


class CallPagination(KeysetCursorPagination):
    # Index ivr_call_started (started_at, session_id), read backwards.
    ordering = ("-started_at", "-session_id")
