"""Multi-year pledges paid in instalments: each instalment is a pledged Donation with the date
it is expected, so "due" and "late" are plain queries over pledges."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..money import CURRENCY_CHOICES


class Commitment(models.Model):
    """A donor's promise of a total, spread over instalments (an organisation's three-year
    scholarship pledge, for example)."""

    wagtail_reference_index_ignore = True

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    donor = models.ForeignKey(
        "donors.Donor", on_delete=models.PROTECT, related_name="commitments", verbose_name=_("donor")
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="commitments", verbose_name=_("fund"))
    campaign = models.ForeignKey(
        "fund.Campaign",
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        blank=True,
        verbose_name=_("campaign"),
    )
    total = MoneyField(
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        verbose_name=_("total"),
    )
    instalments = models.PositiveSmallIntegerField(verbose_name=_("instalments"))
    frequency = models.CharField(max_length=10, choices=Frequency.choices, verbose_name=_("frequency"))
    first_due_on = models.DateField(verbose_name=_("first instalment due"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="commitment_total_positive"),
            models.CheckConstraint(
                condition=Q(instalments__gte=1, instalments__lte=120), name="commitment_instalments_range"
            ),
        ]
        verbose_name = _("pledge in instalments")
        verbose_name_plural = _("pledges in instalments")

    def __str__(self) -> str:
        return f"{self.donor} {self.total} × {self.instalments}"
