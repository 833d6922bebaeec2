"""One narrow row per ledger posting with everything a fund statement reads about it, so a
statement scans one table by (fund, day) instead of joining postings, transactions, legs,
accounts, gifts and donors (docs/decisions/0034-statement-entries.md).

Derived data, written only by the database (migration 0019): triggers on fund_posting (insert,
and the rare update made with its append-only trigger disabled, as a data migration does) and
on donors_donor (a donor's kind changes) rewrite the entries concerned; a guard refuses every
other write. check_ledger recomputes every entry from the ledger and names each that differs
(fund.selectors.statement_entries).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StatementEntry(models.Model):
    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    # No database foreign keys: the rows are derived, checked by check_ledger against the tables
    # they come from, and a constraint would only add a check at every gift's commit.
    posting = models.OneToOneField(
        "fund.Posting",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="statement_entry",
        verbose_name=_("ledger posting"),
    )
    fund = models.ForeignKey(
        "fund.Fund",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the (fund, day) indexes serve
        related_name="+",
        verbose_name=_("fund"),
    )
    day = models.DateField(_("day"))  # the ledger transaction's date, the centre's day
    kind = models.CharField(_("kind"), max_length=30)  # Posting.Kind
    # The gift's kind and donor (receipts and refunds); the donor's kind as it is now.
    gift_kind = models.CharField(_("kind of gift"), max_length=20, null=True)
    donor = models.ForeignKey(
        "donors.Donor",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
        verbose_name=_("donor"),
    )
    donor_kind = models.CharField(_("kind of donor"), max_length=20, null=True)
    purpose = models.CharField(_("kind of support"), max_length=20)
    programme = models.CharField(_("programme"), max_length=30)
    recipient = models.CharField(_("recipient (opaque)"), max_length=40)
    # A reversal: the kind of what it reverses. A reversed posting: its reversal's day.
    reverses_kind = models.CharField(_("kind reversed"), max_length=30, null=True)
    reversed_on = models.DateField(_("reversed on"), null=True)
    late = models.BooleanField(_("late entry"))  # Posting.occurred_on is set
    # From the posting's legs: credits minus debits of its income and expense legs (what it did
    # to the balance), debits on the allocation accounts, and its "Goods lost" legs.
    value = models.DecimalField(_("effect on the balance"), max_digits=20, decimal_places=2)
    allocated = models.DecimalField(_("allocated"), max_digits=20, decimal_places=2)
    goods_lost = models.DecimalField(_("goods lost"), max_digits=20, decimal_places=2)
    goods_found = models.DecimalField(_("goods found"), max_digits=20, decimal_places=2)
    records_loss = models.BooleanField(_("records a loss"))
    records_surplus = models.BooleanField(_("records a surplus"))

    class Meta:
        indexes = [
            # Each statement breakdown is an index-only scan of one of these.
            models.Index(
                fields=["fund", "day"],
                include=["gift_kind", "donor_kind", "value"],
                condition=Q(kind="donation_received"),
                name="fund_stmtentry_gifts",
            ),
            # The donors of a period in donor order: their distinct counts are read in one pass
            # without hashing a set as large as the period's donors.
            models.Index(
                fields=["fund", "donor", "gift_kind", "donor_kind"],
                include=["day"],
                condition=Q(kind="donation_received"),
                name="fund_stmtentry_donors",
            ),
            models.Index(
                fields=["fund", "day"],
                include=["purpose", "programme", "recipient", "reversed_on", "allocated"],
                condition=Q(kind="allocation"),
                name="fund_stmtentry_allocations",
            ),
            models.Index(
                fields=["fund", "day"],
                condition=~Q(kind__in=["donation_received", "allocation"]) | Q(late=True),
                name="fund_stmtentry_other",
            ),
        ]
        verbose_name = _("statement entry")
        verbose_name_plural = _("statement entries")

    def __str__(self) -> str:
        return f"{self.posting_id} {self.kind} {self.day}: {self.value}"
