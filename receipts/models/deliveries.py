from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReceiptDelivery(models.Model):
    """One sending of a receipt by email, recorded before anything is sent.

    The row is written in the same transaction as the receipt (or the resend request), so a
    task lost with the broker, or a mail server that is down, leaves a row still queued or
    failed that the sweep sends later; a row marked sent is never sent again.
    """

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    receipt = models.ForeignKey(
        "receipts.Receipt", on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("receipt")
    )
    to_email = models.EmailField(_("to"), max_length=254)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    queued_at = models.DateTimeField(default=timezone.now, verbose_name=_("queued at"))
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("next attempt at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who asked for a resend; empty for the automatic first sending."),
        verbose_name=_("requested by"),
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name_plural = _("receipt deliveries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="receipt_delivery_sent_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("receipt email")

    def __str__(self) -> str:
        return f"{self.receipt} -> {self.to_email} ({self.status})"
