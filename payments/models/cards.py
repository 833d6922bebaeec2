"""Card payments through Stripe: which PaymentIntent pays which gift, and the inbox of Stripe events.

Stripe is the source of truth for what happened to a card; these rows are our record of it.
They hold Stripe's ids, never card data (the card never reaches our server). A monthly gift's
promise itself is ``fund.RecurringGift``: it is what the donor gives, whichever network carries it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CardPayment(models.Model):
    """One Stripe PaymentIntent that pays one gift.

    A one-off gift gets its PaymentIntent when the donor reaches the payment step; a month of a
    monthly gift gets its row when Stripe reports the invoice paid (``stripe_invoice_id``).
    """

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        STARTED = "started", _("Waiting for the card")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Last attempt failed")
        REFUNDED = "refunded", _("Refunded")
        DISPUTED = "disputed", _("Disputed")
        DISPUTE_WON = "dispute_won", _("Dispute won")
        DISPUTE_LOST = "dispute_lost", _("Dispute lost")

    donation = models.OneToOneField(
        "fund.Donation", on_delete=models.PROTECT, related_name="card_payment", verbose_name=_("gift")
    )
    stripe_payment_intent_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, verbose_name=_("Stripe payment id")
    )
    stripe_invoice_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, verbose_name=_("Stripe invoice id")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STARTED, verbose_name=_("status"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # A refund asked of Stripe from the back office (payments.services.card_refunds): who, when,
    # why, and Stripe's refund. The gift itself is refunded only when Stripe's charge.refunded
    # event confirms it, so the ledger never counts a refund Stripe did not make.
    refund_requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refund asked at"))
    refund_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund asked by"),
    )
    refund_reason = models.CharField(max_length=500, blank=True, verbose_name=_("why refunded"))
    stripe_refund_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, verbose_name=_("Stripe refund id")
    )

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_cardpayment"
        ordering = ["-created_at"]
        constraints = [
            # A refund is recorded as asked only with the refund Stripe made, and the other way round.
            models.CheckConstraint(
                condition=Q(refund_requested_at__isnull=True, stripe_refund_id__isnull=True)
                | Q(refund_requested_at__isnull=False, stripe_refund_id__isnull=False),
                name="cardpayment_refund_request_complete",
            ),
        ]
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")

    def __str__(self) -> str:
        return self.stripe_payment_intent_id or self.stripe_invoice_id or f"card payment {self.pk}"

    @property
    def refund_awaits_stripe(self) -> bool:
        """A refund was asked of Stripe and its refund event has not refunded the gift yet."""
        return self.refund_requested_at is not None and self.status != self.Status.REFUNDED


class StripeEvent(models.Model):
    """The webhook inbox: every verified Stripe event, once (unique ``stripe_id``), stored in
    the same transaction as its effects. A redelivered event finds its row and changes nothing,
    unless the row is still waiting for a retry (Stripe could not be asked what it needed).
    """

    wagtail_reference_index_ignore = True

    class Attention(models.TextChoices):
        NONE = "", _("Nothing to do")
        PERSON = "person", _("Needs a person")
        RETRY = "retry", _("Waiting for Stripe")
        RESOLVED = "resolved", _("Handled by a person")

    stripe_id = models.CharField(max_length=255, unique=True, verbose_name=_("Stripe event id"))
    type = models.CharField(max_length=100, db_index=True, verbose_name=_("event type"))
    livemode = models.BooleanField(default=False, verbose_name=_("live mode"))
    created = models.DateTimeField(help_text=_("When Stripe created the event."), verbose_name=_("created at Stripe"))
    payload = models.JSONField(verbose_name=_("payload"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))
    outcome = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("What processing did, or why it did nothing."),
        verbose_name=_("outcome"),
    )
    attention = models.CharField(
        max_length=10, choices=Attention.choices, default=Attention.NONE, blank=True, verbose_name=_("attention")
    )
    # What we asked Stripe while processing (an invoice's payments, the invoice a payment paid),
    # so a person can see why the event was linked to a gift, or why it could not be.
    lookup = models.JSONField(default=dict, blank=True, verbose_name=_("lookup"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.CharField(
        max_length=500, blank=True, help_text=_("What the person did about it."), verbose_name=_("what was done")
    )

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_stripeevent"
        ordering = ["-received_at"]
        indexes = [
            # The back office's "needs a person" list reads few rows out of many.
            models.Index(fields=["attention"], condition=~Q(attention=""), name="stripeevent_attention_idx"),
        ]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
