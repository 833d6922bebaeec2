"""Reports > Contributions report: a fund and a year, the annual contributions report shown as
tables (as the PDF prints them), and downloaded as PDF or XLSX.

It only reads: a GET form, fund.selectors.contributions_report and the renderers both formats
share (reporting/contributions_files.py). Needs the fund statement's permission (staff/roles.py
FUND_STATEMENT: accountants, fund managers, auditors): it publishes the same figures.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.urls import path, re_path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem

from config.wagtail_admin import PermissionMenuItem
from fund.models import Fund
from fund.selectors.contributions import contributions_report

from .admin_views import PERMISSION as STATEMENT_PERMISSION
from .admin_views import ReportScreen
from .contributions_files import (
    CONTENT_TYPES,
    FORMATS,
    contributions_context,
    contributions_file,
    contributions_filename,
)

# The fund statement's (staff/roles.py FUND_STATEMENT): the same figures, published.
PERMISSION = STATEMENT_PERMISSION
URL_NAME = "reporting_contributions"
DOWNLOAD_URL_NAME = "reporting_contributions_download"
FIRST_YEAR = 2000


class ContributionsReportForm(forms.Form):
    # Closed funds too: their past years still need reports.
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.order_by("name"), empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(gettext("A year that has not started has no contributions yet."))
        return year


class ContributionsReportView(ReportScreen):
    template_name = "reporting/admin/contributions_report.html"
    page_title = _("Contributions report")
    permission = PERMISSION

    def get(self, request, *args, file_format: str | None = None, **kwargs):
        form = ContributionsReportForm(request.GET or None, initial=self._initial())
        report = None
        if form.is_bound and form.is_valid():
            report = contributions_report(fund=form.cleaned_data["fund"], year=form.cleaned_data["year"])
        if report is not None and file_format is not None:
            content = contributions_file(report, file_format=file_format, language=translation.get_language())
            response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
            response["Content-Disposition"] = f'attachment; filename="{contributions_filename(report, file_format)}"'
            return response
        return self.render_to_response(self.get_context_data(form=form, report=report))

    def _initial(self) -> dict:
        # Reports are published in the first months of the next year: last year by default.
        return {
            "fund": Fund.objects.filter(is_active=True).order_by("name").first(),
            "year": timezone.localdate().year - 1,
        }

    def get_context_data(self, *, form, report, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=form, report=report)
        if report is not None:
            query = self.request.GET.urlencode()
            labels = {"pdf": gettext("Download PDF"), "xlsx": gettext("Download XLSX")}
            context.update(
                contributions_context(report),
                downloads=[
                    (labels[file_format], f"{reverse(DOWNLOAD_URL_NAME, args=[file_format])}?{query}")
                    for file_format in FORMATS
                ],
            )
        return context


urlpatterns = [
    path("reports/contributions/", ContributionsReportView.as_view(), name=URL_NAME),
    re_path(
        r"^reports/contributions/(?P<file_format>pdf|xlsx)/$", ContributionsReportView.as_view(), name=DOWNLOAD_URL_NAME
    ),
]


def contributions_menu_item() -> MenuItem:
    """For the ``register_reports_menu_item`` hook: Reports > Contributions report."""
    return PermissionMenuItem(
        _("Contributions report"), reverse(URL_NAME), icon_name="doc-full", order=51, permission=PERMISSION
    )
