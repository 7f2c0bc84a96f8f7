"""CSV export of the call history lists, streamed: a million rows never sit
in memory, on the app server or in the database driver.

`CsvExportMixin` gives a history admin an `export/` page beside its list.
The "Export CSV" link of the list carries the list's query string, and the
export builds its queryset with the admin's own `ChangeList`, so the rows
are exactly those of the list: the same filters (its date filter included),
the same search, the same order. Optional `from` and `to` (days, in the
staff's time zone `settings.TIME_ZONE`) replace the list's date filter.

Rows are read as tuples (`values_list`, never model instances, never the
JSON columns unless `payload=1` asks for the request body) through
`.iterator()`: on PostgreSQL a server-side cursor, fetched
`CHUNK_ROWS` at a time, on SQLite the same through `fetchmany`. Each row is
written by the `csv` module into a small buffer that is sent once it holds
`FLUSH_BYTES`, in a `StreamingHttpResponse`.

Cells are safe to open in a spreadsheet: text starting with "=", "+", "-",
"@", a tab or a carriage return (a formula, to Excel or LibreOffice) gets a
leading "'", so a caller id like "=HYPERLINK(...)" is shown, never run. A
phone number in E.164 form ("+6591234567") is left as it is: a "+" and
digits alone cannot call anything.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ivr.history.reports import DAY_VALIDATORS, long_statements
from ivr.models import OUTCOME_CHOICES, Call, CallEvent

CHUNK_ROWS = 2000
FLUSH_BYTES = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
E164 = re.compile(r"\+[0-9]{1,15}")

FROM, TO, PAYLOAD = "from", "to", "payload"
BAD_RANGE = "Enter the export's dates as YYYY-MM-DD, the first not after the last."

OUTCOMES = dict(OUTCOME_CHOICES)


def safe_cell(value):
    """`value` as a spreadsheet shows it and never runs: text that a
    spreadsheet would read as a formula gets a leading "'"."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not E164.fullmatch(value)
    ):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    source: str  # a field, or a lookup through a relation
    kind: str = "text"  # "text", "time" or "outcome"


@dataclass(frozen=True)
class Export:
    name: str  # the file's name starts with it
    date_field: str  # the field the list's date filter and from/to filter
    columns: tuple[Column, ...]
    payload: str = ""  # the JSON column `payload=1` adds, if any


EXPORTS = {
    CallEvent: Export(
        name="call-events",
        date_field="occurred_at",
        columns=(
            Column("time", "occurred_at", "time"),
            Column("event id", "event_id"),
            Column("event type", "event_type"),
            Column("status", "status"),
            Column("session id", "session_id"),
            Column("call id", "call_leg_id"),
            Column("direction", "direction"),
            Column("caller", "source"),
            Column("number called", "destination"),
            Column("menu", "menu_key"),
            Column("digits", "digits"),
            Column("option", "option_digits"),
            # A join to the small options table; blank once deleted.
            Column("option label", "option__label"),
            Column("outcome", "outcome", "outcome"),
            Column("SIP code", "sip_code"),
            Column("error", "error"),
        ),
        payload="payload",
    ),
    Call: Export(
        name="calls",
        date_field="started_at",
        columns=(
            Column("started", "started_at", "time"),
            Column("session id", "session_id"),
            Column("direction", "direction"),
            Column("caller", "caller"),
            Column("number called", "number_called"),
            Column("first menu", "first_menu_key"),
            Column("last menu", "last_menu_key"),
            Column("events", "event_count"),
            Column("last outcome", "last_outcome", "outcome"),
            Column("status", "status"),
            Column("ended", "ended_at", "time"),
            Column("duration (s)", "duration_seconds"),
            Column("legs", "leg_count"),
            Column("last action", "last_action"),
            Column("8x8 error", "error_code"),
            Column("8x8 error message", "error_message"),
        ),
    ),
}


def staff_time_zone() -> tzinfo:
    """The zone staff read times in (read when called, like all settings)."""
    return ZoneInfo(settings.TIME_ZONE)


def csv_chunks(
    queryset: QuerySet, export: Export, *, tz: tzinfo, payload: bool = False
) -> Iterator[str]:
    """The CSV text of `queryset`'s rows, a header first, in pieces of about
    `FLUSH_BYTES`; reads `CHUNK_ROWS` rows at a time."""
    columns = list(export.columns)
    if payload and export.payload:
        queryset = queryset.annotate(payload_text=Cast(export.payload, TextField()))
        columns.append(Column(export.payload, "payload_text"))
    rows = queryset.values_list(*(column.source for column in columns))
    # Each cell is looked at only as its kind needs: this loop is most of
    # the export's time.
    times = [i for i, column in enumerate(columns) if column.kind == "time"]
    outcomes = [i for i, column in enumerate(columns) if column.kind == "outcome"]
    texts = [i for i, column in enumerate(columns) if column.kind == "text"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # writes None as an empty cell
    writer.writerow([column.header for column in columns])
    # Inside a transaction on PostgreSQL: the cursor then streams (a cursor
    # outside one is computed whole when opened), and each fetch may take
    # the reports' longer statement time.
    with long_statements():
        cursor_rows = rows.iterator(chunk_size=CHUNK_ROWS)
        try:
            for row in cursor_rows:
                cells = list(row)
                for i in times:
                    if cells[i] is not None:
                        cells[i] = cells[i].astimezone(tz).isoformat("T", "seconds")
                for i in outcomes:
                    cells[i] = OUTCOMES.get(cells[i], cells[i])
                for i in texts:
                    value = cells[i]
                    if value.__class__ is str and value[:1] in FORMULA_FIRST:
                        cells[i] = safe_cell(value)
                writer.writerow(cells)
                if buffer.tell() >= FLUSH_BYTES:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        finally:
            # Close the cursor inside its transaction, also when the download
            # stops half-way (the server closes this generator).
            cursor_rows.close()
    yield buffer.getvalue()


class ExportRangeForm(forms.Form):
    """The optional days of an export, both included."""

    start = forms.DateField(required=False, validators=DAY_VALIDATORS)
    end = forms.DateField(required=False, validators=DAY_VALIDATORS)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(BAD_RANGE)
        return data


def filter_params(get, export: Export, tz: tzinfo):
    """The list's query string for the export: `from` and `to`, if either is
    given, replace the list's date filter (a missing one leaves that side
    open); `payload` goes. None if they are not dates in order."""
    params = get.copy()
    form = ExportRangeForm(
        {"start": params.pop(FROM, [""])[-1], "end": params.pop(TO, [""])[-1]}
    )
    params.pop(PAYLOAD, None)
    if not form.is_valid():
        return None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if start or end:
        for suffix in ("gte", "lt"):
            params.pop(f"{export.date_field}__{suffix}", None)
        if start:
            since = datetime.combine(start, time.min, tzinfo=tz)
            params[f"{export.date_field}__gte"] = str(since)
        if end:
            until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
            params[f"{export.date_field}__lt"] = str(until)
    return params


def file_name(params, export: Export, tz: tzinfo) -> str:
    """The file's name, after the days the date filter covers:
    "calls_2026-11-19_to_2026-11-25.csv"; "calls_until_<today>.csv" without
    one."""
    since = _instant(params.get(f"{export.date_field}__gte"), tz)
    until = _instant(params.get(f"{export.date_field}__lt"), tz)
    today = timezone.now().astimezone(tz).date()
    first = since.astimezone(tz).date().isoformat() if since else ""
    if until:
        # The filter's end is the first instant after the last day.
        last = (until.astimezone(tz) - datetime.resolution).date().isoformat()
    else:
        last = today.isoformat()
    if first:
        return f"{export.name}_{first}_to_{last}.csv"
    return f"{export.name}_until_{last}.csv"


def _instant(text: str | None, tz: tzinfo) -> datetime | None:
    """A date filter's bound: an aware date and time as Django's date
    filter writes it, or a day (midnight in `tz`)."""
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            return datetime.combine(day, time.min, tzinfo=tz) if day else None
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=tz)


class ExportChangeList(ChangeList):
    """The list's queryset without the page: no count, no page of rows."""

    def get_results(self, request):
        self.result_count = self.full_result_count = None
        self.result_list = self.queryset


class CsvExportMixin:
    """An `export/` page beside a history admin's list (`EXPORTS` says what
    it writes), for staff who may view the list."""

    def _export_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_export"

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name=self._export_url_name(),
        )
        return [export, *super().get_urls()]

    def get_changelist(self, request, **kwargs):
        match = request.resolver_match
        if match and match.url_name == self._export_url_name():
            return ExportChangeList
        return super().get_changelist(request, **kwargs)

    def export_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        export = EXPORTS[self.model]
        tz = staff_time_zone()
        list_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
            current_app=self.admin_site.name,
        )
        payload = request.GET.get(PAYLOAD) == "1"
        params = filter_params(request.GET, export, tz)
        if params is None:
            messages.error(request, BAD_RANGE)
            return HttpResponseRedirect(list_url)
        request.GET = params
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{list_url}?{ERROR_FLAG}=1")
        chunks = csv_chunks(
            changelist.queryset,
            export,
            tz=tz,
            payload=payload,
        )
        response = StreamingHttpResponse(chunks, content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="{file_name(params, export, tz)}"'
        )
        return response
