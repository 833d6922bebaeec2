import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


def new_verification_token() -> str:
    """128 random bits, URL-safe: printed as a QR code, never derived from the number."""
    return secrets.token_urlsafe(16)


class Receipt(models.Model):
    """What a donor gets back for a gift (or, as a statement, for a period's gifts).

    A receipt is a document as issued: ``content`` holds everything printed on it (letterhead,
    donor, gift) as it was at issue, so a later edit of a donor or a setting never changes a
    receipt already given. Receipts are never deleted or edited; a wrong one is voided and a
    replacement issued that points back to it.
    """

    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        GIFT = "gift", _("Gift receipt")
        STATEMENT = "statement", _("Statement of gifts")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30, unique=True)
    series = models.CharField(max_length=10, verbose_name=_("series"))
    fiscal_year = models.PositiveSmallIntegerField(verbose_name=_("fiscal year"))
    sequence = models.PositiveIntegerField(verbose_name=_("sequence number"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.VALID)
    donor = models.ForeignKey(
        "donors.Donor", on_delete=models.PROTECT, related_name="receipts", verbose_name=_("donor")
    )
    donation = models.ForeignKey(
        "fund.Donation",
        on_delete=models.PROTECT,
        related_name="receipts",
        null=True,
        blank=True,
        verbose_name=_("gift"),
    )
    period_start = models.DateField(null=True, blank=True, verbose_name=_("period from"))
    period_end = models.DateField(null=True, blank=True, verbose_name=_("period to"))
    amount = MoneyField(
        _("amount"),
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        null=True,
        blank=True,
        help_text=_("The gift's amount; for a statement, its total when every gift is in one currency."),
    )
    language = models.CharField(
        max_length=5, choices=[("vi", _("Vietnamese")), ("en", _("English"))], verbose_name=_("language")
    )
    content = models.JSONField(
        help_text=_("Everything printed on the receipt, as it was when issued."), verbose_name=_("content")
    )
    verification_token = models.CharField(
        max_length=32, unique=True, default=new_verification_token, editable=False, verbose_name=_("verification code")
    )
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("voided at"))
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for voiding"))

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "fiscal_year", "sequence"], name="receipt_number_unique"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="receipt_sequence_positive"),
            # One valid receipt per gift, and one valid statement per donor and period: issuing
            # twice (a repeated task, a second run of the annual command) finds the first.
            models.UniqueConstraint(
                fields=["donation"],
                condition=Q(status="valid", kind="gift"),
                name="receipt_one_valid_per_gift",
            ),
            models.UniqueConstraint(
                fields=["donor", "period_start", "period_end"],
                condition=Q(status="valid", kind="statement"),
                name="receipt_one_valid_statement_per_period",
            ),
            models.CheckConstraint(
                condition=(Q(kind="gift", donation__isnull=False) & Q(period_start__isnull=True))
                | (Q(kind="statement", donation__isnull=True) & Q(period_start__isnull=False)),
                name="receipt_kind_shape",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="receipt_period_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(status="valid") & Q(voided_at__isnull=True))
                | (Q(status="void") & Q(voided_at__isnull=False) & ~Q(void_reason="")),
                name="receipt_void_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["donor", "kind", "issued_at"]),
            # Progress of a period's statements (issue_annual_receipts polls it).
            models.Index(fields=["kind", "period_start", "period_end"]),
        ]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.number

    @property
    def is_void(self) -> bool:
        return self.status == self.Status.VOID
