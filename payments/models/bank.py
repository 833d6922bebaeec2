"""Bank statements and the transfers on them, matched to pledges by their reference code.

A line is stored once, ever (unique ``fingerprint``), so importing a statement twice, or two
exports that overlap, changes nothing the second time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES


class BankStatement(models.Model):
    """One import: an uploaded CSV/XLSX export, or one push from a bank-notification webhook."""

    wagtail_reference_index_ignore = True

    class Source(models.TextChoices):
        FILE = "file", _("Uploaded statement")
        WEBHOOK = "webhook", _("Bank notification")

    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FILE, verbose_name=_("source"))
    filename = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Of the uploaded file, to show repeats."),
        verbose_name=_("file fingerprint"),
    )
    imported_at = models.DateTimeField(default=timezone.now, verbose_name=_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    line_count = models.PositiveIntegerField(default=0, help_text=_("Lines in the file."), verbose_name=_("lines"))
    new_count = models.PositiveIntegerField(
        default=0, help_text=_("Lines not seen before."), verbose_name=_("new lines")
    )
    matched_count = models.PositiveIntegerField(default=0, verbose_name=_("matched"))
    review_count = models.PositiveIntegerField(default=0, verbose_name=_("to review"))

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_bankstatement"
        ordering = ["-imported_at"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return self.filename or f"{self.get_source_display()} {self.imported_at:%Y-%m-%d %H:%M}"


class BankTransaction(models.Model):
    """One incoming transfer on the centre's account, and what became of it."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched to a gift")
        REVIEW = "review", _("Needs review")
        IGNORED = "ignored", _("Not a gift")

    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("bank statement")
    )
    fingerprint = models.CharField(
        max_length=64,
        unique=True,
        help_text=_("The bank's transaction id when it gives one, else a hash of the line's content."),
        verbose_name=_("fingerprint"),
    )
    booked_on = models.DateField(verbose_name=_("booked on"))
    amount = MoneyField(
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        verbose_name=_("amount"),
    )
    description = models.CharField(max_length=500, blank=True, verbose_name=_("description"))
    counterparty = models.CharField(max_length=255, blank=True, verbose_name=_("sender"))
    bank_reference = models.CharField(max_length=100, blank=True, verbose_name=_("bank reference"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REVIEW, db_index=True, verbose_name=_("status")
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text=_("How it was matched, or why it waits."), verbose_name=_("reason")
    )
    donation = models.OneToOneField(
        "fund.Donation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_transaction",
        verbose_name=_("gift"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_banktransaction"
        ordering = ["-booked_on", "-id"]
        # The matcher looks for an earlier copy of a transfer by amount and date (repeats between a
        # notification and a statement): one index lookup instead of a scan of every line. The
        # statement last, so that a chunk of a million-line statement skips the statement's own
        # lines of the same sums inside the index (statement_id < or > its own).
        indexes = [
            models.Index(
                fields=["amount_currency", "amount", "booked_on", "statement"], name="bank_txn_amount_date_stmt"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bank_transaction_incoming"),
            models.CheckConstraint(
                condition=~Q(status="matched") | Q(donation__isnull=False), name="bank_transaction_matched_has_gift"
            ),
        ]
        verbose_name = _("bank transfer")
        verbose_name_plural = _("bank transfers")

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.description[:40]}"
