"""Cash collected at an event or at the centre's desk, entered as a batch against a control count
and total before any of it reaches the ledger.

A batch is the tally sheet: the fund and campaign it was collected for, the event, the day, how
many gifts and how much the counters said they collected. Its lines are the gifts as written down.
Nothing is a gift (fund.Donation) until the batch posts, and it posts once: when the lines agree
with the control figures, or when someone who entered none of it overrides a mismatch, saying
why. Goods collected at an event are a stock intake, never a batch line.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES


class Batch(models.Model):
    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Status(models.TextChoices):
        OPEN = "open", _("Being entered")
        POSTED = "posted", _("Posted")

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    campaign = models.ForeignKey(
        "fund.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("campaign")
    )
    event_name = models.CharField(_("event"), max_length=200)
    collected_on = models.DateField(_("collected on"))
    expected_count = models.PositiveIntegerField(_("expected number of gifts"))
    expected_total = MoneyField(
        _("expected total"), max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    override_reason = models.TextField(
        _("reason for posting a mismatch"),
        blank=True,
        max_length=500,
        help_text=_("Given by the person who posted the batch although its lines did not match the count or total."),
    )

    class Meta:
        ordering = ["-collected_on", "-pk"]
        verbose_name = _("cash batch")
        verbose_name_plural = _("cash batches")
        permissions = [("post_batch", "Can post a cash batch")]
        constraints = [
            models.CheckConstraint(condition=Q(expected_total__gt=0), name="batch_expected_total_positive"),
            models.CheckConstraint(
                condition=Q(status="open", posted_at__isnull=True) | Q(status="posted", posted_at__isnull=False),
                name="batch_posted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} ({self.collected_on:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class BatchLine(models.Model):
    """One gift on the tally sheet: a donor, or nobody (an anonymous gift in the box)."""

    wagtail_reference_index_ignore = True

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("batch"))
    donor = models.ForeignKey(
        "donors.Donor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor"),
        help_text=_("Empty for an anonymous gift."),
    )
    amount = MoneyField(
        _("amount"), max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES
    )
    receipt_wanted = models.BooleanField(
        _("receipt by email"), default=False, help_text=_("Email the receipt to the donor once the batch is posted.")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    # The gift the line became when the batch posted.
    donation = models.OneToOneField(
        "fund.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batch_line",
        verbose_name=_("gift"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("batch line")
        verbose_name_plural = _("batch lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="batch_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(donor__isnull=False) | Q(receipt_wanted=False), name="batch_line_anonymous_no_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.pk}"
