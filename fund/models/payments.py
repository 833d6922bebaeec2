"""Card payments through Stripe: which PaymentIntent pays which gift, monthly gifts as Stripe
Subscriptions, and the inbox of Stripe events.

Stripe is the source of truth for what happened to a card; these rows are our record of it.
They hold Stripe's ids, never card data (the card never reaches our server).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..money import CURRENCY_CHOICES
from .donations import new_donation_reference


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

    donation = models.OneToOneField("fund.Donation", on_delete=models.PROTECT, related_name="card_payment")
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STARTED)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_payment_intent_id or self.stripe_invoice_id or f"card payment {self.pk}"


class RecurringGift(models.Model):
    """A monthly card gift: a Stripe Subscription. Each paid month becomes its own received
    Donation (and its own receipt); this row only says who gives how much to which fund."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Waiting for the first payment")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(max_length=12, unique=True, default=new_donation_reference, editable=False)
    donor = models.ForeignKey("donors.Donor", on_delete=models.PROTECT, related_name="recurring_gifts")
    payer = models.ForeignKey(
        "donors.Donor", on_delete=models.PROTECT, related_name="paid_recurring_gifts", null=True, blank=True
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="recurring_gifts")
    campaign = models.ForeignKey(
        "fund.Campaign", on_delete=models.PROTECT, related_name="recurring_gifts", null=True, blank=True
    )
    amount = MoneyField(max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES)
    is_anonymous = models.BooleanField(default=True)
    # Each month's gift takes these, as a one-off gift takes its own (docs/decisions/0010).
    receipt_language = models.CharField(max_length=5, choices=[("vi", "Tiếng Việt"), ("en", "English")], default="vi")
    receipt_by_email = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INCOMPLETE)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_gift_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}/month"


class StripeEvent(models.Model):
    """The webhook inbox: every verified Stripe event, once (unique ``stripe_id``), stored in
    the same transaction as its effects. A redelivered event finds its row and changes nothing.
    """

    wagtail_reference_index_ignore = True

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(help_text=_("When Stripe created the event."))
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True, help_text=_("What processing did, or why it did nothing."))

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
