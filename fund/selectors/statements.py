"""A fund's statement for a period, read from the ledger alone (postings, their transactions and
legs, and the gifts and donors the receipt postings name), never from a case file.

Dates are the centre's days (settings.TIME_ZONE): a posting counts on its ledger transaction's
date, which is the day a gift was received, a refund or reversal recorded, an allocation paid
or handed over, a stock count approved. The opening balance is the ledger at the end of the day
before ``date_from``, the closing one at the end of ``date_to``.

Every figure is a GROUP BY over the period's postings (a handful of queries whatever the
number of postings). The movements are summed from the income and expense legs, the balances
from the asset legs, so the check line (opening + movements = the ledger's balance at the end)
is a real check: a posting of a kind the statement does not show, or a transaction without a
posting, makes it fail instead of vanishing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from djmoney.money import Money

from donors.models import Donor

from ..errors import FundError
from ..models import Donation, Fund, Posting
from ..models.ledger import ALLOCATION_ROLES, EXPENSE_ROLES, INCOME_ROLES, AccountRole
from .balances import FundAvailable, FundBalance, fund_available, fund_balance
from .periods import first_open_day_from

_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))
_ROLE = "transaction__legs__account__fund_account__role"
# Income and expense legs: what a posting did to the fund's balance is their credits minus
# their debits (the asset legs move by the same amount the other way).
_NOMINAL_ROLES = (*INCOME_ROLES, *EXPENSE_ROLES)

# Reversals, by what they reverse.
GIFT_REFUNDED = Posting.Kind.DONATION_RECEIVED
ALLOCATION_REVERSED = Posting.Kind.ALLOCATION
# Stock count adjustments, by direction.
GOODS_LOST = "goods_lost"
GOODS_FOUND = "goods_found"


@dataclass(frozen=True)
class GiftLine:
    """Gifts received in the period of one kind (a Donation.Kind value) or from one kind of
    donor (a Donor.Kind value), at the value the ledger holds for them."""

    key: str
    gifts: int
    donors: int
    value: Money


@dataclass(frozen=True)
class AllocationLine:
    """Allocations paid or handed over in the period for one kind of support (a Donation.Kind
    value) or one programme (care's programme code). ``people`` counts distinct recipients,
    leaving out allocations reversed by the end of the period."""

    key: str
    allocations: int
    people: int
    value: Money


@dataclass(frozen=True)
class ReversalLine:
    """Reversals recorded in the period: of gifts (refunded: ``reverses`` GIFT_REFUNDED, ``key``
    the kind of gift) or of allocations (ALLOCATION_REVERSED, the kind of support). ``effect``
    is signed, as it moved the balance: a refund takes money out, a reversed payment puts it back."""

    reverses: str
    key: str
    count: int
    effect: Money


@dataclass(frozen=True)
class AdjustmentLine:
    """Stock count adjustments approved in the period: goods found lost or damaged (negative
    effect) and goods found in surplus (positive)."""

    key: str
    count: int
    effect: Money


@dataclass(frozen=True)
class FundStatement:
    fund_code: str
    fund_name: str
    currency: str
    date_from: datetime.date
    date_to: datetime.date
    opening: FundBalance  # the ledger at the end of the day before date_from
    receipts_by_kind: tuple[GiftLine, ...]
    receipts_by_donor_type: tuple[GiftLine, ...]
    allocations_by_kind: tuple[AllocationLine, ...]
    allocations_by_programme: tuple[AllocationLine, ...]
    people_helped: int  # distinct recipients over every kind and programme
    reversals: tuple[ReversalLine, ...]
    adjustments: tuple[AdjustmentLine, ...]
    ledger_closing: FundBalance  # the ledger at the end of date_to, read from its asset legs
    restricted: FundAvailable  # what of the closing cash is kept for scholarships, at date_to
    # Entries dated in this period that record something of a closed period (a bank's booking
    # day, a card charge), posted late into the open period (Posting.occurred_on).
    late_entries: int = 0
    # Whether every day of the period is closed: then its figures can never change.
    closed: bool = False

    def _sum(self, amounts) -> Money:
        return sum(amounts, Money(Decimal("0.00"), self.currency))

    @property
    def gifts(self) -> int:
        return sum(line.gifts for line in self.receipts_by_kind)

    @property
    def donors(self) -> int:
        # Each donor is one kind of donor, so the distinct donors of the kinds add up.
        return sum(line.donors for line in self.receipts_by_donor_type)

    @property
    def receipts_total(self) -> Money:
        return self._sum(line.value for line in self.receipts_by_kind)

    @property
    def allocations(self) -> int:
        return sum(line.allocations for line in self.allocations_by_kind)

    @property
    def allocations_total(self) -> Money:
        return self._sum(line.value for line in self.allocations_by_kind)

    @property
    def reversals_total(self) -> Money:
        return self._sum(line.effect for line in self.reversals)

    @property
    def adjustments_total(self) -> Money:
        return self._sum(line.effect for line in self.adjustments)

    @property
    def closing(self) -> Money:
        """The closing balance the statement's lines add up to."""
        return (
            self.opening.total
            + self.receipts_total
            - self.allocations_total
            + self.reversals_total
            + self.adjustments_total
        )

    @property
    def ledger_balance(self) -> Money:
        return self.ledger_closing.total

    @property
    def reconciles(self) -> bool:
        """opening + receipts - allocations +/- reversals +/- adjustments = the ledger's balance."""
        return self.closing == self.ledger_balance

    @property
    def goods_in_stock(self) -> Money:
        return self.ledger_closing.goods


def _check_period(date_from, date_to) -> None:
    for value in (date_from, date_to):
        # A datetime is a date to isinstance, but a statement's bounds are whole days.
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise FundError(_("A statement's period is given as two dates."))
    if date_from > date_to:
        raise FundError(
            _("The period ends (%(to)s) before it starts (%(from)s).")
            % {"from": date_from.isoformat(), "to": date_to.isoformat()}
        )


def _legs_sum(side: str, roles) -> Coalesce:
    return Coalesce(Sum(f"transaction__legs__{side}", filter=Q(**{f"{_ROLE}__in": roles})), _ZERO)


def _effect():
    """What a group of postings did to the balance: credits minus debits of its nominal legs."""
    return _legs_sum("credit", _NOMINAL_ROLES) - _legs_sum("debit", _NOMINAL_ROLES)


def _gift_lines(receipts, group_by: str, keys, currency: str) -> tuple[GiftLine, ...]:
    rows = {
        row[group_by]: row
        for row in receipts.values(group_by)
        .annotate(
            gifts=Count("id", distinct=True),
            donors=Count("donation__donor", distinct=True),
            value=_effect(),
        )
        .order_by()
    }
    return tuple(
        GiftLine(
            key=key,
            gifts=rows.get(key, {}).get("gifts", 0),
            donors=rows.get(key, {}).get("donors", 0),
            value=Money(rows.get(key, {}).get("value", Decimal("0.00")), currency),
        )
        for key in keys
    )


def _allocation_lines(allocations, group_by: str, helped: Q, currency: str, keys=None) -> tuple[AllocationLine, ...]:
    rows = {
        row[group_by]: row
        for row in allocations.values(group_by)
        .annotate(
            count=Count("id", distinct=True),
            people=Count("recipient", distinct=True, filter=helped),
            # Allocations take value out: their debits on the allocation accounts.
            value=_legs_sum("debit", ALLOCATION_ROLES),
        )
        .order_by()
    }
    return tuple(
        AllocationLine(
            key=key,
            allocations=rows.get(key, {}).get("count", 0),
            people=rows.get(key, {}).get("people", 0),
            value=Money(rows.get(key, {}).get("value", Decimal("0.00")), currency),
        )
        for key in (keys if keys is not None else sorted(rows))
    )


def fund_statement(fund: Fund, *, date_from: datetime.date, date_to: datetime.date) -> FundStatement:
    """The statement of ``fund`` from the start of ``date_from`` to the end of ``date_to`` (the
    centre's days). Refuses (FundError) a period that is not two dates in order."""
    _check_period(date_from, date_to)
    currency = fund.currency
    in_period = Posting.objects.filter(fund=fund, transaction__date__gte=date_from, transaction__date__lte=date_to)

    receipts = in_period.filter(kind=Posting.Kind.DONATION_RECEIVED)
    by_kind = _gift_lines(receipts, "donation__kind", Donation.Kind.values, currency)
    by_donor_type = _gift_lines(
        receipts, "donation__donor__kind", (Donor.Kind.ORGANISATION, Donor.Kind.PERSON), currency
    )

    allocations = in_period.filter(kind=Posting.Kind.ALLOCATION)
    # A payment reversed by the end of the period reached nobody; its recipient is not counted
    # (its value stays in the allocations, and the reversal has its own line).
    helped = ~Q(recipient="") & (Q(reversed_by__isnull=True) | Q(reversed_by__transaction__date__gt=date_to))
    allocations_by_kind = _allocation_lines(allocations, "purpose", helped, currency, keys=Donation.Kind.values)
    allocations_by_programme = _allocation_lines(allocations, "programme", helped, currency)
    people_helped = allocations.aggregate(people=Count("recipient", distinct=True, filter=helped))["people"]

    reversal_rows = (
        in_period.filter(kind=Posting.Kind.REVERSAL, reverses__kind__in=(GIFT_REFUNDED, ALLOCATION_REVERSED))
        .values("reverses__kind", "donation__kind", "purpose")
        .annotate(count=Count("id", distinct=True), effect=_effect())
        .order_by("reverses__kind", "donation__kind", "purpose")
    )
    reversals = tuple(
        ReversalLine(
            reverses=row["reverses__kind"],
            # A refund's kind is its gift's (gift postings carry no purpose); an allocation's
            # reversal carries its original's purpose.
            key=row["donation__kind"] if row["reverses__kind"] == GIFT_REFUNDED else row["purpose"],
            count=row["count"],
            effect=Money(row["effect"], currency),
        )
        for row in reversal_rows
    )

    lost = Q(**{_ROLE: AccountRole.GOODS_LOST})
    counted = in_period.filter(kind=Posting.Kind.STOCK_ADJUSTMENT).aggregate(
        lost_count=Count("id", distinct=True, filter=lost & Q(transaction__legs__debit__isnull=False)),
        found_count=Count("id", distinct=True, filter=lost & Q(transaction__legs__credit__isnull=False)),
        lost=_legs_sum("debit", [AccountRole.GOODS_LOST]),
        found=_legs_sum("credit", [AccountRole.GOODS_LOST]),
    )
    adjustments = (
        AdjustmentLine(GOODS_LOST, counted["lost_count"], Money(-counted["lost"], currency)),
        AdjustmentLine(GOODS_FOUND, counted["found_count"], Money(counted["found"], currency)),
    )

    return FundStatement(
        fund_code=fund.code,
        fund_name=fund.name,
        currency=currency,
        date_from=date_from,
        date_to=date_to,
        opening=fund_balance(fund, as_of=date_from - datetime.timedelta(days=1)),
        receipts_by_kind=by_kind,
        receipts_by_donor_type=by_donor_type,
        allocations_by_kind=allocations_by_kind,
        allocations_by_programme=allocations_by_programme,
        people_helped=people_helped,
        reversals=reversals,
        adjustments=adjustments,
        ledger_closing=fund_balance(fund, as_of=date_to),
        restricted=fund_available(fund, as_of=date_to),
        late_entries=in_period.filter(occurred_on__isnull=False).count(),
        closed=first_open_day_from(date_from) > date_to,
    )
