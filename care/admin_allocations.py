"""Back-office screens for allocations: the listing, the inspect screen with its approval
trail, and one action view per step, each calling its service (care.services.allocations).

Who sees whom: finance roles (accountant, manager, auditor) see allocations by number, fund,
kind, programme and amount; the person's case number only shows to those who may open case
files, and exports never name anyone. Nothing here is edited by form (ReadOnlyPolicy).
"""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import AdminDateInput, HeaderButton

from config.wagtail_admin import BackOfficeViewSet, ServiceActionView
from fund.admin_money import MoneyColumn, MoneyInspectView
from fund.models import Fund
from fund.money import money_display

from .admin_evidence import evidence_context
from .admin_goods import GoodsIssueView, GoodsProposeView
from .admin_listing import CASE_FILE_PERMISSION, PersonHiddenIndexView
from .models import Allocation, Beneficiary
from .services import (
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_propose,
    allocation_reject,
    allocation_reverse,
    allocation_undeliverable,
)
from .services.allocations import approvals_needed

PROPOSE_PERMISSION = "care.add_allocation"
APPROVE_PERMISSION = "care.approve_allocation"
DISBURSE_PERMISSION = "care.disburse_allocation"
REVERSE_PERMISSION = "care.reverse_allocation"
# Cancelling withdraws a proposal: whoever may propose, or approve, may withdraw one.
CANCEL_PERMISSIONS = (PROPOSE_PERMISSION, APPROVE_PERMISSION)


class AllocationFilterSet(WagtailFilterSet):
    class Meta:
        model = Allocation
        fields = ["status", "fund", "kind", "programme"]


class AllocationIndexView(PersonHiddenIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(PROPOSE_PERMISSION):
            buttons.append(
                HeaderButton(_("Propose an allocation"), url=reverse("allocations_admin:propose"), icon_name="plus")
            )
            buttons.append(
                HeaderButton(
                    _("Propose goods from stock"), url=reverse("allocations_admin:propose_goods"), icon_name="plus"
                )
            )
        return buttons


def _actions_for(user, allocation: Allocation) -> list[tuple[str, str]]:
    """(label, url) of the steps this user may take on this allocation now."""
    status = allocation.status
    steps = []
    if status == Allocation.Status.PROPOSED and user.has_perm(APPROVE_PERMISSION):
        steps += [(_("Approve"), "approve"), (_("Reject"), "reject")]
    if status == Allocation.Status.APPROVED and user.has_perm(DISBURSE_PERMISSION):
        steps += [
            (_("Hand over") if allocation.is_goods else _("Disburse"), "issue" if allocation.is_goods else "disburse")
        ]
        steps += [(_("Undeliverable"), "undeliverable")]
    if status in (Allocation.Status.PROPOSED, Allocation.Status.APPROVED) and any(
        user.has_perm(p) for p in CANCEL_PERMISSIONS
    ):
        steps += [(_("Cancel"), "cancel")]
    if status == Allocation.Status.DISBURSED and user.has_perm(REVERSE_PERMISSION):
        steps += [(_("Reverse"), "reverse")]
    return [(label, reverse(f"allocations_admin:{name}", args=[allocation.pk])) for label, name in steps]


class AllocationInspectView(MoneyInspectView):
    template_name = "care/admin/allocation_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        allocation = self.object
        context.update(
            show_person=self.request.user.has_perm(CASE_FILE_PERMISSION),
            amount=money_display(allocation.amount),
            approvals=allocation.approvals.select_related("user"),
            approvals_needed=approvals_needed(allocation),
            actions=_actions_for(self.request.user, allocation),
            lines=[
                (line, f"{line.quantity.normalize():f}", money_display(line.value) if line.value is not None else "—")
                for line in allocation.lines.select_related("item")
            ]
            if allocation.is_goods
            else None,
            handover=getattr(allocation, "handover", None) if allocation.is_goods else None,
            **evidence_context(self.request, allocation),
        )
        return context


class AllocationViewSet(BackOfficeViewSet):
    model = Allocation
    icon = "tasks"
    menu_label = _("Allocations")
    url_prefix = "care/allocations"
    url_namespace = "allocations_admin"
    index_view_class = AllocationIndexView
    inspect_view_class = AllocationInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "__str__",
        "beneficiary",
        "fund",
        "programme",
        MoneyColumn("amount", label=_("Amount"), sort_key="amount"),
        "status",
        "proposed_at",
    ]
    filterset_class = AllocationFilterSet
    list_per_page = 50
    # No person in an export: it may leave the building.
    list_export = [
        "id",
        "fund",
        "kind",
        "programme",
        "amount",
        "amount_currency",
        "status",
        "proposed_at",
        "approved_at",
        "disbursed_on",
        "method",
        "posting_id",
        "reversed_at",
        "closed_reason",
    ]
    export_headings = {
        "id": _("Allocation"),
        "amount_currency": _("Currency"),
        "posting_id": _("Ledger posting"),
    }
    export_filename = "allocations"
    # The person is shown above these, to case-file readers only (allocation_inspect.html).
    inspect_view_fields = [
        "fund",
        "kind",
        "amount",
        "purpose",
        "programme",
        "status",
        "proposed_by",
        "proposed_at",
        "approved_at",
        "disbursed_on",
        "method",
        "disbursed_by",
        "posting",
        "reversed_at",
        "reversal_posting",
        "closed_at",
        "closed_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("propose/", AllocationProposeView.as_view(), name="propose"),
            path("approve/<int:pk>/", AllocationApproveView.as_view(), name="approve"),
            path("reject/<int:pk>/", AllocationRejectView.as_view(), name="reject"),
            path("disburse/<int:pk>/", AllocationDisburseView.as_view(), name="disburse"),
            path("cancel/<int:pk>/", AllocationCancelView.as_view(), name="cancel"),
            path("undeliverable/<int:pk>/", AllocationUndeliverableView.as_view(), name="undeliverable"),
            path("reverse/<int:pk>/", AllocationReverseView.as_view(), name="reverse"),
            path("propose-goods/", GoodsProposeView.as_view(), name="propose_goods"),
            path("issue/<int:pk>/", GoodsIssueView.as_view(), name="issue"),
        ]


# --- Actions ---------------------------------------------------------------------------------


class _ActionView(ServiceActionView):
    """One step on one allocation: the permission first (no telling which allocations exist),
    then the form, then the service; the History tab gets an entry naming the step."""

    template_name = "care/admin/allocation_form.html"
    header_icon = "tasks"
    success_message = _("Done.")

    def get_object(self):
        self.allocation = self.get_allocation(self.kwargs.get("pk"))
        return self.allocation

    def get_allocation(self, pk):
        return get_object_or_404(Allocation.objects.select_related("fund", "beneficiary"), pk=pk)

    def get_context_data(self, **kwargs):
        allocation = self.allocation
        return super().get_context_data(
            allocation=allocation,
            amount=money_display(allocation.amount) if allocation else "",
            show_person=self.request.user.has_perm(CASE_FILE_PERMISSION),
            **kwargs,
        )

    def call_service(self, form):
        return self.run(form)

    def run(self, form) -> Allocation:
        raise NotImplementedError

    def log_data(self, allocation):
        return {"status": allocation.status}

    def get_success_url(self, allocation):
        return reverse("allocations_admin:inspect", args=[allocation.pk])


class ProposeForm(forms.Form):
    beneficiary = forms.ModelChoiceField(
        label=_("Person in care"), queryset=Beneficiary.objects.filter(left_on__isnull=True).order_by("case_number")
    )
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(is_active=True))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in (Allocation.Kind.CASH, Allocation.Kind.SCHOLARSHIP)]
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, help_text=_("In the fund's currency.")
    )
    purpose = forms.CharField(label=_("What for"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AllocationProposeView(_ActionView):
    form_class = ProposeForm
    page_title = _("Propose an allocation")
    permissions = (PROPOSE_PERMISSION,)
    log_action = "care.allocation_propose"
    submit_button_label = _("Propose")
    success_message = _("Proposed. A fund manager who did not propose it must approve it.")

    def get_allocation(self, pk):
        return None

    def run(self, form):
        data = form.cleaned_data
        return allocation_propose(
            beneficiary=data["beneficiary"],
            fund=data["fund"],
            kind=data["kind"],
            amount=data["amount"],  # in the fund's currency; the service checks its decimals
            purpose=data["purpose"],
            actor=self.request.user,
        )


class ConfirmForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AllocationApproveView(_ActionView):
    form_class = ConfirmForm
    page_title = _("Approve an allocation")
    permissions = (APPROVE_PERMISSION,)
    log_action = "care.allocation_approve"
    submit_button_label = _("Approve")
    success_message = _("Approval recorded.")

    def run(self, form):
        return allocation_approve(allocation=self.allocation, actor=self.request.user)


class AllocationRejectView(_ActionView):
    form_class = ReasonForm
    page_title = _("Reject an allocation")
    permissions = (APPROVE_PERMISSION,)
    log_action = "care.allocation_reject"
    submit_button_label = _("Reject")
    success_message = _("Rejected.")

    def run(self, form):
        return allocation_reject(
            allocation=self.allocation, reason=form.cleaned_data["reason"], actor=self.request.user
        )


class DisburseForm(forms.Form):
    disbursed_on = forms.DateField(label=_("Paid on"), widget=AdminDateInput)
    method = forms.ChoiceField(label=_("Method"), choices=Allocation.Method.choices)


class AllocationDisburseView(_ActionView):
    form_class = DisburseForm
    page_title = _("Disburse an allocation")
    permissions = (DISBURSE_PERMISSION,)
    log_action = "care.allocation_disburse"
    submit_button_label = _("Disburse")
    success_message = _("Disbursed and posted to the ledger.")

    def get_initial(self):
        return {"disbursed_on": timezone.localdate()}

    def run(self, form):
        return allocation_disburse(
            allocation=self.allocation,
            disbursed_on=form.cleaned_data["disbursed_on"],
            method=form.cleaned_data["method"],
            actor=self.request.user,
        )


class AllocationCancelView(_ActionView):
    form_class = ReasonForm
    page_title = _("Cancel an allocation")
    permissions = CANCEL_PERMISSIONS
    log_action = "care.allocation_cancel"
    submit_button_label = _("Cancel the allocation")
    success_message = _("Cancelled.")

    def run(self, form):
        return allocation_cancel(
            allocation=self.allocation, reason=form.cleaned_data["reason"], actor=self.request.user
        )


class AllocationUndeliverableView(_ActionView):
    form_class = ReasonForm
    page_title = _("Mark an allocation undeliverable")
    permissions = (DISBURSE_PERMISSION,)
    log_action = "care.allocation_undeliverable"
    submit_button_label = _("Mark undeliverable")
    success_message = _("Marked undeliverable.")

    def run(self, form):
        return allocation_undeliverable(
            allocation=self.allocation, reason=form.cleaned_data["reason"], actor=self.request.user
        )


class AllocationReverseView(_ActionView):
    form_class = ReasonForm
    page_title = _("Reverse a disbursed allocation")
    permissions = (REVERSE_PERMISSION,)
    log_action = "care.allocation_reverse"
    submit_button_label = _("Reverse")
    success_message = _("Reversed in the ledger.")

    def run(self, form):
        return allocation_reverse(
            allocation=self.allocation, reason=form.cleaned_data["reason"], actor=self.request.user
        )
