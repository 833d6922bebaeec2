"""Our side of the double-entry ledger, which lives in django-hordak's tables.

hordak gives accounts, transactions and legs, and a deferred database trigger that refuses a
transaction whose legs do not balance. We add: which accounts belong to which fund and what
each one is for (FundAccount), and one Posting per hordak transaction saying why it exists,
which gift it belongs to and a digest of its legs, so `check_ledger` can prove nothing changed.
Postings, transactions and legs are append-only in the database (see the migrations).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountRole(models.TextChoices):
    """What a fund's ledger account holds. The leading digit is the hordak account type
    (1 asset, 4 income, 5 expense); the code's last digit is the role's place in its type."""

    BANK = "bank", _("Bank account")
    CASH_ON_HAND = "cash_on_hand", _("Cash on hand")
    CARD_CLEARING = "card_clearing", _("Card payments in transit")
    GOODS_STOCK = "goods_stock", _("Donated goods in stock")
    INCOME_CASH = "income_cash", _("Cash gifts")
    INCOME_SCHOLARSHIP = "income_scholarship", _("Scholarship gifts")
    INCOME_IN_KIND = "income_in_kind", _("In-kind gifts")
    INCOME_SUPPLIES = "income_supplies", _("School supply gifts")
    ALLOCATED_CASH = "allocated_cash", _("Cash allocated to beneficiaries")
    ALLOCATED_GOODS = "allocated_goods", _("Goods issued to beneficiaries")
    ALLOCATED_SCHOLARSHIP = "allocated_scholarship", _("Scholarships paid")
    GOODS_LOST = "goods_lost", _("Goods lost or damaged")


ASSET_ROLES = (AccountRole.BANK, AccountRole.CASH_ON_HAND, AccountRole.CARD_CLEARING, AccountRole.GOODS_STOCK)
CASH_ASSET_ROLES = (AccountRole.BANK, AccountRole.CASH_ON_HAND, AccountRole.CARD_CLEARING)
INCOME_ROLES = (
    AccountRole.INCOME_CASH,
    AccountRole.INCOME_SCHOLARSHIP,
    AccountRole.INCOME_IN_KIND,
    AccountRole.INCOME_SUPPLIES,
)
# New roles go at the end of their type: a role's account code is its place in the type.
EXPENSE_ROLES = (
    AccountRole.ALLOCATED_CASH,
    AccountRole.ALLOCATED_GOODS,
    AccountRole.ALLOCATED_SCHOLARSHIP,
    AccountRole.GOODS_LOST,
)
# What reached the people a fund is for: its "allocated" figure. Goods lost or damaged are an
# expense too, but never count as given to anyone.
ALLOCATION_ROLES = (AccountRole.ALLOCATED_CASH, AccountRole.ALLOCATED_GOODS, AccountRole.ALLOCATED_SCHOLARSHIP)
# Roles added after funds already existed: such a fund gets the account the first time it is
# needed (fund.services.ledger.ledger_chart_complete), so check_ledger does not demand it before.
ROLES_ADDED_LATER = (AccountRole.ALLOCATED_SCHOLARSHIP, AccountRole.GOODS_LOST)


class FundAccount(models.Model):
    """Links a fund to one of its hordak accounts and says what that account is for."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="ledger_accounts", verbose_name=_("fund")
    )
    role = models.CharField(max_length=30, choices=AccountRole.choices, verbose_name=_("role"))
    account = models.OneToOneField(
        "hordak.Account", on_delete=models.PROTECT, related_name="fund_account", verbose_name=_("ledger account")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "role"], name="fund_account_role_unique")]
        verbose_name = _("fund account")
        verbose_name_plural = _("fund accounts")

    def __str__(self) -> str:
        return f"{self.fund.code} {self.get_role_display()}"


class Posting(models.Model):
    """Why one hordak transaction exists. Exactly one per transaction; never edited.

    ``digest`` is a SHA-256 over the transaction and its legs as written; `check_ledger`
    recomputes it, so a change made behind the triggers' back is still found.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Kind(models.TextChoices):
        DONATION_RECEIVED = "donation_received", _("Gift received")
        REVERSAL = "reversal", _("Reversal")
        ALLOCATION = "allocation", _("Allocation")
        STOCK_ADJUSTMENT = "stock_adjustment", _("Stock count adjustment")

    transaction = models.OneToOneField(
        "hordak.Transaction", on_delete=models.PROTECT, related_name="posting", verbose_name=_("ledger transaction")
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="postings", verbose_name=_("fund"))
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    donation = models.ForeignKey(
        "fund.Donation",
        on_delete=models.PROTECT,
        related_name="postings",
        null=True,
        blank=True,
        verbose_name=_("gift"),
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="reversed_by", null=True, blank=True, verbose_name=_("reverses")
    )
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    # The analysis a statement needs, so it reads the ledger alone and never a case file:
    # what kind of support (a Donation.Kind value), which programme, and what the posting is
    # for in the app that made it ("allocation:12"). Empty on gifts posted before they existed.
    purpose = models.CharField(_("kind of support"), max_length=20, blank=True)
    programme = models.CharField(_("programme"), max_length=30, blank=True)
    reference = models.CharField(_("reference"), max_length=50, blank=True, db_index=True)
    # A late entry: what it records happened on this day, inside a period already closed, so it
    # was dated in the open period instead (fund.services.ledger). Statements say so beside it.
    occurred_on = models.DateField(_("happened on (closed period)"), null=True, blank=True)
    # Whom an allocation reached, as an opaque token of the app that made it ("b:57", care's
    # person), so a statement counts the people helped without reading a case file: never a name.
    # Empty on everything but allocations and their reversals (docs/decisions/0022-fund-statement.md).
    recipient = models.CharField(_("recipient (opaque)"), max_length=40, blank=True)
    digest = models.CharField(max_length=64, verbose_name=_("digest"))
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
        ordering = ["-created_at", "-id"]
        constraints = [
            # A gift enters the ledger once, however often a webhook or a click repeats.
            models.UniqueConstraint(
                fields=["donation"],
                condition=Q(kind="donation_received"),
                name="posting_one_receipt_per_donation",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="posting_reversal_names_original",
            ),
            # A statement reads what an allocation was for from its posting alone.
            models.CheckConstraint(
                condition=~Q(kind="allocation") | (~Q(purpose="") & ~Q(reference="")),
                name="posting_allocation_says_what_for",
            ),
        ]
        verbose_name = _("ledger posting")
        verbose_name_plural = _("ledger postings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.fund.code}"


class LedgerCheck(models.Model):
    """The outcome of one full ledger verification (nightly task or `check_ledger`)."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    ok = models.BooleanField(default=False, verbose_name=_("passed"))
    transactions_checked = models.PositiveIntegerField(default=0, verbose_name=_("transactions checked"))
    problems = models.JSONField(default=list, blank=True, verbose_name=_("problems"))

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")

    def __str__(self) -> str:
        return f"Ledger check {self.started_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'PROBLEMS'}"


class LedgerDayTotal(models.Model):
    """Debits and credits of one ledger account on one day (the ledger transaction's date), so a
    balance is a sum over days instead of over every leg. Derived data, written only by the
    database: a trigger on hordak_leg adds each statement's legs to a row of their account and
    day (migration 0018); legs are append-only, so nothing else ever changes them. check_ledger
    recomputes every day from the legs (fund.selectors.totals).

    An account and day may have several rows: a writer adds to a row no other transaction holds
    (FOR UPDATE SKIP LOCKED) or starts a new one, so concurrent gifts never wait for each other;
    readers sum them (docs/decisions/0026-ledger-day-totals.md).
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    account = models.ForeignKey(
        "hordak.Account",
        on_delete=models.PROTECT,
        related_name="day_totals",
        db_index=False,  # the (account, day) index serves
        verbose_name=_("ledger account"),
    )
    day = models.DateField(_("day"))
    currency = models.CharField(_("currency"), max_length=3)
    debits = models.DecimalField(_("debits"), max_digits=20, decimal_places=2, default=0)
    credits = models.DecimalField(_("credits"), max_digits=20, decimal_places=2, default=0)
    legs = models.BigIntegerField(_("legs"), default=0)

    class Meta:
        indexes = [
            models.Index(fields=["account", "day"], include=["debits", "credits"], name="fund_daytotal_account_day")
        ]
        verbose_name = _("ledger day total")
        verbose_name_plural = _("ledger day totals")

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.debits} / {self.credits} {self.currency}"
