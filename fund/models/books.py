"""The platform as a sub-ledger of the centre's official books: periods the accountant has closed,
and how our accounts map to the centre's chart of accounts for the journal export.

A period closes for the whole organisation's ledger, not per fund: the centre's official books
close a month for the entity as a whole, a statement of one fund for a closed quarter must not
change because another fund's correction was dated inside it, and the guard sits on the ledger's
own transactions (a database trigger on ``hordak_transaction``), which carry a date but no fund.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from .ledger import AccountRole


class DateRangeFunc(Func):
    function = "daterange"
    output_field = DateRangeField()


class ClosedPeriod(models.Model):
    """A month or a quarter the accountant checked and closed: nothing is posted with a date
    inside it while it stays closed (fund.services.ledger refuses, and so does a trigger on
    hordak_transaction). History is kept: reopening fills ``reopened_*`` on this row and never
    deletes it; closing the period again adds a new row. Only those ``reopened_*`` fields may
    ever change (trigger ``fund_closedperiod_history``).

    ``transactions`` and ``digest`` fingerprint the ledger inside the period when it closed;
    ``check_ledger`` recomputes them, so a posting slipped in behind the guard is still found.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )
    transactions = models.PositiveIntegerField(_("ledger transactions when closed"), default=0)
    digest = models.CharField(_("digest when closed"), max_length=64)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    reopen_reason = models.CharField(_("reason for reopening"), max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_on", "-closed_at"]
        permissions = [("reopen_closedperiod", "Can reopen a closed period")]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="closed_period_ordered"),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True, reopened_by__isnull=True, reopen_reason="")
                | (Q(reopened_at__isnull=False, reopened_by__isnull=False) & ~Q(reopen_reason="")),
                name="closed_period_reopened_says_who_and_why",
            ),
            # Two closings at once cannot both pass the service's overlap check (it also runs
            # under a lock; this holds whoever writes).
            ExclusionConstraint(
                name="closed_period_no_overlap",
                expressions=[(DateRangeFunc(F("starts_on"), F("ends_on"), Value("[]")), RangeOperators.OVERLAPS)],
                condition=Q(reopened_at__isnull=True),
            ),
        ]
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")

    def __str__(self) -> str:
        return f"{self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None


class AccountMapping(models.Model):
    """Which account of the centre's official chart (e.g. Circular 24/2024/TT-BTC codes) one of
    our ledger accounts is exported as. A row without a fund applies to that role in every fund
    that has no row of its own, so a centre whose chart does not split by fund sets each role
    once."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    fund = models.ForeignKey(
        "fund.Fund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_mappings",
        verbose_name=_("fund"),
        help_text=_("Empty: every fund without its own code for this role."),
    )
    role = models.CharField(_("our account"), max_length=30, choices=AccountRole.choices)
    code = models.CharField(
        _("account code"),
        max_length=20,
        validators=[RegexValidator(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$", _("Digits and letters, e.g. 112 or 3531."))],
    )
    name = models.CharField(_("account name"), max_length=200)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["role", "fund__code"]
        permissions = [("view_journal", "Can view and export the journal for the official books")]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "role"],
                condition=Q(fund__isnull=False),
                name="account_mapping_fund_role_unique",
                violation_error_message=_("This account of this fund has a code already: edit that one."),
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=Q(fund__isnull=True),
                name="account_mapping_default_role_unique",
                violation_error_message=_("This account has a code for every fund already: edit that one."),
            ),
        ]
        verbose_name = _("account in the official books")
        verbose_name_plural = _("accounts in the official books")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
