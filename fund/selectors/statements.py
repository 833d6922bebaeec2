"""A fund's statement for a period, read from the ledger alone (postings, their transactions and
legs, and the gifts and donors the receipt postings name), never from a case file.

Dates are the centre's days (settings.TIME_ZONE): a posting counts on its ledger transaction's
date, which is the day a gift was received, a refund or reversal recorded, an allocation paid
or handed over, a stock count approved. The opening balance is the ledger at the end of the day
before ``date_from``, the closing one at the end of ``date_to``.

Every figure is a GROUP BY over the period's statement entries (fund.models.StatementEntry:
one narrow row per posting, kept by the database from the postings, their legs, gifts and
donors; docs/decisions/0034-statement-entries.md), a handful of index-only scans whatever the
number of postings. The movements are summed from the income and expense legs (each entry's
value), the balances from the asset legs (the day totals), so the check line (opening +
movements = the ledger's balance at the end) is a real check: a posting of a kind the statement
does not show, or a transaction without a posting, makes it fail instead of vanishing.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from djmoney.money import Money

from donors.models import Donor

from ..errors import FundError
from ..models import Donation, Fund, Posting, StatementEntry
from ..models.ledger import EXPENSE_ROLES, INCOME_ROLES
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
    """What a group of postings did to the balance, from their legs: credits minus debits of
    their nominal legs (the contributions report groups postings by donor with it)."""
    return _legs_sum("credit", _NOMINAL_ROLES) - _legs_sum("debit", _NOMINAL_ROLES)


# Gifts of the period per kind of gift and kind of donor: how many and their value (first part),
# and their distinct donors (second part), read in donor order from fund_stmtentry_donors: each
# (donor, kind of gift, kind of donor) once, the first row of each donor marked. A donor has one
# kind (the entries follow it), so a kind of gift's donors are its pairs, and a kind of donor's
# donors are the first rows of its donors.
_GIFTS_SQL = """
SELECT gift_kind, donor_kind, COUNT(*), SUM(value), NULL::bigint, NULL::bigint
FROM fund_statemententry
WHERE kind = 'donation_received' AND fund_id = %(fund)s AND day BETWEEN %(date_from)s AND %(date_to)s
GROUP BY gift_kind, donor_kind
UNION ALL
SELECT gift_kind, donor_kind, NULL, NULL, COUNT(*), COUNT(*) FILTER (WHERE first_of_donor)
FROM (
    SELECT gift_kind, donor_kind,
        donor_id IS DISTINCT FROM lag(donor_id) OVER (ORDER BY donor_id, gift_kind, donor_kind) AS first_of_donor
    FROM (
        SELECT DISTINCT donor_id, gift_kind, donor_kind FROM fund_statemententry
        WHERE kind = 'donation_received' AND fund_id = %(fund)s AND day BETWEEN %(date_from)s AND %(date_to)s
            AND donor_id IS NOT NULL
    ) pairs
) ordered
GROUP BY gift_kind, donor_kind
"""


def _gift_rows(fund: Fund, date_from, date_to) -> dict[str, dict]:
    rows: dict[str, dict] = {"gift_kind": defaultdict(Counter), "donor_kind": defaultdict(Counter)}
    with connection.cursor() as cursor:
        cursor.execute(_GIFTS_SQL, {"fund": fund.pk, "date_from": date_from, "date_to": date_to})
        for gift_kind, donor_kind, gifts, value, pairs, donors in cursor.fetchall():
            if gifts is not None:
                for by, key in (("gift_kind", gift_kind), ("donor_kind", donor_kind)):
                    rows[by][key]["gifts"] += gifts
                    rows[by][key]["value"] += value
            else:
                rows["gift_kind"][gift_kind]["donors"] += pairs
                rows["donor_kind"][donor_kind]["donors"] += donors
    return rows


def _gift_lines(rows: dict, keys, currency: str) -> tuple[GiftLine, ...]:
    return tuple(
        GiftLine(
            key=key,
            gifts=rows[key]["gifts"],
            donors=rows[key]["donors"],
            value=Money(rows[key]["value"] or Decimal("0.00"), currency),
        )
        for key in keys
    )


# Allocations of the period per kind of support and programme: how many and what they took out
# (their debits on the allocation accounts); then each (kind of support, programme, recipient)
# they reached once, leaving out payments reversed by the end of the period (they reached
# nobody; their value stays in the allocations, and the reversal has its own line). People are
# few beside payments: their distinct counts are sets of those rows.
_ALLOCATIONS_SQL = """
SELECT purpose, programme, COUNT(*), SUM(allocated), NULL
FROM fund_statemententry
WHERE kind = 'allocation' AND fund_id = %(fund)s AND day BETWEEN %(date_from)s AND %(date_to)s
GROUP BY purpose, programme
UNION ALL
SELECT DISTINCT purpose, programme, NULL::bigint, NULL::numeric, recipient
FROM fund_statemententry
WHERE kind = 'allocation' AND fund_id = %(fund)s AND day BETWEEN %(date_from)s AND %(date_to)s
    AND recipient <> '' AND (reversed_on IS NULL OR reversed_on > %(date_to)s)
"""


def _allocation_rows(fund: Fund, date_from, date_to) -> tuple[dict, dict, int]:
    """Lines by kind of support and by programme ({key: {count, people, value}}), and the
    distinct people reached in all."""
    lines = {"purpose": defaultdict(Counter), "programme": defaultdict(Counter)}
    people = {"purpose": defaultdict(set), "programme": defaultdict(set)}
    everyone = set()
    with connection.cursor() as cursor:
        cursor.execute(_ALLOCATIONS_SQL, {"fund": fund.pk, "date_from": date_from, "date_to": date_to})
        for purpose, programme, count, value, recipient in cursor.fetchall():
            keys = {"purpose": purpose, "programme": programme}
            for by, key in keys.items():
                if recipient is None:
                    lines[by][key]["count"] += count
                    lines[by][key]["value"] += value
                else:
                    people[by][key].add(recipient)
            if recipient is not None:
                everyone.add(recipient)
    for by in lines:
        for key, reached in people[by].items():
            lines[by][key]["people"] = len(reached)
    return lines["purpose"], lines["programme"], len(everyone)


def _allocation_lines(rows: dict, currency: str, keys=None) -> tuple[AllocationLine, ...]:
    return tuple(
        AllocationLine(
            key=key,
            allocations=rows[key]["count"],
            people=rows[key]["people"],
            value=Money(rows[key]["value"] or Decimal("0.00"), currency),
        )
        for key in (keys if keys is not None else sorted(rows))
    )


def fund_statement(fund: Fund, *, date_from: datetime.date, date_to: datetime.date) -> FundStatement:
    """The statement of ``fund`` from the start of ``date_from`` to the end of ``date_to`` (the
    centre's days). Refuses (FundError) a period that is not two dates in order."""
    _check_period(date_from, date_to)
    currency = fund.currency
    in_period = StatementEntry.objects.filter(fund=fund, day__gte=date_from, day__lte=date_to)

    gifts = _gift_rows(fund, date_from, date_to)
    by_kind = _gift_lines(gifts["gift_kind"], Donation.Kind.values, currency)
    by_donor_type = _gift_lines(gifts["donor_kind"], (Donor.Kind.ORGANISATION, Donor.Kind.PERSON), currency)

    by_purpose, by_programme, people_helped = _allocation_rows(fund, date_from, date_to)
    allocations_by_kind = _allocation_lines(by_purpose, currency, keys=Donation.Kind.values)
    allocations_by_programme = _allocation_lines(by_programme, currency)

    # The rest is rare (refunds, reversed payments, stock counts, late entries): one partial
    # index holds all of it.
    others = in_period.filter(~Q(kind__in=[Posting.Kind.DONATION_RECEIVED, Posting.Kind.ALLOCATION]) | Q(late=True))
    reversal_rows = (
        others.filter(kind=Posting.Kind.REVERSAL, reverses_kind__in=(GIFT_REFUNDED, ALLOCATION_REVERSED))
        .values("reverses_kind", "gift_kind", "purpose")
        .annotate(count=Count("pk"), effect=Coalesce(Sum("value"), _ZERO))
        .order_by("reverses_kind", "gift_kind", "purpose")
    )
    reversals = tuple(
        ReversalLine(
            reverses=row["reverses_kind"],
            # A refund's kind is its gift's (gift postings carry no purpose); an allocation's
            # reversal carries its original's purpose.
            key=row["gift_kind"] if row["reverses_kind"] == GIFT_REFUNDED else row["purpose"],
            count=row["count"],
            effect=Money(row["effect"], currency),
        )
        for row in reversal_rows
    )

    adjustment = Q(kind=Posting.Kind.STOCK_ADJUSTMENT)
    counted = others.aggregate(
        lost_count=Count("pk", filter=adjustment & Q(records_loss=True)),
        found_count=Count("pk", filter=adjustment & Q(records_surplus=True)),
        lost=Coalesce(Sum("goods_lost", filter=adjustment), _ZERO),
        found=Coalesce(Sum("goods_found", filter=adjustment), _ZERO),
        late=Count("pk", filter=Q(late=True)),
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
        late_entries=counted["late"],
        closed=first_open_day_from(date_from) > date_to,
    )
