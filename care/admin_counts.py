"""Back-office screens for stock counts: the listing, an inspect screen with the lines and the
steps, recording a count, and approving or rejecting it (never by the counter: the service
refuses). Each step calls one service in care.services.counts."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import AdminDateInput, HeaderButton

from config.wagtail_admin import BackOfficeViewSet, ExportIndexView, InspectView
from fund.models import Fund

from .admin_forms import LineForm, ServiceLinesView, StockLineChoiceField
from .models import StockCount
from .services import stock_count_approve, stock_count_record, stock_count_reject

RECORD_PERMISSION = "care.add_stockcount"
APPROVE_PERMISSION = "care.approve_stockcount"


class StockCountFilterSet(WagtailFilterSet):
    class Meta:
        model = StockCount
        fields = ["fund", "status"]


class StockCountIndexView(ExportIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(RECORD_PERMISSION):
            buttons.append(
                HeaderButton(_("Record a count"), url=reverse("stock_counts_admin:record"), icon_name="plus")
            )
        return buttons


class StockCountInspectView(InspectView):
    template_name = "care/admin/stock_count_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count = self.object
        steps = []
        if count.status == StockCount.Status.RECORDED and self.request.user.has_perm(APPROVE_PERMISSION):
            steps = [
                (_("Approve"), reverse("stock_counts_admin:approve", args=[count.pk])),
                (_("Reject"), reverse("stock_counts_admin:reject", args=[count.pk])),
            ]
        context.update(lines=count.lines.select_related("item"), actions=steps)
        return context


class StockCountViewSet(BackOfficeViewSet):
    model = StockCount
    icon = "clipboard-list"
    menu_label = _("Stock counts")
    url_prefix = "care/stock-counts"
    url_namespace = "stock_counts_admin"
    index_view_class = StockCountIndexView
    inspect_view_class = StockCountInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["__str__", "fund", "counted_on", "counted_by", "status", "decided_by"]
    filterset_class = StockCountFilterSet
    list_per_page = 50
    list_export = ["id", "fund", "counted_on", "status", "decided_at", "posting_id", "reason"]
    export_headings = {"id": _("Stock count"), "posting_id": _("Ledger posting")}
    export_filename = "stock-counts"
    inspect_view_fields = [
        "fund",
        "counted_on",
        "counted_by",
        "notes",
        "status",
        "decided_by",
        "decided_at",
        "reason",
        "posting",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("record/", StockCountRecordView.as_view(), name="record"),
            path("approve/<int:pk>/", StockCountApproveView.as_view(), name="approve"),
            path("reject/<int:pk>/", StockCountRejectView.as_view(), name="reject"),
        ]


class CountForm(forms.Form):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.all())
    counted_on = forms.DateField(label=_("Counted on"), widget=AdminDateInput)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


class CountLineForm(LineForm):
    stock_line = StockLineChoiceField(label=_("Item"))
    counted = forms.DecimalField(label=_("Counted"), max_digits=12, decimal_places=3)


class StockCountRecordView(ServiceLinesView):
    form_class = CountForm
    line_form = CountLineForm
    page_title = _("Record a stock count")
    permissions = (RECORD_PERMISSION,)
    log_action = "care.stock_count_record"
    submit_button_label = _("Record the count")
    success_message = _("Count recorded. Someone else must approve it before stock changes.")

    def get_initial(self):
        return {"counted_on": timezone.localdate()}

    def call_service(self, form):
        lines = [
            {
                "item": line["stock_line"].item if line.get("stock_line") else None,
                "restriction": line["stock_line"].restriction if line.get("stock_line") else "",
                "counted": "" if line.get("counted") is None else str(line["counted"]),
            }
            for line in self.lines()
        ]
        return stock_count_record(
            fund=form.cleaned_data["fund"],
            counted_on=form.cleaned_data["counted_on"],
            lines=lines,
            notes=form.cleaned_data["notes"],
            actor=self.request.user,
        )

    def get_success_url(self, instance):
        return reverse("stock_counts_admin:inspect", args=[instance.pk])


class _DecideView(StockCountRecordView):
    line_form = None
    permissions = (APPROVE_PERMISSION,)

    def get_object(self):
        return get_object_or_404(StockCount.objects.select_related("fund"), pk=self.kwargs["pk"])

    def get_initial(self):
        return {}


class ConfirmForm(forms.Form):
    """A confirmation: no fields."""


class StockCountApproveView(_DecideView):
    form_class = ConfirmForm
    page_title = _("Approve a stock count")
    log_action = "care.stock_count_approve"
    submit_button_label = _("Approve")
    success_message = _("Approved: the differences are in stock and in the ledger.")

    def call_service(self, form):
        return stock_count_approve(count=self.object, actor=self.request.user)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class StockCountRejectView(_DecideView):
    form_class = ReasonForm
    page_title = _("Reject a stock count")
    log_action = "care.stock_count_reject"
    submit_button_label = _("Reject")
    success_message = _("Rejected.")

    def call_service(self, form):
        return stock_count_reject(count=self.object, reason=form.cleaned_data["reason"], actor=self.request.user)
