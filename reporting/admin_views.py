"""The fund statement screen (Reports > Fund statement): a fund and a period, with each quarter
and year one click away; the statement shown as on paper, and downloaded as PDF, XLSX or CSV.

It only reads: a GET form, fund.selectors.fund_statement, and the renderers every format shares
(reporting/statement_files.py). Needs ``fund.view_fund_statement`` (staff/roles.py: accountants,
fund managers, auditors).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, re_path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import PermissionMenuItem
from fund.errors import FundError
from fund.models import Fund
from fund.selectors.statements import fund_statement

from .statement_files import CONTENT_TYPES, check_line, statement_file, statement_filename
from .statement_rows import statement_notes, statement_sections

PERMISSION = "fund.view_fund_statement"
URL_NAME = "reporting_fund_statement"
DOWNLOAD_URL_NAME = "reporting_fund_statement_download"
ISO_DATE = "%Y-%m-%d"


class FundStatementForm(forms.Form):
    # Closed funds too: their past periods still need statements.
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.order_by("name"), empty_label=None)
    date_from = forms.DateField(label=_("First day"), widget=AdminDateInput(format=ISO_DATE), input_formats=[ISO_DATE])
    date_to = forms.DateField(label=_("Last day"), widget=AdminDateInput(format=ISO_DATE), input_formats=[ISO_DATE])


def _quarters(year: int) -> list[tuple[str, datetime.date, datetime.date]]:
    starts = [datetime.date(year, month, 1) for month in (1, 4, 7, 10)] + [datetime.date(year + 1, 1, 1)]
    return [
        (gettext("Q%(quarter)s %(year)s") % {"quarter": number, "year": year}, start, end - datetime.timedelta(days=1))
        for number, (start, end) in enumerate(zip(starts, starts[1:], strict=False), start=1)
    ]


def period_shortcuts(fund: Fund | None, year: int) -> list[dict]:
    """One link per quarter of ``year``, the year itself and the year before."""
    periods = _quarters(year) + [
        (gettext("Year %(year)s") % {"year": year}, datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
        (gettext("Year %(year)s") % {"year": year - 1}, datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)),
    ]
    return [{"label": label, "url": f"{reverse(URL_NAME)}?{_query(fund, start, end)}"} for label, start, end in periods]


def _query(fund: Fund | None, date_from: datetime.date, date_to: datetime.date) -> str:
    query = {"date_from": date_from.strftime(ISO_DATE), "date_to": date_to.strftime(ISO_DATE)}
    if fund is not None:
        query = {"fund": fund.pk, **query}
    return urlencode(query)


class ReportScreen(WagtailAdminTemplateMixin, TemplateView):
    """A report read on screen and downloaded as files, for those with ``permission``."""

    header_icon = "doc-full"
    permission = PERMISSION

    def get_breadcrumbs_items(self):
        # Home > the report: the slim header then names the screen (it shows breadcrumbs only).
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FundStatementView(ReportScreen):
    template_name = "reporting/admin/fund_statement.html"
    page_title = _("Fund statement")

    def get(self, request, *args, file_format: str | None = None, **kwargs):
        form = FundStatementForm(request.GET or None, initial=self._initial())
        statement = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                statement = fund_statement(data["fund"], date_from=data["date_from"], date_to=data["date_to"])
            except FundError as exc:
                form.add_error(None, exc.messages)
        if statement is not None and file_format is not None:
            return self._download(statement, file_format)
        return self.render_to_response(self.get_context_data(form=form, statement=statement))

    def _initial(self) -> dict:
        today = timezone.localdate()
        return {
            "fund": Fund.objects.filter(is_active=True).order_by("name").first(),
            "date_from": datetime.date(today.year, 1, 1),
            "date_to": datetime.date(today.year, 12, 31),
        }

    def _download(self, statement, file_format: str) -> HttpResponse:
        content = statement_file(statement, file_format=file_format, language=translation.get_language())
        response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, file_format)}"'
        return response

    def get_context_data(self, *, form, statement, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = form.cleaned_data if form.is_bound and not form.errors else form.initial
        year = (chosen.get("date_from") or timezone.localdate()).year
        context.update(form=form, statement=statement, shortcuts=period_shortcuts(chosen.get("fund"), year))
        if statement is not None:
            query = self.request.GET.urlencode()
            context.update(
                sections=statement_sections(statement),
                check_line=check_line(statement),
                notes=statement_notes(statement),
                downloads=[
                    (label, f"{reverse(DOWNLOAD_URL_NAME, args=[file_format])}?{query}")
                    for file_format, label in (
                        ("pdf", gettext("Download PDF")),
                        ("xlsx", gettext("Download XLSX")),
                        ("csv", gettext("Download CSV")),
                    )
                ],
            )
        return context


urlpatterns = [
    path("reports/fund-statement/", FundStatementView.as_view(), name=URL_NAME),
    re_path(
        r"^reports/fund-statement/(?P<file_format>pdf|xlsx|csv)/$", FundStatementView.as_view(), name=DOWNLOAD_URL_NAME
    ),
]


def fund_statement_menu_item() -> MenuItem:
    """For the ``register_reports_menu_item`` hook: Reports > Fund statement."""
    return PermissionMenuItem(
        _("Fund statement"), reverse(URL_NAME), icon_name="doc-full", order=50, permission=PERMISSION
    )
