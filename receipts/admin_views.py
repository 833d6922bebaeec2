"""Back-office screens for receipts: find a receipt, see its emails, download it, resend it,
void and reissue it. Receipts are never edited by form (the database freezes them); the actions
below call the receipt services, each behind a Django permission:
``receipts.view_receipt`` to see and download, ``receipts.change_receipt`` to resend or reissue.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import BackOfficeViewSet, ExportIndexView, InspectView, ServiceActionView, admin_action_log
from fund.admin_money import MoneyColumn, MoneyExportIndexView
from fund.errors import FundError

from .errors import ReceiptError
from .models import Receipt, ReceiptDelivery
from .pdf import receipt_pdf_bytes
from .services.delivery import delivery_queue
from .services.receipts import receipt_reissue

VIEW_PERMISSION = "receipts.view_receipt"
CHANGE_PERMISSION = "receipts.change_receipt"


def latest_delivery_status() -> Subquery:
    """The status of a receipt's latest email (empty if it was never emailed: the donor did not
    ask for receipts by email), one subquery for the whole listing or export."""
    latest = ReceiptDelivery.objects.filter(receipt=OuterRef("pk")).order_by("-queued_at", "-id")
    return Subquery(latest.values("status")[:1])


class ReceiptFilterSet(WagtailFilterSet):
    issued = django_filters.DateFromToRangeFilter(
        label=_("Date issued"), field_name="issued_at", widget=DateRangePickerWidget
    )
    # Exact periods: the statements screen links each period it lists to its statements here.
    period_start = django_filters.DateFilter(label=_("Period from"), widget=AdminDateInput)
    period_end = django_filters.DateFilter(label=_("Period to"), widget=AdminDateInput)
    delivery_status = django_filters.ChoiceFilter(
        label=_("Email"), choices=ReceiptDelivery.Status.choices, empty_label=_("Any")
    )

    class Meta:
        model = Receipt
        fields = ["issued", "kind", "status", "fiscal_year", "language", "delivery_status"]


class ReceiptIndexView(MoneyExportIndexView):
    def get_base_queryset(self):
        # A statement has no gift: its reference is empty rather than a failed lookup.
        return (
            super()
            .get_base_queryset()
            .select_related("donor", "donation", "replaces")
            .annotate(gift_reference=F("donation__reference"), delivery_status=latest_delivery_status())
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(_("Download PDF"), url=reverse("receipts_admin:pdf", args=[instance.pk]), icon_name="download")
        )
        if self.request.user.has_perm(CHANGE_PERMISSION):
            buttons.append(
                MenuItem(_("Send by email"), url=reverse("receipts_admin:resend", args=[instance.pk]), icon_name="mail")
            )
            if not instance.is_void:
                url = reverse("receipts_admin:reissue", args=[instance.pk])
                buttons.append(MenuItem(_("Void and reissue"), url=url, icon_name="rotate"))
        return buttons


class ReceiptInspectView(InspectView):
    template_name = "receipts/admin/receipt_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        receipt = self.object
        context.update(
            deliveries=receipt.deliveries.order_by("-queued_at"),
            can_change=self.request.user.has_perm(CHANGE_PERMISSION),
            replaced_by=Receipt.objects.filter(replaces=receipt).first(),
        )
        return context


class ReceiptViewSet(BackOfficeViewSet):
    model = Receipt
    icon = "doc-full"
    menu_label = _("Receipts")
    url_prefix = "receipts/all"
    url_namespace = "receipts_admin"
    index_view_class = ReceiptIndexView
    inspect_view_class = ReceiptInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["number", "kind", "donor", MoneyColumn("amount", label=_("Amount")), "issued_at", "status"]
    filterset_class = ReceiptFilterSet
    search_fields = ["number", "donor__name", "donor__email", "donation__reference"]
    list_per_page = 50
    list_export = [
        "number",
        "issued_at",
        "kind",
        "status",
        "donor",
        "gift_reference",
        "period_start",
        "period_end",
        "amount",
        "amount_currency",
        "language",
        "delivery_status",
        "replaces",
        "voided_at",
        "void_reason",
    ]
    export_headings = {
        "gift_reference": _("Gift reference"),
        "period_start": _("Period from"),
        "period_end": _("Period to"),
        "amount_currency": _("Currency"),
        "language": _("Language"),
        "delivery_status": _("Email"),
        "replaces": _("Replaces"),
        "voided_at": _("Voided at"),
        "void_reason": _("Reason for voiding"),
    }
    export_filename = "receipts"
    inspect_view_fields = [
        "number",
        "kind",
        "status",
        "donor",
        "donation",
        "period_start",
        "period_end",
        "amount",
        "language",
        "issued_at",
        "issued_by",
        "replaces",
        "voided_at",
        "voided_by",
        "void_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("pdf/<int:pk>/", ReceiptPdfView.as_view(), name="pdf"),
            path("resend/<int:pk>/", ReceiptResendView.as_view(), name="resend"),
            path("reissue/<int:pk>/", ReceiptReissueView.as_view(), name="reissue"),
        ]


class ReceiptDeliveryFilterSet(WagtailFilterSet):
    queued = django_filters.DateFromToRangeFilter(
        label=_("Date queued"), field_name="queued_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = ReceiptDelivery
        fields = ["queued", "status"]


class ReceiptDeliveryIndexView(ExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("receipt", "requested_by")


class ReceiptDeliveryViewSet(BackOfficeViewSet):
    model = ReceiptDelivery
    icon = "mail"
    menu_label = _("Receipt emails")
    url_prefix = "receipts/emails"
    url_namespace = "receipt_deliveries"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["receipt", "to_email", "status", "attempts", "last_error", "queued_at", "sent_at"]
    filterset_class = ReceiptDeliveryFilterSet
    index_view_class = ReceiptDeliveryIndexView
    search_fields = ["receipt__number", "to_email"]
    list_per_page = 50
    list_export = ["receipt", "to_email", "status", "attempts", "queued_at", "sent_at", "last_error", "requested_by"]
    export_headings = {
        "receipt": _("Receipt"),
        "attempts": _("Attempts"),
        "queued_at": _("Queued at"),
        "sent_at": _("Sent at"),
        "last_error": _("Last error"),
        "requested_by": _("Requested by"),
    }
    export_filename = "receipt-emails"


class ReceiptsAdminGroup(ModelViewSetGroup):
    menu_label = _("Receipts")
    menu_icon = "doc-full"
    menu_order = 220
    items = (ReceiptViewSet, ReceiptDeliveryViewSet)
    submenu_hook = "register_receipts_menu_item"  # statements for a period (receipts/wagtail_hooks.py)


def _receipt_or_404(request, pk: int, permission: str) -> Receipt:
    if not request.user.has_perm(permission):
        raise PermissionDenied  # before the lookup: no telling which receipts exist
    return get_object_or_404(Receipt.objects.select_related("donor"), pk=pk)


class ReceiptPdfView(View):
    def get(self, request, pk: int):
        receipt = _receipt_or_404(request, pk, VIEW_PERMISSION)
        response = HttpResponse(receipt_pdf_bytes(receipt), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{receipt.number}.pdf"'
        return response


class _ReceiptActionView(ServiceActionView):
    template_name = "receipts/admin/receipt_form.html"
    header_icon = "doc-full"
    permissions = (CHANGE_PERMISSION,)
    refusals = (ReceiptError, FundError)

    def get_object(self):
        self.receipt = get_object_or_404(Receipt.objects.select_related("donor"), pk=self.kwargs["pk"])
        return self.receipt

    def get_context_data(self, **kwargs):
        return super().get_context_data(receipt=self.receipt, **kwargs)

    def get_success_url(self, receipt):
        return reverse("receipts_admin:inspect", args=[receipt.pk])


class ResendForm(forms.Form):
    to_email = forms.EmailField(label=_("Send to"), max_length=254)


class ReceiptResendView(_ReceiptActionView):
    form_class = ResendForm
    page_title = _("Send a receipt by email")
    submit_button_label = _("Send")

    def get_initial(self):
        return {"to_email": self.receipt.donor.email}

    log_action = "receipts.resend"

    def call_service(self, form):
        self.delivery = delivery_queue(
            receipt=self.receipt, to_email=form.cleaned_data["to_email"], requested_by=self.request.user
        )
        return self.receipt

    def get_success_message(self, receipt):
        return str(
            _("Receipt %(number)s queued for %(email)s.") % {"number": receipt.number, "email": self.delivery.to_email}
        )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the void receipt and printed on the replacement, e.g. 'donor's tax code corrected'."),
    )


class ReceiptReissueView(_ReceiptActionView):
    form_class = ReissueForm
    page_title = _("Void and reissue a receipt")
    submit_button_label = _("Void and reissue")

    def call_service(self, form):
        return receipt_reissue(receipt=self.receipt, reason=form.cleaned_data["reason"], actor=self.request.user)

    def log_history(self, replacement):
        # Two actions, not one: Wagtail's History keeps one entry per request and action.
        log = {"user": self.request.user}
        admin_action_log(instance=self.receipt, action="receipts.void", replaced_by=replacement.number, **log)
        admin_action_log(instance=replacement, action="receipts.reissue", replaces=self.receipt.number, **log)

    def get_success_message(self, replacement):
        return str(
            _("Receipt %(old)s is void; %(new)s replaces it.") % {"old": self.receipt.number, "new": replacement.number}
        )
