"""What every report shares: its permissions (the screen, its results fragment, its exports and
its menu item check the same ones), periods with presets, exports an accountant can sum, and
registration under Reports.

Exports: Wagtail writes a Decimal as a number cell and a date as a date cell, but a Money as
text ("1.000.000 ₫"), which no spreadsheet can add up; so every report exports an amount as a
Decimal column beside a currency column, and a day as a date (not a time in UTC)."""

from __future__ import annotations

import datetime

import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput

from fund.money import money_display

ISO_DATE = "%Y-%m-%d"


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _centre_time(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, timezone.get_default_timezone()) if timezone.is_aware(value) else value


# --- Periods -------------------------------------------------------------------------------------

PERIOD_CHOICES = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This year")),
    ("last_year", _("Last year")),
]


def period_bounds(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of a preset period around ``today``."""

    def month_start(year: int, month: int) -> datetime.date:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return datetime.date(year, month, 1)

    quarter_month = 3 * ((today.month - 1) // 3) + 1
    starts = {
        "this_month": (month_start(today.year, today.month), month_start(today.year, today.month + 1)),
        "last_month": (month_start(today.year, today.month - 1), month_start(today.year, today.month)),
        "this_quarter": (month_start(today.year, quarter_month), month_start(today.year, quarter_month + 3)),
        "last_quarter": (month_start(today.year, quarter_month - 3), month_start(today.year, quarter_month)),
        "this_year": (datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1)),
        "last_year": (datetime.date(today.year - 1, 1, 1), datetime.date(today.year, 1, 1)),
    }
    first, next_first = starts[period]
    return first, next_first - datetime.timedelta(days=1)


class ReportFilterSet(WagtailFilterSet):
    """A report's filters, with defaults for a bare URL (the menu's link): when the query names
    none of the filters, ``defaults()`` fill them in. A submitted form names them all, so a
    filter the user empties stays empty."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not any(name in data for name in self.base_filters):
            data = data.copy()
            for name, value in self.defaults().items():
                data[name] = value
        super().__init__(data, *args, **kwargs)

    def defaults(self) -> dict[str, str]:
        return {}


class PeriodFilterSet(ReportFilterSet):
    """A period (a preset, or first and last day, or both: both narrow) over ``date_field``, a
    date field or a date annotation of the report's queryset."""

    date_field = ""
    default_period: str | None = "this_month"

    period = django_filters.ChoiceFilter(
        label=_("Period"), choices=PERIOD_CHOICES, method="filter_period", empty_label=_("Any time")
    )
    date_from = django_filters.DateFilter(label=_("First day"), method="filter_date_from", widget=AdminDateInput)
    date_to = django_filters.DateFilter(label=_("Last day"), method="filter_date_to", widget=AdminDateInput)

    def defaults(self) -> dict[str, str]:
        return {"period": self.default_period} if self.default_period else {}

    def filter_period(self, queryset, name, value):
        if not value:
            return queryset
        first, last = period_bounds(value, timezone.localdate())
        return queryset.filter(**{f"{self.date_field}__gte": first, f"{self.date_field}__lte": last})

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": value}) if value else queryset

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lte": value}) if value else queryset


# --- Columns -------------------------------------------------------------------------------------


class MoneyColumn(Column):
    """An amount as the user's language writes it; ``accessor`` gives a Money."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return money_display(value) if isinstance(value, Money) else "—"


class DayColumn(Column):
    def get_value(self, instance):
        value = super().get_value(instance)
        return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


# --- The view ------------------------------------------------------------------------------------


class BaseReport(ReportView):
    """A report under Reports. ``permissions``: all are needed, to open it, to export it and to
    see its menu item. ``url_path`` and ``url_name`` name the screen; its results fragment
    (what the filters refresh) is ``<url_name>_results``."""

    permissions: tuple[str, ...] = ()
    url_path = ""
    url_name = ""
    menu_label = ""
    menu_icon = "table"
    menu_order = 100
    results_template_name = "reporting/admin/report_results.html"
    paginate_by = 50

    custom_value_preprocess = {
        **ReportView.custom_value_preprocess,
        bool: {"xlsx": _yes_no, "csv": _yes_no},
        datetime.datetime: {
            "xlsx": lambda value: _centre_time(value).replace(tzinfo=None),
            "csv": lambda value: _centre_time(value).isoformat(sep=" ", timespec="seconds"),
        },
        datetime.date: {"xlsx": None, "csv": lambda value: value.isoformat()},
    }

    @classmethod
    def user_may_open(cls, user) -> bool:
        return all(user.has_perm(permission) for permission in cls.permissions)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def index_url_name(self):
        return self.url_name

    @property
    def index_results_url_name(self):
        return f"{self.url_name}_results"

    def get_page_title(self):
        return self.page_title or self.menu_label

    def get_filename(self):
        return f"{self.export_filename}-{timezone.localdate():{ISO_DATE}}"

    def filter_queryset(self, queryset):
        # Wagtail lists everything when a filter does not validate (a mistyped day): a report
        # would then show, total and export rows the user never asked for. Show none instead;
        # the filter says what is wrong.
        if self.filters and not self.filters.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def summary_context(self, rows) -> dict:
        """Totals shown above the table, over every filtered row (not only this page)."""
        return {}

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context.update(self.summary_context(self.object_list))
        return context

    def stream_csv(self, queryset):
        # Wagtail streams a CSV after the view has returned, when the user's language is no
        # longer active: headings and words would come out in the site's default language.
        language = translation.get_language()
        rows = super().stream_csv(queryset)

        def in_users_language():
            with translation.override(language):
                yield from rows

        return in_users_language()

    @classmethod
    def urls(cls) -> list:
        return [
            path(cls.url_path, cls.as_view(), name=cls.url_name),
            path(f"{cls.url_path}results/", cls.as_view(results_only=True), name=f"{cls.url_name}_results"),
        ]

    @classmethod
    def menu_item(cls) -> MenuItem:
        return ReportMenuItem(
            cls.menu_label, reverse(cls.url_name), icon_name=cls.menu_icon, order=cls.menu_order, report=cls
        )


class ReportMenuItem(MenuItem):
    """Shown only to those who may open the report."""

    def __init__(self, *args, report: type[BaseReport], **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report

    def is_shown(self, request):
        return self.report.user_may_open(request.user)
