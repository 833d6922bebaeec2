"""Reports > Stock on hand and Reports > Stock movements: two reports rather than one with a
mode, because their rows differ (a line of stock with its quantity and value; one movement
with its day and reference) and each export should be one plain table.

Quantities and values are summed from the append-only movements (care.selectors); goods are
valued at weighted average cost per fund, item and restriction (docs/decisions/0017-stock.md),
said on each row so an exported file carries its own method. Needs the stock screens'
permissions (staff/roles.py STOCK_VIEW); no person is in either report."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from wagtail.admin.ui.tables import Column

from care.models import StockItem, StockLine, StockMovement, StockRestriction
from care.selectors import stock_report
from care.selectors_reports import stock_movements_report
from fund.models import Fund

from .base import BaseReport, DayColumn, MoneyColumn, PeriodFilterSet, ReportFilterSet
from .gifts import money_lines

VALUATION_METHOD = _("Weighted average cost")


def _quantity(value) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


def _fund_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Fund"), queryset=lambda request: Fund.objects.order_by("name"), empty_label=_("All funds")
    )


def _item_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Item"), queryset=lambda request: StockItem.objects.order_by("name", "unit"), empty_label=_("All items")
    )


class StockOnHandFilterSet(ReportFilterSet):
    fund = _fund_filter()
    item = _item_filter()
    restriction = django_filters.ChoiceFilter(label=_("Restriction"), choices=StockRestriction.choices)

    class Meta:
        model = StockLine
        fields = []


class StockOnHandReport(BaseReport):
    page_title = _("Stock on hand")
    menu_label = _("Stock on hand")
    menu_icon = "clipboard-list"
    menu_order = 40
    header_icon = "clipboard-list"
    url_path = "reports/stock-on-hand/"
    url_name = "reporting_stock_on_hand"
    permissions = ("care.view_stockline",)
    filterset_class = StockOnHandFilterSet
    summary_template_name = "reporting/admin/reports/money_totals.html"
    export_filename = "stock-on-hand"

    columns = [
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("item", label=_("Item"), accessor="item.name"),
        Column("unit", label=_("Unit"), accessor="item.unit"),
        Column("restriction", label=_("Restriction"), accessor="get_restriction_display"),
        Column("quantity", label=_("Quantity"), accessor=lambda line: _quantity(line.quantity)),
        Column("reserved", label=_("Held for approved allocations"), accessor=lambda line: _quantity(line.reserved)),
        MoneyColumn("value", label=_("Recorded value"), accessor=lambda line: Money(line.value, line.fund.currency)),
        Column("valuation", label=_("Valuation"), accessor=lambda line: gettext(VALUATION_METHOD)),
    ]
    list_export = [
        "fund.code",
        "item.name",
        "item.unit",
        "get_restriction_display",
        "quantity",
        "reserved",
        "value",
        "fund.currency",
        "valuation_method",
    ]
    export_headings = {
        "fund.code": _("Fund"),
        "item.name": _("Item"),
        "item.unit": _("Unit"),
        "get_restriction_display": _("Restriction"),
        "quantity": _("Quantity"),
        "reserved": _("Held for approved allocations"),
        "value": _("Recorded value"),
        "fund.currency": _("Currency"),
        "valuation_method": _("Valuation"),
    }

    def get_base_queryset(self):
        return stock_report().order_by("fund__name", "item__name", "item__unit", "restriction")

    def decorate_paginated_queryset(self, object_list):
        for line in object_list:
            line.valuation_method = gettext(VALUATION_METHOD)
        return object_list

    def summary_context(self, rows) -> dict:
        totals: dict[str, Decimal] = {}
        for currency, value in rows.values_list("fund__currency", "value"):
            totals[currency] = totals.get(currency, Decimal(0)) + (value or Decimal(0))
        amounts = [Money(total, currency) for currency, total in sorted(totals.items())]
        return {"totals": [(_("Recorded value"), money_lines(amounts))]}


class StockMovementsFilterSet(PeriodFilterSet):
    date_field = "date"

    fund = _fund_filter()
    item = _item_filter()
    kind = django_filters.ChoiceFilter(label=_("Movement"), choices=StockMovement.Kind.choices)
    restriction = django_filters.ChoiceFilter(label=_("Restriction"), choices=StockRestriction.choices)

    class Meta:
        model = StockMovement
        fields = []


class StockMovementsReport(BaseReport):
    page_title = _("Stock movements")
    menu_label = _("Stock movements")
    menu_icon = "list-ul"
    menu_order = 41
    header_icon = "list-ul"
    url_path = "reports/stock-movements/"
    url_name = "reporting_stock_movements"
    permissions = ("care.view_stockmovement",)
    filterset_class = StockMovementsFilterSet
    export_filename = "stock-movements"

    columns = [
        DayColumn("date", label=_("Date")),
        Column("fund", label=_("Fund"), accessor="fund.code"),
        Column("item", label=_("Item"), accessor="item.name"),
        Column("unit", label=_("Unit"), accessor="item.unit"),
        Column("restriction", label=_("Restriction"), accessor="get_restriction_display"),
        Column("kind", label=_("Movement"), accessor="get_kind_display"),
        Column("quantity", label=_("Quantity"), accessor=lambda movement: _quantity(movement.quantity)),
        MoneyColumn("value", label=_("Value"), accessor="value"),
        Column("reference", label=_("Reference")),
    ]
    list_export = [
        "date",
        "fund.code",
        "item.name",
        "item.unit",
        "get_restriction_display",
        "get_kind_display",
        "quantity",
        "value.amount",
        "value_currency",
        "reference",
    ]
    export_headings = {
        "date": _("Date"),
        "fund.code": _("Fund"),
        "item.name": _("Item"),
        "item.unit": _("Unit"),
        "get_restriction_display": _("Restriction"),
        "get_kind_display": _("Movement"),
        "quantity": _("Quantity"),
        "value.amount": _("Value"),
        "value_currency": _("Currency"),
        "reference": _("Reference"),
    }

    def get_base_queryset(self):
        return stock_movements_report()
