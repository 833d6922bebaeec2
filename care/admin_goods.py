"""The allocation screens for goods: propose school supplies or in-kind goods from the stock
(lines of stock line and quantity), and hand an approved one over (the handover record). They
sit beside the money screens of care/admin_allocations.py, under its URL namespace, and call
care.services.goods."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from fund.models import Fund
from fund.money import money_display

from .admin_forms import LineForm, ServiceLinesView, StockLineChoiceField
from .models import Allocation, Beneficiary, GoodsHandover
from .services import allocation_goods_issue, allocation_goods_propose

CASE_FILE_PERMISSION = "care.view_beneficiary"
PROPOSE_PERMISSION = "care.add_allocation"
DISBURSE_PERMISSION = "care.disburse_allocation"


class GoodsProposeForm(forms.Form):
    beneficiary = forms.ModelChoiceField(
        label=_("Person in care"), queryset=Beneficiary.objects.filter(left_on__isnull=True).order_by("case_number")
    )
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(is_active=True))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in (Allocation.Kind.IN_KIND, Allocation.Kind.SUPPLIES)],
    )
    purpose = forms.CharField(label=_("What for"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class GoodsLineForm(LineForm):
    stock_line = StockLineChoiceField(label=_("Item"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3)


class _GoodsView(ServiceLinesView):
    template_name = "care/admin/allocation_form.html"
    header_icon = "tasks"

    def get_context_data(self, **kwargs):
        allocation = self.object
        return super().get_context_data(
            allocation=allocation,
            amount=money_display(allocation.amount) if allocation else "",
            show_person=self.request.user.has_perm(CASE_FILE_PERMISSION),
            **kwargs,
        )

    def get_success_url(self, instance):
        return reverse("allocations_admin:inspect", args=[instance.pk])


class GoodsProposeView(_GoodsView):
    template_name = "care/admin/stock_form.html"
    form_class = GoodsProposeForm
    line_form = GoodsLineForm
    line_count = 6
    page_title = _("Propose goods from stock")
    permissions = (PROPOSE_PERMISSION,)
    log_action = "care.allocation_propose"
    submit_button_label = _("Propose")
    success_message = _("Proposed. A fund manager who did not propose it must approve it.")

    def call_service(self, form):
        data = form.cleaned_data
        lines = [
            {
                "item": line["stock_line"].item if line.get("stock_line") else None,
                "restriction": line["stock_line"].restriction if line.get("stock_line") else "",
                "quantity": "" if line.get("quantity") is None else str(line["quantity"]),
            }
            for line in self.lines()
        ]
        return allocation_goods_propose(
            beneficiary=data["beneficiary"],
            fund=data["fund"],
            kind=data["kind"],
            lines=lines,
            purpose=data["purpose"],
            actor=self.request.user,
        )


class HandoverForm(forms.Form):
    handed_over_on = forms.DateField(label=_("Handed over on"), widget=AdminDateInput)
    recipient = forms.ChoiceField(label=_("Received by"), choices=GoodsHandover.Recipient.choices)
    recipient_name = forms.CharField(
        label=_("Name of the guardian who received"),
        required=False,
        max_length=200,
        help_text=_("As signed on the handover document. Not needed when the person in care received them."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


class GoodsIssueView(_GoodsView):
    form_class = HandoverForm
    page_title = _("Hand goods over")
    permissions = (DISBURSE_PERMISSION,)
    log_action = "care.allocation_issue"
    submit_button_label = _("Record the handover")
    success_message = _("Handed over: the goods have left stock and the ledger shows their value issued.")

    def get_object(self):
        return get_object_or_404(Allocation.objects.select_related("fund", "beneficiary"), pk=self.kwargs["pk"])

    def get_initial(self):
        return {"handed_over_on": timezone.localdate()}

    def call_service(self, form):
        data = form.cleaned_data
        return allocation_goods_issue(
            allocation=self.object,
            handed_over_on=data["handed_over_on"],
            recipient=data["recipient"],
            recipient_name=data["recipient_name"],
            notes=data["notes"],
            actor=self.request.user,
        )
