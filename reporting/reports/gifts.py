"""Reports > Gifts: gifts received in a period (this month unless chosen), by fund, kind,
channel, donor kind and status, with their totals per currency above the table. Needs
``fund.view_donation``, like the Gifts listing it summarises."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from wagtail.admin.ui.tables import Column

from donors.models import Donor
from fund.models import Donation, Fund
from fund.money import money_display
from fund.selectors.reports import gift_totals, gifts_report

from .base import BaseReport, DayColumn, MoneyColumn, PeriodFilterSet


def money_lines(amounts: list[Money]) -> list[dict]:
    return [{"currency": m.currency.code, "amount": m.amount, "display": money_display(m)} for m in amounts]


class GiftsFilterSet(PeriodFilterSet):
    date_field = "received_on"

    fund = django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=lambda request: Fund.objects.order_by("name"), empty_label=_("All funds")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Donation.Kind.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Donation.Channel.choices)
    donor_kind = django_filters.ChoiceFilter(
        label=_("Donor kind"), field_name="donor__kind", choices=Donor.Kind.choices
    )
    # Only received gifts are in the report: those kept, and those refunded since.
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s.value, s.label) for s in (Donation.Status.RECEIVED, Donation.Status.REFUNDED)],
    )

    class Meta:
        model = Donation
        fields = []


class GiftsReport(BaseReport):
    page_title = _("Gifts by period, fund and kind")
    menu_label = _("Gifts")
    menu_icon = "pick"
    menu_order = 10
    header_icon = "pick"
    url_path = "reports/gifts/"
    url_name = "reporting_gifts"
    permissions = ("fund.view_donation",)
    filterset_class = GiftsFilterSet
    summary_template_name = "reporting/admin/reports/money_totals.html"
    export_filename = "gifts"

    columns = [
        DayColumn("received_on", label=_("Received on")),
        Column("reference", label=_("Reference")),
        Column("donor", label=_("Donor"), accessor="donor.name"),
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("channel", label=_("Channel"), accessor="get_channel_display"),
        MoneyColumn("fund_value", label=_("Amount"), accessor=lambda gift: Money(gift.fund_amount, gift.fund.currency)),
        MoneyColumn("amount", label=_("As given"), accessor="amount"),
        Column("status", label=_("Status"), accessor="get_status_display"),
    ]
    list_export = [
        "received_on",
        "reference",
        "donor.name",
        "donor.get_kind_display",
        "fund.code",
        "get_kind_display",
        "get_channel_display",
        "fund_amount",
        "fund.currency",
        "amount.amount",
        "amount_currency",
        "exchange_rate",
        "get_status_display",
    ]
    export_headings = {
        "received_on": _("Received on"),
        "reference": _("Reference"),
        "donor.name": _("Donor"),
        "donor.get_kind_display": _("Donor kind"),
        "fund.code": _("Fund"),
        "get_kind_display": _("Kind"),
        "get_channel_display": _("Channel"),
        "fund_amount": _("Amount"),
        "fund.currency": _("Currency"),
        "amount.amount": _("Amount as given"),
        "amount_currency": _("Currency given"),
        "exchange_rate": _("Exchange rate"),
        "get_status_display": _("Status"),
    }

    def get_base_queryset(self):
        return gifts_report()

    def summary_context(self, rows) -> dict:
        totals = gift_totals(rows)
        return {
            "totals": [
                (_("In the fund's currency"), money_lines(totals["fund"])),
                (_("As given"), money_lines(totals["given"])),
            ]
        }
