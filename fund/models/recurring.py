"""A monthly gift: what a donor promised to give each month, to which fund.

Each paid month becomes its own received Donation. The card network that carries it (a Stripe
Subscription today) is the payments app's business; this row keeps only Stripe's ids, as a
Donation keeps its channel.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..money import CURRENCY_CHOICES
from .donations import new_donation_reference


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

    reference = models.CharField(
        max_length=12, unique=True, default=new_donation_reference, editable=False, verbose_name=_("reference")
    )
    donor = models.ForeignKey(
        "donors.Donor", on_delete=models.PROTECT, related_name="recurring_gifts", verbose_name=_("donor")
    )
    payer = models.ForeignKey(
        "donors.Donor",
        on_delete=models.PROTECT,
        related_name="paid_recurring_gifts",
        null=True,
        blank=True,
        verbose_name=_("payer"),
    )
    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="recurring_gifts", verbose_name=_("fund")
    )
    campaign = models.ForeignKey(
        "fund.Campaign",
        on_delete=models.PROTECT,
        related_name="recurring_gifts",
        null=True,
        blank=True,
        verbose_name=_("campaign"),
    )
    amount = MoneyField(
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        verbose_name=_("amount"),
    )
    is_anonymous = models.BooleanField(default=True, verbose_name=_("anonymous"))
    # Each month's gift takes these, as a one-off gift takes its own (docs/decisions/0010).
    receipt_language = models.CharField(
        max_length=5,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
        default="vi",
        verbose_name=_("receipt language"),
    )
    receipt_by_email = models.BooleanField(default=False, verbose_name=_("receipt by email"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.INCOMPLETE, verbose_name=_("status")
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True, verbose_name=_("Stripe customer id"))
    stripe_subscription_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, verbose_name=_("Stripe subscription id")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    # When the Stripe event that set ``status`` was created: an older event that arrives late
    # (Stripe does not keep order) must not undo a newer one.
    status_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status changed at"))
    last_problem = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The last failed payment or other trouble Stripe reported."),
        verbose_name=_("last problem"),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recurring_gift_amount_positive"),
        ]
        verbose_name = _("monthly gift")
        verbose_name_plural = _("monthly gifts")

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}/month"
