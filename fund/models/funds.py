from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from ..money import CURRENCY_CHOICES


class Fund(models.Model):
    """A pot of money and goods kept for a purpose, with its own accounts in the ledger.

    Its balance is never stored here: it is computed from the ledger (fund.selectors).
    ``code`` becomes part of the ledger account codes, hence the short upper-case form.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        # Letters only: hordak joins account codes without a separator, so "AB" + role "1" must
        # never read like a fund called "AB1".
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("2 to 6 capital letters, e.g. CPF."))],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="VND")
    restricted_purpose = models.TextField(
        _("restricted purpose"),
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
        help_text=_("What this fund may be spent on. Empty means unrestricted."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # In the fund's own currency (an allocation from the fund always is).
    second_approval_above = models.DecimalField(
        _("second approval above"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Above this amount an allocation needs a second, different approver. Empty: one approver."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(currency__in=["VND", "USD"]), name="fund_currency_known"),
            models.CheckConstraint(
                condition=Q(second_approval_above__isnull=True) | Q(second_approval_above__gte=0),
                name="fund_second_approval_not_negative",
            ),
        ]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        permissions = [("view_fund_statement", "Can view and download fund statements")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Campaign(models.Model):
    """An appeal for one fund: a goal and a period. Gifts to a campaign land in its fund."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("fund"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    goal = MoneyField(
        _("goal"),
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(goal__isnull=True) | Q(goal__gt=0), name="campaign_goal_positive"),
        ]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name
