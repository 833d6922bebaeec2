"""A statement import run in the background (a national appeal's statement runs to a million
lines), and the lines it has read but not yet stored.

The uploaded file is kept on the private storage (the evidence storage: never served, no URL),
so that a worker on another machine can read it and a failed import can be run again. Lines are
staged under the job while the file is read; only when every row has passed are they stored as
BankTransactions, so a bad row refuses the whole file with nothing stored.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES

from .bank import BankStatement


class BankImportJob(models.Model):
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        READING = "reading", _("Reading the file")
        MATCHING = "matching", _("Matching")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.READING, Status.MATCHING)

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    stored_name = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Where the uploaded file is kept on the private storage; empty for a file read in place."),
        verbose_name=_("stored file"),
    )
    filename = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    mapping = models.JSONField(
        default=dict, help_text=_("The column preset, or the columns named by hand."), verbose_name=_("columns")
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="VND", verbose_name=_("currency"))
    statement = models.OneToOneField(
        BankStatement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job",
        verbose_name=_("bank statement"),
    )
    lines_read = models.PositiveIntegerField(default=0, verbose_name=_("lines read"))
    line_count = models.PositiveIntegerField(default=0, verbose_name=_("incoming lines"))
    new_count = models.PositiveIntegerField(default=0, verbose_name=_("new lines"))
    decided_count = models.PositiveIntegerField(default=0, verbose_name=_("lines decided"))
    matched_count = models.PositiveIntegerField(default=0, verbose_name=_("matched"))
    review_count = models.PositiveIntegerField(default=0, verbose_name=_("to review"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Last sign of life of the worker running it."),
        verbose_name=_("last progress"),
    )
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")

    def __str__(self) -> str:
        return self.filename or f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class BankImportLine(models.Model):
    """A line read from a job's file, waiting for the rest of the file to pass. ``content`` is
    what identifies a line without a bank transaction id; its fingerprint (the content and how
    many identical lines came before it) is computed in the database once the file is read."""

    job = models.ForeignKey(
        BankImportJob, on_delete=models.CASCADE, related_name="+", verbose_name=_("bank statement import")
    )
    row = models.PositiveIntegerField(verbose_name=_("row"))
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
    content = models.TextField(blank=True, verbose_name=_("line content"))
    fingerprint = models.CharField(max_length=64, blank=True, verbose_name=_("fingerprint"))
    # As stored: waiting, or settled for review.
    reason = models.CharField(max_length=300, blank=True, verbose_name=_("reason"))

    class Meta:
        indexes = [models.Index(fields=["fingerprint"], name="bank_import_line_fingerprint")]
        verbose_name = _("bank import line")
        verbose_name_plural = _("bank import lines")

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"
