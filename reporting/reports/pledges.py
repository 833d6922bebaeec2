"""Reports > Pledges due: gifts pledged and not yet received, money and goods alike, late ones
first; by fund and kind, or the late ones only. Needs ``fund.view_donation``."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from fund.models import Donation, Fund
from fund.selectors.reports import pledge_late_since, pledges_outstanding

from .base import BaseReport, DayColumn, MoneyColumn, ReportFilterSet


class PledgesFilterSet(ReportFilterSet):
    fund = django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=lambda request: Fund.objects.order_by("name"), empty_label=_("All funds")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Donation.Kind.choices)
    late_only = django_filters.BooleanFilter(
        label=_("Late only"), method="filter_late_only", widget=django_filters.widgets.BooleanWidget
    )

    class Meta:
        model = Donation
        fields = []

    def filter_late_only(self, queryset, name, value):
        return queryset.filter(is_late=True) if value else queryset


def _late_by(pledge: Donation) -> int | None:
    if not pledge.is_late:
        return None
    return (timezone.localdate() - pledge_late_since(pledge)).days


def _due_display(pledge: Donation) -> str:
    days = _late_by(pledge)
    if days is None:
        return ""
    return gettext("Late by %(days)s days") % {"days": days}


class PledgesDueReport(BaseReport):
    page_title = _("Pledges due")
    menu_label = _("Pledges due")
    menu_icon = "date"
    menu_order = 20
    header_icon = "date"
    url_path = "reports/pledges-due/"
    url_name = "reporting_pledges_due"
    permissions = ("fund.view_donation",)
    filterset_class = PledgesFilterSet
    export_filename = "pledges-due"

    columns = [
        DayColumn("expected_on", label=_("Due on")),
        Column("late", label=_("Late"), accessor=_due_display),
        Column("reference", label=_("Reference")),
        Column("donor", label=_("Donor"), accessor="donor.name"),
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        MoneyColumn("amount", label=_("Amount"), accessor="amount"),
        DayColumn("pledged_on", label=_("Pledged on"), accessor="pledged_on"),
    ]
    list_export = [
        "expected_on",
        "is_late",
        "late_by",
        "reference",
        "donor.name",
        "fund.code",
        "get_kind_display",
        "get_channel_display",
        "amount.amount",
        "amount_currency",
        "pledged_on",
    ]
    export_headings = {
        "expected_on": _("Due on"),
        "is_late": _("Late"),
        "late_by": _("Days late"),
        "reference": _("Reference"),
        "donor.name": _("Donor"),
        "fund.code": _("Fund"),
        "get_kind_display": _("Kind"),
        "get_channel_display": _("Channel"),
        "amount.amount": _("Amount"),
        "amount_currency": _("Currency"),
        "pledged_on": _("Pledged on"),
    }

    def get_base_queryset(self):
        return pledges_outstanding()

    def decorate_paginated_queryset(self, object_list):
        zone = timezone.get_default_timezone()
        for pledge in object_list:
            pledge.is_late = bool(pledge.is_late)
            pledge.late_by = _late_by(pledge)
            pledge.pledged_on = timezone.localtime(pledge.pledged_at, zone).date()
        return object_list
