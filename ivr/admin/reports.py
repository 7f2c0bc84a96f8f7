"""The admin's report page (`/admin/ivr/callevent/report/`): a form for the
days and the menu, then `ivr.history.reports`' numbers as charts and tables.

The page belongs to the call events' admin (`ReportAdminMixin`), so it
takes that admin's view permission: staff who may not read the call events
get 403, and see no link to it.
"""

import re
from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify

from ivr.admin import charts
from ivr.history.exports import FROM, TO, staff_time_zone
from ivr.history.reports import DAY_VALIDATORS, Report, range_bounds, report_build
from ivr.models import Menu

REPORT_TITLE = "Call report"
DEFAULT_DAYS = 7
MAX_DAYS = 366
RANGE_REVERSED = "The first day must not be after the last."
RANGE_TOO_LONG = f"Choose at most {MAX_DAYS} days."
ALL_MENUS = "All menus"
OPTION_GONE = "(no longer in the menu)"
# A deleted menu's key still reports on its history, in any form keys ever had.
HISTORY_MENU_KEY_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's date picker; sends YYYY-MM-DD

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput(), validators=DAY_VALIDATORS)
    end = forms.DateField(label="To", widget=DateInput(), validators=DAY_VALIDATORS)
    menu = forms.ChoiceField(label="Menu", required=False)

    def __init__(self, data, *, menus: list[tuple[str, str]]):
        super().__init__(data)
        choices = [("", ALL_MENUS), *((key, f"{name} ({key})") for key, name in menus)]
        # A deleted menu's key still reports on its history.
        asked = data.get("menu", "")
        if (
            asked
            and asked not in dict(choices)
            and HISTORY_MENU_KEY_RE.fullmatch(asked)
        ):
            choices.append((asked, asked))
        self.fields["menu"].choices = choices

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(RANGE_REVERSED)
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(RANGE_TOO_LONG)
        return data


def default_range(today: date) -> tuple[date, date]:
    """The last `DEFAULT_DAYS` days, today included."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def option_label(digits: str, label: str) -> str:
    return f"{digits} · {label or OPTION_GONE}"


def menu_label(key: str, name: str) -> str:
    return f"{key} ({name})" if name else key


class ReportAdminMixin:
    """A `report/` page beside the call events' list."""

    def get_urls(self):
        report = path(
            "report/",
            self.admin_site.admin_view(self.report_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_report",
        )
        return [report, *super().get_urls()]

    def report_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        tz = staff_time_zone()
        start, end = default_range(timezone.now().astimezone(tz).date())
        data = {"start": start.isoformat(), "end": end.isoformat(), "menu": ""}
        data.update(request.GET.dict())
        menus = list(Menu.objects.values_list("key", "name"))
        form = ReportForm(data, menus=menus)
        context = {
            **self.admin_site.each_context(request),
            "title": REPORT_TITLE,
            "opts": self.opts,
            "form": form,
            "time_zone": getattr(tz, "key", str(tz)),
        }
        if form.is_valid():
            report = report_build(
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                tz=tz,
                menu_key=form.cleaned_data["menu"],
            )
            context.update(report_context(report, tz))
        return TemplateResponse(request, "admin/ivr/report.html", context)


def report_context(report: Report, tz) -> dict:
    """The report's charts, and the links to its rows, for the template."""
    since, until = range_bounds(report.start, report.end, tz)
    days = {FROM: report.start.isoformat(), TO: report.end.isoformat()}
    events_url = reverse("admin:ivr_callevent_changelist")
    menu_filter = {"menu_key": report.menu_key} if report.menu_key else {}
    sections = []
    for menu in report.menus:
        chosen = sum(option.count for option in menu.options)
        sections.append(
            {
                "menu": menu,
                "options": [
                    (option, 100 * option.count / chosen) for option in menu.options
                ],
                "dom_id": slugify(menu.key) or "blank",
                "options_chart": charts.bar_chart(
                    [(option_label(o.digits, o.label), o.count) for o in menu.options],
                    chart_id=f"chart-options-{slugify(menu.key)}",
                    title=f"Options chosen in {menu.key}",
                ),
                "events_url": events_url
                + "?"
                + urlencode(
                    {
                        "occurred_at__gte": str(since),
                        "occurred_at__lt": str(until),
                        "menu_key": menu.key,
                    }
                ),
            }
        )
    return {
        "report": report,
        "sections": sections,
        "calls_per_day_chart": charts.line_chart(
            [(day_label(day), count) for day, count in report.calls_per_day],
            chart_id="chart-calls-per-day",
            title="Calls per day",
        ),
        "calls_per_hour_chart": charts.column_chart(
            [(f"{hour:02}", count) for hour, count in report.calls_per_hour],
            chart_id="chart-calls-per-hour",
            title="Calls by hour of the day",
        ),
        "hangups_chart": charts.bar_chart(
            [(menu_label(m.key, m.name), m.hangups) for m in report.hangups],
            chart_id="chart-hangups",
            title="Hang-ups by menu",
        ),
        "events_export_url": reverse("admin:ivr_callevent_export")
        + "?"
        + urlencode({**days, **menu_filter}),
        "calls_export_url": reverse("admin:ivr_call_export") + "?" + urlencode(days),
    }
