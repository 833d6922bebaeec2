"""What public pages may show: totals and anonymised gift lists. Nothing here returns a child,
and a donor's name only when they agreed to be named on that gift."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, F, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from djmoney.money import Money
from hordak.models import Leg

from donors.models import Donor

from ..models import Campaign, Donation, Fund
from ..models.ledger import INCOME_ROLES
from .balances import PublicFundTotal, fund_balance, fund_balances, fund_totals_public

PROGRESS_CACHE_SECONDS = 60
PUBLIC_TOTALS_KEY = "public:fund-totals"
_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))


@dataclass(frozen=True)
class Progress:
    raised: Money
    donors: int
    goal: Money | None

    @property
    def percent(self) -> int:
        """Share of the goal raised, 0-100 for the bar (a campaign past its goal shows full)."""
        if not self.goal or not self.goal.amount:
            return 0
        return max(0, min(100, int(self.raised.amount * 100 / self.goal.amount)))


def _income_raised(legs) -> Decimal:
    totals = legs.filter(account__fund_account__role__in=INCOME_ROLES).aggregate(
        credits=Coalesce(Sum("credit"), _ZERO), debits=Coalesce(Sum("debit"), _ZERO)
    )
    return totals["credits"] - totals["debits"]


def _donor_count(gifts) -> int:
    return gifts.filter(status=Donation.Status.RECEIVED).values("donor").distinct().count()


def campaign_progress(campaign: Campaign) -> Progress:
    """Raised so far (from the ledger: gifts received net of refunds), donors, goal. Cached for a
    minute: a busy appeal page must not sum the ledger on every view."""
    key = f"progress:campaign:{campaign.pk}"
    progress = cache.get(key)
    if progress is None:
        fund = campaign.fund
        raised = _income_raised(Leg.objects.filter(transaction__posting__donation__campaign=campaign))
        progress = Progress(
            raised=Money(raised, fund.currency),
            donors=_donor_count(Donation.objects.filter(campaign=campaign)),
            goal=campaign.goal,
        )
        cache.set(key, progress, PROGRESS_CACHE_SECONDS)
    return progress


def fund_progress(fund: Fund) -> Progress:
    key = f"progress:fund:{fund.pk}"
    progress = cache.get(key)
    if progress is None:
        progress = Progress(
            raised=fund_balance(fund).received,
            donors=_donor_count(Donation.objects.filter(fund=fund)),
            goal=None,
        )
        cache.set(key, progress, PROGRESS_CACHE_SECONDS)
    return progress


def fund_totals_public_cached() -> list[PublicFundTotal]:
    """fund_totals_public(), kept for a minute as the progress bars are: the home page's table
    of funds must not sum the ledger on every view."""
    totals = cache.get(PUBLIC_TOTALS_KEY)
    if totals is None:
        totals = fund_totals_public()
        cache.set(PUBLIC_TOTALS_KEY, totals, PROGRESS_CACHE_SECONDS)
    return totals


@dataclass(frozen=True)
class KindTotal:
    kind: str
    label: str
    count: int
    value: Money


@dataclass(frozen=True)
class PublicGift:
    received_on: object
    name: str  # the donor's name, or "" when the gift is anonymous
    kind: str
    amount: Money
    reference: str  # masked: enough to find one's own gift, not to guess others'


@dataclass(frozen=True)
class TransparencyReport:
    fund: Fund
    raised: Money
    allocated: Money
    balance: Money
    by_kind: list[KindTotal]
    organisations: int
    individuals: int
    organisations_value: Money
    individuals_value: Money
    recent: list[PublicGift]


def public_donor_name(gift: Donation) -> str:
    """The name a public page or published report shows for a gift: "" when the gift is
    anonymous, else the donor's chosen public name (their own name when they chose none).
    Every public listing of donors goes through here, so a choice made once holds everywhere."""
    return "" if gift.is_anonymous else gift.donor.shown_name


def mask_reference(reference: str) -> str:
    return reference[:4] + "•" * max(0, len(reference) - 6) + reference[-2:]


def transparency_report(fund: Fund, *, recent: int = 20) -> TransparencyReport:
    """One fund's public account (transparency_reports for one fund)."""
    return transparency_reports([fund], recent=recent)[0]


def transparency_reports(funds, *, recent: int = 20) -> list[TransparencyReport]:
    """Each fund's public account: totals from the ledger, gifts by kind and by kind of donor, and
    the latest received gifts with the donor's name only where they agreed to be named.

    Five queries whatever the number of funds (it was a dozen per fund): every figure is grouped
    by fund in the database, and the latest gifts are each fund's first rows in one window."""
    funds = list(funds)
    balances = fund_balances(funds)
    received = Donation.objects.filter(fund__in=funds, status=Donation.Status.RECEIVED)
    # Gifts in the fund's currency are summed in the database; the few foreign ones are converted
    # at their recorded rate, as the ledger did.
    native = Sum("amount", filter=Q(amount_currency=F("fund__currency")))
    by_kind_rows = {
        (row["fund_id"], row["kind"]): row
        for row in received.values("fund_id", "kind").annotate(count=Count("id"), native=native).order_by()
    }
    by_donor_kind_rows = {
        (row["fund_id"], row["donor__kind"]): row
        for row in received.values("fund_id", "donor__kind")
        .annotate(donors=Count("donor", distinct=True), native=native)
        .order_by()
    }
    foreign = list(received.exclude(amount_currency=F("fund__currency")).select_related("fund", "donor"))
    latest = defaultdict(list)
    ranked = (
        received.annotate(
            rank=Window(RowNumber(), partition_by=[F("fund_id")], order_by=[F("received_at").desc(), F("id").desc()])
        )
        .filter(rank__lte=recent)
        .select_related("donor")
        .order_by("fund_id", "-received_at", "-id")
    )
    for gift in ranked:
        latest[gift.fund_id].append(gift)

    def converted(fund: Fund, belongs) -> Decimal:
        return sum((d.fund_value.amount for d in foreign if d.fund_id == fund.pk and belongs(d)), Decimal(0))

    def value_of(fund: Fund, donor_kind: str) -> tuple[int, Money]:
        row = by_donor_kind_rows.get((fund.pk, donor_kind), {})
        value = (row.get("native") or 0) + converted(fund, lambda d: d.donor.kind == donor_kind)
        return row.get("donors", 0), Money(value, fund.currency)

    reports = []
    for fund in funds:
        balance = balances[fund.pk]
        by_kind = []
        for kind, label in Donation.Kind.choices:
            row = by_kind_rows.get((fund.pk, kind))
            if not row:
                continue
            value = (row["native"] or 0) + converted(fund, lambda d, kind=kind: d.kind == kind)
            by_kind.append(KindTotal(kind, str(label), row["count"], Money(value, fund.currency)))
        organisations, organisations_value = value_of(fund, Donor.Kind.ORGANISATION)
        individuals, individuals_value = value_of(fund, Donor.Kind.PERSON)
        reports.append(
            TransparencyReport(
                fund=fund,
                raised=balance.received,
                allocated=balance.allocated,
                balance=balance.total,
                by_kind=by_kind,
                organisations=organisations,
                individuals=individuals,
                organisations_value=organisations_value,
                individuals_value=individuals_value,
                recent=[
                    PublicGift(
                        # The centre's day (settings.TIME_ZONE), not UTC's: a gift at 06:00 in
                        # Vietnam is still the previous day in UTC.
                        received_on=timezone.localdate(gift.received_at),
                        name=public_donor_name(gift),
                        kind=gift.get_kind_display(),
                        amount=gift.amount,
                        reference=mask_reference(gift.reference),
                    )
                    for gift in latest[fund.pk]
                ],
            )
        )
    return reports
