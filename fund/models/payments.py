"""Card payments through Stripe: which PaymentIntent pays which gift, monthly gifts as Stripe
Subscriptions, and the inbox of Stripe events.

Stripe is the source of truth for what happened to a card; these rows are our record of it.
They hold Stripe's ids, never card data (the card never reaches our server).
"""

from django.conf import settings
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
        # Stripe gave up retrying the card; the subscription stays open but takes nothing.
        UNPAID = "unpaid", _("Unpaid: Stripe stopped retrying")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    # Where a person should look: the back office lists these as monthly gifts in trouble.
    TROUBLE = (Status.PAST_DUE, Status.UNPAID)

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
    # When the Stripe event that set ``status`` was created: an older event that arrives late
    # (Stripe does not keep order) must not undo a newer one.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    last_problem = models.CharField(
        max_length=500, blank=True, help_text=_("The last failed payment or other trouble Stripe reported.")
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_gift_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}/month"


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

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(help_text=_("When Stripe created the event."))
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True, help_text=_("What processing did, or why it did nothing."))
    attention = models.CharField(max_length=10, choices=Attention.choices, default=Attention.NONE, blank=True)
    # What we asked Stripe while processing (an invoice's payments, the invoice a payment paid),
    # so a person can see why the event was linked to a gift, or why it could not be.
    lookup = models.JSONField(default=dict, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True, help_text=_("What the person did about it."))

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The back office's "needs a person" list reads few rows out of many.
            models.Index(fields=["attention"], condition=~Q(attention=""), name="stripeevent_attention_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
