"""Back-office screens for cash batches: open a batch, enter and remove its gifts, post it
(payments.services.batches). Batches and lines are never edited by Wagtail's forms; each step is
one service call behind its own permission: ``payments.add_batch`` to open,
``payments.change_batch`` to enter lines, ``payments.post_batch`` to post (and, for someone who
entered none of it, to override a mismatch)."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from config.wagtail_admin import BackOfficeViewSet, ServiceActionView
from donors.admin_chooser import donor_chooser_widget
from donors.models import Donor
from fund.admin_money import MoneyColumn, MoneyExportIndexView, MoneyInspectView
from fund.models import Campaign, Fund
from fund.money import money_display

from .models import Batch, BatchLine
from .services.batches import batch_line_add, batch_line_remove, batch_open, batch_post, batch_totals

OPEN_PERMISSION = "payments.add_batch"
ENTER_PERMISSION = "payments.change_batch"
POST_PERMISSION = "payments.post_batch"


def _batch_url(batch: Batch) -> str:
    return reverse("cash_batches:inspect", args=[batch.pk])


def _figures(batch: Batch) -> dict:
    count, total = batch_totals(batch)
    return {
        "line_count": count,
        "line_total": money_display(total),
        "expected_total": money_display(batch.expected_total),
        "matches": count == batch.expected_count and total == batch.expected_total,
    }


def _actions_for(user, batch: Batch) -> list[tuple[str, str]]:
    if not batch.is_open:
        return []
    steps = []
    if user.has_perm(ENTER_PERMISSION):
        steps.append((gettext("Enter a gift"), reverse("cash_batches:line_add", args=[batch.pk])))
    if user.has_perm(POST_PERMISSION):
        steps.append((gettext("Post the batch"), reverse("cash_batches:post", args=[batch.pk])))
    return steps


class BatchIndexView(MoneyExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("fund", "campaign", "entered_by")

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(OPEN_PERMISSION):
            buttons.append(HeaderButton(_("Open a cash batch"), url=reverse("cash_batches:open"), icon_name="plus"))
        return buttons


class BatchInspectView(MoneyInspectView):
    template_name = "payments/admin/batch_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        lines = list(batch.lines.select_related("donor", "donation"))
        for line in lines:
            line.amount_display = money_display(line.amount)
        context.update(
            lines=lines,
            can_change=batch.is_open and self.request.user.has_perm(ENTER_PERMISSION),
            actions=_actions_for(self.request.user, batch),
            **_figures(batch),
        )
        return context


class BatchViewSet(BackOfficeViewSet):
    model = Batch
    icon = "clipboard-list"
    menu_label = _("Cash batches")
    menu_order = 206
    add_to_admin_menu = True
    url_prefix = "payments/cash-batches"
    url_namespace = "cash_batches"
    index_view_class = BatchIndexView
    inspect_view_class = BatchInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "__str__",
        "fund",
        "campaign",
        "expected_count",
        MoneyColumn("expected_total", label=_("Expected total"), sort_key="expected_total"),
        "status",
        "entered_by",
    ]
    list_filter = ["status", "fund"]
    search_fields = ["event_name"]
    list_per_page = 50
    inspect_view_fields = [
        "event_name",
        "collected_on",
        "fund",
        "campaign",
        "expected_count",
        "expected_total",
        "status",
        "entered_by",
        "created_at",
        "posted_by",
        "posted_at",
        "override_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("open/", BatchOpenView.as_view(), name="open"),
            path("enter/<int:pk>/", BatchLineAddView.as_view(), name="line_add"),
            path("remove-line/<int:pk>/", BatchLineRemoveView.as_view(), name="line_remove"),
            path("post/<int:pk>/", BatchPostView.as_view(), name="post"),
        ]


# --- Actions ---------------------------------------------------------------------------------


class BatchOpenForm(forms.Form):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(is_active=True).order_by("name"))
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.filter(is_active=True).order_by("name"), required=False
    )
    event_name = forms.CharField(
        label=_("Event"), max_length=200, help_text=_("Where the money was collected, e.g. 'Mid-Autumn fair'.")
    )
    collected_on = forms.DateField(label=_("Collected on"), widget=AdminDateInput)
    expected_count = forms.IntegerField(label=_("Number of gifts counted"), min_value=1)
    expected_total = forms.DecimalField(
        label=_("Total counted"), max_digits=20, decimal_places=2, help_text=_("In the fund's currency.")
    )


class BatchOpenView(ServiceActionView):
    form_class = BatchOpenForm
    template_name = "payments/admin/batch_form.html"
    permissions = (OPEN_PERMISSION,)
    page_title = _("Open a cash batch")
    header_icon = "clipboard-list"
    log_action = "payments.batch_open"
    submit_button_label = _("Open the batch")
    success_message = _("Batch opened: enter its gifts.")

    def get_initial(self):
        return {"collected_on": timezone.localdate()}

    def call_service(self, form):
        return batch_open(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, batch):
        return _batch_url(batch)


class _BatchActionView(ServiceActionView):
    template_name = "payments/admin/batch_form.html"
    header_icon = "clipboard-list"

    def get_object(self):
        self.batch = get_object_or_404(Batch.objects.select_related("fund", "campaign"), pk=self.kwargs["pk"])
        return self.batch

    def get_context_data(self, **kwargs):
        return super().get_context_data(batch=self.batch, **_figures(self.batch), **kwargs)

    def get_success_url(self, batch):
        return _batch_url(batch)


class BatchLineForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("Donor"),
        queryset=Donor.objects.all(),
        widget=donor_chooser_widget(),
        required=False,
        help_text=_("Empty for an anonymous gift."),
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=20, decimal_places=2)
    receipt_wanted = forms.BooleanField(label=_("Email the receipt to the donor"), required=False)


class BatchLineAddView(_BatchActionView):
    form_class = BatchLineForm
    permissions = (ENTER_PERMISSION,)
    page_title = _("Enter a gift in a cash batch")
    log_action = "payments.batch_line_add"
    submit_button_label = _("Enter the gift")
    success_message = _("Gift entered.")

    def call_service(self, form):
        data = form.cleaned_data
        batch_line_add(
            batch=self.batch,
            donor=data["donor"],
            amount=data["amount"],
            receipt_wanted=data["receipt_wanted"],
            actor=self.request.user,
        )
        return self.batch

    def get_success_url(self, batch):
        # Straight on to the next gift: a batch is entered line after line.
        return reverse("cash_batches:line_add", args=[batch.pk])


class ConfirmForm(forms.Form):
    pass


class BatchLineRemoveView(_BatchActionView):
    form_class = ConfirmForm
    permissions = (ENTER_PERMISSION,)
    page_title = _("Remove a gift from a cash batch")
    log_action = "payments.batch_line_remove"
    submit_button_label = _("Remove the gift")
    success_message = _("Gift removed from the batch.")

    def get_object(self):
        self.line = get_object_or_404(BatchLine.objects.select_related("batch__fund", "donor"), pk=self.kwargs["pk"])
        self.batch = self.line.batch
        return self.line

    def call_service(self, form):
        return batch_line_remove(line=self.line, actor=self.request.user)


class BatchPostForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Why post it although it does not match"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when the count or total does not match, and only by someone who entered none of it."),
    )


class BatchPostView(_BatchActionView):
    form_class = BatchPostForm
    permissions = (POST_PERMISSION,)
    page_title = _("Post a cash batch")
    log_action = "payments.batch_post"
    submit_button_label = _("Post: record every gift as received")

    def call_service(self, form):
        return batch_post(
            batch=self.batch, override_reason=form.cleaned_data["override_reason"], actor=self.request.user
        )

    def log_data(self, batch):
        return {"override": bool(batch.override_reason)}

    def get_success_message(self, batch):
        count, total = batch_totals(batch)
        return ngettext(
            "Batch posted: %(count)s gift totalling %(total)s recorded as received.",
            "Batch posted: %(count)s gifts totalling %(total)s recorded as received.",
            count,
        ) % {"count": count, "total": money_display(total)}
