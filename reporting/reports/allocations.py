"""Reports > Allocations: support given by programme and kind in a period (this year unless
chosen; paid out unless another status is chosen), with a summary by programme and kind (how
many, how much, how many people). Needs ``care.view_allocation``.

Accountants and auditors read it, who may not open case files: the person is only ever their
case number, never a name, a purpose written about them, or anything from the sensitive part."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from care.models import Allocation, Beneficiary
from care.selectors_reports import allocation_summary, allocations_report
from fund.models import Fund
from fund.money import money_display

from .base import BaseReport, DayColumn, MoneyColumn, PeriodFilterSet


class AllocationsFilterSet(PeriodFilterSet):
    date_field = "report_date"
    default_period = "this_year"

    fund = django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=lambda request: Fund.objects.order_by("name"), empty_label=_("All funds")
    )
    programme = django_filters.ChoiceFilter(label=_("Programme"), choices=Beneficiary.Programme.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Allocation.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Allocation.Status.choices)

    class Meta:
        model = Allocation
        fields = []

    def defaults(self) -> dict[str, str]:
        return {**super().defaults(), "status": Allocation.Status.DISBURSED}


def _approvers(allocation: Allocation) -> str:
    return ", ".join(
        approval.user.get_full_name() or approval.user.get_username() for approval in allocation.approvals.all()
    )


class AllocationsReport(BaseReport):
    page_title = _("Allocations by programme and kind")
    menu_label = _("Allocations")
    menu_icon = "group"
    menu_order = 30
    header_icon = "group"
    url_path = "reports/allocations/"
    url_name = "reporting_allocations"
    permissions = ("care.view_allocation",)
    filterset_class = AllocationsFilterSet
    summary_template_name = "reporting/admin/reports/allocation_summary.html"
    export_filename = "allocations"

    columns = [
        DayColumn("report_date", label=_("Date")),
        Column("reference", label=_("Allocation"), accessor="pk"),
        Column("case_number", label=_("Case number")),
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("programme", label=_("Programme"), accessor="get_programme_display"),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        MoneyColumn("amount", label=_("Amount"), accessor="amount"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("approvers", label=_("Approved by"), accessor=_approvers),
    ]
    list_export = [
        "report_date",
        "pk",
        "case_number",
        "fund.code",
        "get_programme_display",
        "get_kind_display",
        "amount.amount",
        "amount_currency",
        "get_status_display",
        "approvers",
    ]
    export_headings = {
        "report_date": _("Date"),
        "pk": _("Allocation"),
        "case_number": _("Case number"),
        "fund.code": _("Fund"),
        "get_programme_display": _("Programme"),
        "get_kind_display": _("Kind"),
        "amount.amount": _("Amount"),
        "amount_currency": _("Currency"),
        "get_status_display": _("Status"),
        "approvers": _("Approved by"),
    }

    def get_base_queryset(self):
        return allocations_report()

    def decorate_paginated_queryset(self, object_list):
        for allocation in object_list:
            allocation.approvers = _approvers(allocation)
        return object_list

    def summary_context(self, rows) -> dict:
        summary = allocation_summary(rows)
        return {
            "summary": [
                {
                    "programme": line.programme,
                    "programme_label": line.programme_label,
                    "kind": line.kind,
                    "kind_label": line.kind_label,
                    "count": line.count,
                    "total": money_display(line.total),
                    "total_amount": line.total.amount,
                    "people": line.people,
                }
                for line in summary
            ]
        }
