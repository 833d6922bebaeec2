"""Reports > Scholarships: awards of a school year (the latest unless chosen) by fund, school,
level and status; per award its terms paid, due (enrolment confirmed, not paid yet) and
awaiting enrolment, and what was paid. Needs ``care.view_scholarshipaward``.

Read by accountants and auditors who may not open case files: an award is its number and the
person's case number, never a name."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from wagtail.admin.ui.tables import Column

from care.models import ScholarshipAward
from care.selectors_reports import scholarship_paid_totals, scholarship_schools, scholarships_report
from care.selectors_scholarships import scholarship_school_years
from fund.models import Fund

from .base import BaseReport, MoneyColumn, ReportFilterSet
from .gifts import money_lines


class ScholarshipsFilterSet(ReportFilterSet):
    school_year = django_filters.ChoiceFilter(
        label=_("School year"), choices=lambda: [(year, year) for year in scholarship_school_years()]
    )
    fund = django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=lambda request: Fund.objects.order_by("name"), empty_label=_("All funds")
    )
    school = django_filters.ChoiceFilter(
        label=_("School"), choices=lambda: [(school, school) for school in scholarship_schools()]
    )
    level = django_filters.ChoiceFilter(label=_("Level"), choices=ScholarshipAward.Level.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ScholarshipAward.Status.choices)

    class Meta:
        model = ScholarshipAward
        fields = []

    def defaults(self) -> dict[str, str]:
        years = scholarship_school_years()
        return {"school_year": years[0]} if years else {}


class ScholarshipsReport(BaseReport):
    page_title = _("Scholarships by school year")
    menu_label = _("Scholarships")
    menu_icon = "doc-full-inverse"
    menu_order = 60
    header_icon = "doc-full-inverse"
    url_path = "reports/scholarships/"
    url_name = "reporting_scholarships"
    permissions = ("care.view_scholarshipaward",)
    filterset_class = ScholarshipsFilterSet
    summary_template_name = "reporting/admin/reports/money_totals.html"
    export_filename = "scholarships"

    columns = [
        Column("award", label=_("Award number"), accessor="pk"),
        Column("case_number", label=_("Case number")),
        Column("school_year", label=_("School year")),
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("school", label=_("School")),
        Column("level", label=_("Level"), accessor="get_level_display"),
        MoneyColumn("amount_per_term", label=_("Amount per term"), accessor="amount_per_term"),
        Column("terms_paid", label=_("Terms paid")),
        Column("terms_due", label=_("Terms due")),
        Column("terms_awaiting_enrolment", label=_("Awaiting enrolment")),
        MoneyColumn(
            "total_paid",
            label=_("Total paid"),
            accessor=lambda award: Money(award.total_paid, award.amount_per_term.currency),
        ),
        Column("payee", label=_("Paid to"), accessor="get_payee_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
    ]
    list_export = [
        "pk",
        "case_number",
        "school_year",
        "fund.code",
        "school",
        "get_level_display",
        "amount_per_term.amount",
        "terms_paid",
        "terms_due",
        "terms_awaiting_enrolment",
        "terms_closed",
        "total_paid",
        "amount_per_term_currency",
        "get_payee_display",
        "get_status_display",
    ]
    export_headings = {
        "pk": _("Award number"),
        "case_number": _("Case number"),
        "school_year": _("School year"),
        "fund.code": _("Fund"),
        "school": _("School"),
        "get_level_display": _("Level"),
        "amount_per_term.amount": _("Amount per term"),
        "terms_paid": _("Terms paid"),
        "terms_due": _("Terms due"),
        "terms_awaiting_enrolment": _("Awaiting enrolment"),
        "terms_closed": _("Terms closed"),
        "total_paid": _("Total paid"),
        "amount_per_term_currency": _("Currency"),
        "get_payee_display": _("Paid to"),
        "get_status_display": _("Status"),
    }

    def get_base_queryset(self):
        return scholarships_report()

    def summary_context(self, rows) -> dict:
        return {"totals": [(_("Total paid"), money_lines(scholarship_paid_totals(rows)))]}
