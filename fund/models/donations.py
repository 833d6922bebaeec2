import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from ..money import CURRENCY_CHOICES, money_convert

# Crockford-style alphabet without 0/O, 1/I/L: the reference is typed into banking apps.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_donation_reference() -> str:
    """Short, unguessable, easy to type: 'CT' + 8 characters (about 40 bits)."""
    return "CT" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Donation(models.Model):
    """One gift: money or goods, pledged then received (or cancelled, or refunded).

    A received gift is in the ledger exactly once (fund.models.ledger.Posting); a refund adds a
    reversing posting, it never edits the first. ``amount`` is the gift's face value in its own
    currency: for goods, the sum of the recorded fair values of its lines.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        IN_KIND = "in_kind", _("In-kind goods")
        SCHOLARSHIP = "scholarship", _("Scholarship")
        SUPPLIES = "supplies", _("School supplies")

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class Channel(models.TextChoices):
        CARD = "card", _("Card (Stripe)")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash at the centre")
        IN_KIND_DELIVERY = "in_kind_delivery", _("In-kind delivery")

    GOODS_KINDS = (Kind.IN_KIND, Kind.SUPPLIES)

    reference = models.CharField(
        max_length=12, unique=True, default=new_donation_reference, editable=False, verbose_name=_("reference")
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="donations", verbose_name=_("fund"))
    campaign = models.ForeignKey(
        "fund.Campaign",
        on_delete=models.PROTECT,
        related_name="donations",
        null=True,
        blank=True,
        verbose_name=_("campaign"),
    )
    donor = models.ForeignKey(
        "donors.Donor",
        on_delete=models.PROTECT,
        related_name="donations",
        help_text=_("Who the gift is credited to; receives the receipt."),
        verbose_name=_("donor"),
    )
    payer = models.ForeignKey(
        "donors.Donor",
        on_delete=models.PROTECT,
        related_name="paid_donations",
        null=True,
        blank=True,
        help_text=_("Who paid, when not the credited donor (an employee for their company)."),
        verbose_name=_("payer"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLEDGED, db_index=True, verbose_name=_("status")
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, verbose_name=_("channel"))
    amount = MoneyField(
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        verbose_name=_("amount"),
    )
    exchange_rate = models.DecimalField(
        # 10 decimals: a VND -> USD rate is about 0.0000394, and must keep 3+ significant digits.
        max_digits=20,
        decimal_places=10,
        null=True,
        blank=True,
        help_text=_("Units of the fund's currency per unit of the gift's currency, when they differ."),
        verbose_name=_("exchange rate"),
    )
    scholarship_count = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("number of scholarships"))
    school_year = models.CharField(
        max_length=9, blank=True, help_text=_("e.g. 2026-2027"), verbose_name=_("school year")
    )
    expected_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("When a pledge is due: goods to arrive, an instalment to be paid."),
        verbose_name=_("due on"),
    )
    fee_cover = models.DecimalField(
        max_digits=20,
        decimal_places=2,
        default=0,
        help_text=_("Part of the amount the donor added to cover the card fee (already in the amount)."),
        verbose_name=_("card fee covered"),
    )
    commitment = models.ForeignKey(
        "fund.Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("pledge in instalments"),
    )
    recurring_gift = models.ForeignKey(
        "fund.RecurringGift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("monthly gift"),
    )
    is_anonymous = models.BooleanField(
        default=True, help_text=_("Hide the donor's name on public pages."), verbose_name=_("anonymous")
    )
    # The gift carries its own receipt choices: a returning donor's new choice reaches this gift's
    # receipt even when the stored donor record is not changed (docs/decisions/0010).
    receipt_language = models.CharField(
        _("receipt language"),
        max_length=5,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
        default="vi",
    )
    receipt_by_email = models.BooleanField(
        _("receipt by email"), default=False, help_text=_("Email this gift's receipt to the donor.")
    )
    message = models.TextField(
        max_length=1000, blank=True, validators=[MaxLengthValidator(1000)], verbose_name=_("message")
    )
    pledged_at = models.DateTimeField(default=timezone.now, verbose_name=_("pledged at"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When cancelled or refunded."), verbose_name=_("closed at")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-pledged_at", "-id"]
        indexes = [models.Index(fields=["fund", "status", "received_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(condition=Q(amount_currency__in=["VND", "USD"]), name="donation_currency_known"),
            models.CheckConstraint(
                condition=Q(exchange_rate__isnull=True) | Q(exchange_rate__gt=0),
                name="donation_exchange_rate_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["received", "refunded"]) | Q(received_at__isnull=False),
                name="donation_received_has_date",
            ),
            models.CheckConstraint(
                condition=Q(fee_cover__gte=0) & Q(fee_cover__lt=models.F("amount")), name="donation_fee_cover_in_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="scholarship") | Q(scholarship_count__gte=1),
                name="donation_scholarship_has_count",
            ),
        ]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"

    @property
    def is_goods(self) -> bool:
        return self.kind in self.GOODS_KINDS

    @property
    def fund_value(self) -> Money:
        """The gift's value in the fund's currency, at the recorded rate when they differ.
        This is the amount the ledger holds for it."""
        if self.amount.currency.code == self.fund.currency:
            return self.amount
        return money_convert(self.amount, to_currency=self.fund.currency, rate=self.exchange_rate)


class DonationLine(models.Model):
    """One line of donated goods: what, how many, in which unit, and its recorded fair value
    (the line's total, in the donation's currency). The value is what enters the ledger."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines", verbose_name=_("gift"))
    description = models.CharField(max_length=200, verbose_name=_("what"))
    quantity = models.DecimalField(max_digits=12, decimal_places=3, verbose_name=_("quantity"))
    unit = models.CharField(max_length=20, help_text=_("kg, box, piece, set…"), verbose_name=_("unit"))
    fair_value = models.DecimalField(max_digits=20, decimal_places=2, verbose_name=_("fair value"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_quantity_positive"),
            models.CheckConstraint(condition=Q(fair_value__gt=0), name="donation_line_value_positive"),
            models.CheckConstraint(condition=~Q(description=""), name="donation_line_has_description"),
        ]
        verbose_name = _("gift line")
        verbose_name_plural = _("gift lines")

    def __str__(self) -> str:
        return f"{self.quantity.normalize():f} {self.unit} {self.description}"
