"""Back-office screens for stock: the stock report (quantity and value per fund, item and
restriction, with its CSV/XLSX export), the read-only log of movements, and the storekeeper's
intake form. Nothing here writes a model: the intake calls care.services.stock_intake_record."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import HeaderButton

from config.wagtail_admin import BackOfficeViewSet
from donors.admin_chooser import donor_chooser_widget
from donors.models import Donor
from fund.admin_money import MoneyColumn, MoneyExportIndexView, MoneyInspectView
from fund.models import Donation, Fund
from fund.money import money_display

from .admin_forms import LineForm, ServiceLinesView
from .models import IntakeRecord, StockItem, StockLine, StockMovement
from .selectors import stock_report
from .services import stock_intake_record

INTAKE_PERMISSION = "care.add_intakerecord"


def _quantity(value) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


class QuantityColumn(Column):
    def get_value(self, instance):
        return _quantity(getattr(instance, self.name, None))


class LineValueColumn(Column):
    """The summed value of a stock line, in its fund's currency."""

    def get_value(self, instance):
        return money_display(Money(instance.value or Decimal(0), instance.fund.currency))


class StockFilterSet(WagtailFilterSet):
    class Meta:
        model = StockLine
        fields = ["fund", "restriction", "item"]


class StockReportIndexView(MoneyExportIndexView):
    def get_base_queryset(self):
        return stock_report()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The total per fund, which is the ledger's "Donated goods in stock" (check_ledger).
        totals: dict[str, Money] = {}
        for line in self.object_list:  # every filtered line, not only this page
            totals[line.fund.code] = totals.get(line.fund.code, Money(0, line.fund.currency)) + Money(
                line.value or 0, line.fund.currency
            )
        context["fund_totals"] = [(code, money_display(total)) for code, total in sorted(totals.items())]
        return context

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(INTAKE_PERMISSION):
            buttons.append(HeaderButton(_("Record goods received"), url=reverse("stock_intake"), icon_name="plus"))
        return buttons


class StockViewSet(BackOfficeViewSet):
    model = StockLine
    icon = "clipboard-list"
    menu_label = _("Stock")
    url_prefix = "care/stock"
    url_namespace = "stock_admin"
    index_view_class = StockReportIndexView
    index_template_name = "care/admin/stock_report.html"
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = []
    list_display = [
        Column("fund", label=_("Fund")),
        Column("item", label=_("Item")),
        Column("restriction", label=_("Restriction"), accessor="get_restriction_display"),
        QuantityColumn("quantity", label=_("Quantity"), sort_key="quantity"),
        QuantityColumn("reserved", label=_("Held for approved allocations")),
        LineValueColumn("value", label=_("Value"), sort_key="value"),
    ]
    filterset_class = StockFilterSet
    list_per_page = 100
    list_export = ["fund", "item", "unit", "restriction", "quantity", "reserved", "value", "currency"]
    export_headings = {
        "item": _("Item"),
        "unit": _("Unit"),
        "restriction": _("Restriction"),
        "quantity": _("Quantity"),
        "reserved": _("Held for approved allocations"),
        "value": _("Value"),
        "currency": _("Currency"),
    }
    export_filename = "stock"


class MovementFilterSet(WagtailFilterSet):
    class Meta:
        model = StockMovement
        fields = ["fund", "kind", "restriction", "item"]


class StockMovementViewSet(BackOfficeViewSet):
    model = StockMovement
    icon = "list-ul"
    menu_label = _("Stock movements")
    url_prefix = "care/stock-movements"
    url_namespace = "stock_movements_admin"
    index_view_class = MoneyExportIndexView
    inspect_view_class = MoneyInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "date",
        "fund",
        "item",
        "restriction",
        "kind",
        QuantityColumn("quantity", label=_("Quantity")),
        MoneyColumn("value", label=_("Value"), sort_key="value"),
        "reference",
        "actor",
    ]
    filterset_class = MovementFilterSet
    list_per_page = 100
    list_export = [
        "id",
        "date",
        "fund",
        "item",
        "restriction",
        "kind",
        "quantity",
        "value",
        "value_currency",
        "reference",
        "created_at",
    ]
    export_headings = {"id": _("Movement"), "value_currency": _("Currency")}
    export_filename = "stock-movements"
    inspect_view_fields = [
        "date",
        "fund",
        "item",
        "restriction",
        "kind",
        "quantity",
        "value",
        "reference",
        "actor",
        "created_at",
    ]


# --- Intake -------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    pledge = forms.ModelChoiceField(
        label=_("Goods pledge these goods fulfil"),
        required=False,
        queryset=Donation.objects.filter(kind__in=Donation.GOODS_KINDS, status=Donation.Status.PLEDGED),
        help_text=_("Choose the pledge, or leave it empty and fill in the fund, donor, kind and lines of a new gift."),
    )
    fund = forms.ModelChoiceField(label=_("Fund"), required=False, queryset=Fund.objects.filter(is_active=True))
    donor = forms.ModelChoiceField(
        label=_("Donor"), required=False, queryset=Donor.objects.all(), widget=donor_chooser_widget()
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", "—"), *[(k.value, k.label) for k in (Donation.Kind.IN_KIND, Donation.Kind.SUPPLIES)]],
    )
    condition = forms.ChoiceField(label=_("Condition"), choices=IntakeRecord.Condition.choices)
    delivered_by = forms.CharField(label=_("Delivered by"), required=False, max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


class IntakeLineForm(LineForm):
    item = forms.ModelChoiceField(label=_("Item from the catalogue"), queryset=StockItem.objects.all())
    description = forms.CharField(label=_("Or a new item"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=20)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3)
    fair_value = forms.DecimalField(label=_("Fair value of the line"), max_digits=20, decimal_places=2)


class IntakeView(ServiceLinesView):
    form_class = IntakeForm
    line_form = IntakeLineForm
    page_title = _("Record goods received")
    permissions = (INTAKE_PERMISSION,)
    submit_button_label = _("Record")
    success_message = _("Received: the goods are in stock.")

    def call_service(self, form):
        data = form.cleaned_data
        lines = []
        for line in self.lines():
            line = {k: (str(v) if k in ("quantity", "fair_value") and v is not None else v) for k, v in line.items()}
            if line.get("item") is None:
                line.pop("item", None)
            lines.append(line)
        return stock_intake_record(
            pledge=data["pledge"],
            fund=data["fund"],
            donor=data["donor"],
            kind=data["kind"],
            lines=lines,
            condition=data["condition"],
            delivered_by=data["delivered_by"],
            notes=data["notes"],
            actor=self.request.user,
        )

    def get_success_url(self, instance):
        return reverse("stock_movements_admin:index")
