"""The annual contributions report a fund publishes (Decree 93/2019/ND-CP, Circular 87/2008/TT-BTC):
who gave what in a year, and what was done with it. Read from the ledger's receipt postings and
the gifts and donors they name, like the fund statement, so its grand total is the statement's
receipts for the same year; "what was done with them" is the statement's own figures.

The year is the centre's (settings.TIME_ZONE): a gift counts on its ledger transaction's date,
the day it was received there.

Who is named:
- organisations by their legal name (and tax code), as the law asks funds to publish them;
- individuals by the name they chose to show on that gift (``public_donor_name``: the one place
  that decides it), gifts with the same shown name on one line; gifts given anonymously on one
  "Anonymous" line, with how many donors and gifts it holds.

Refunds are shown, not netted: a gift received in the year and refunded since is in no donor's
line (the fund did not keep it, so nobody is published as its giver) but on a line of its own,
so the totals by kind are what the ledger received, the statement's receipts. The refunds
recorded in the year (whenever their gifts came in) follow as the statement's reversal lines,
and the net is received + refunds.

Every figure is a GROUP BY in the database: one row per donor, kind of gift, anonymity and
status, however many gifts an appeal brought.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from djmoney.money import Money

from donors.models import Donor

from ..models import Donation, Fund, Posting
from .balances import FundAvailable, FundBalance
from .public import public_donor_name
from .statements import GIFT_REFUNDED, AllocationLine, FundStatement, ReversalLine, _effect, fund_statement

KINDS = tuple(Donation.Kind.values)  # cash, in_kind, scholarship, supplies: the report's columns


@dataclass(frozen=True)
class KindFigure:
    """Gifts of one kind (a Donation.Kind value) on a line, at the value the ledger holds."""

    kind: str
    gifts: int
    value: Money


@dataclass(frozen=True)
class ContributionLine:
    """One line of the report: an organisation, a shown name, the anonymous gifts or the gifts
    refunded since. ``by_kind`` has one figure per Donation.Kind, in KINDS order."""

    key: str  # "organisation", "individual", "anonymous", "refunded"
    name: str  # the legal or shown name; "" for the anonymous and refunded lines
    tax_code: str
    donors: int
    by_kind: tuple[KindFigure, ...]

    @property
    def gifts(self) -> int:
        return sum(figure.gifts for figure in self.by_kind)

    @property
    def total(self) -> Money:
        values = [figure.value for figure in self.by_kind]
        return sum(values[1:], values[0])

    def figure(self, kind: str) -> KindFigure:
        return self.by_kind[KINDS.index(kind)]


@dataclass(frozen=True)
class ContributionsReport:
    fund_code: str
    fund_name: str
    currency: str
    year: int
    organisations: tuple[ContributionLine, ...]  # by legal name
    individuals: tuple[ContributionLine, ...]  # by shown name
    anonymous: ContributionLine
    refunded: ContributionLine  # received in the year, refunded since: no name
    statement: FundStatement  # the same year's fund statement: the use of the gifts, balances

    @property
    def date_from(self) -> datetime.date:
        return self.statement.date_from

    @property
    def date_to(self) -> datetime.date:
        return self.statement.date_to

    @property
    def lines(self) -> tuple[ContributionLine, ...]:
        """Every line whose gifts the totals add up: each received gift is on exactly one."""
        return (*self.organisations, *self.individuals, self.anonymous, self.refunded)

    @property
    def totals_by_kind(self) -> tuple[KindFigure, ...]:
        return tuple(
            KindFigure(
                kind,
                sum(line.figure(kind).gifts for line in self.lines),
                sum((line.figure(kind).value for line in self.lines), Money(Decimal("0.00"), self.currency)),
            )
            for kind in KINDS
        )

    @property
    def gifts(self) -> int:
        return sum(line.gifts for line in self.lines)

    @property
    def grand_total(self) -> Money:
        """Everything received in the year at ledger value: the statement's receipts."""
        return sum((line.total for line in self.lines), Money(Decimal("0.00"), self.currency))

    @property
    def organisations_total(self) -> Money:
        return sum((line.total for line in self.organisations), Money(Decimal("0.00"), self.currency))

    @property
    def individuals_total(self) -> Money:
        return sum((line.total for line in (*self.individuals, self.anonymous)), Money(Decimal("0.00"), self.currency))

    @property
    def refunds(self) -> tuple[ReversalLine, ...]:
        """Refunds recorded in the year, by kind of gift (negative: they took value out)."""
        return tuple(line for line in self.statement.reversals if line.reverses == GIFT_REFUNDED)

    @property
    def refunds_total(self) -> Money:
        return sum((line.effect for line in self.refunds), Money(Decimal("0.00"), self.currency))

    @property
    def net_received(self) -> Money:
        return self.grand_total + self.refunds_total

    # What was done with them: the statement's figures, never a name.
    @property
    def allocations_by_programme(self) -> tuple[AllocationLine, ...]:
        return self.statement.allocations_by_programme

    @property
    def allocations_by_kind(self) -> tuple[AllocationLine, ...]:
        return self.statement.allocations_by_kind

    @property
    def people_helped(self) -> int:
        return self.statement.people_helped

    @property
    def allocations_total(self) -> Money:
        return self.statement.allocations_total

    @property
    def closing(self) -> FundBalance:
        return self.statement.ledger_closing

    @property
    def restricted(self) -> FundAvailable:
        return self.statement.restricted


class _Line:
    """A line being gathered from aggregate rows (one per donor and kind), before it is frozen."""

    def __init__(self, key: str, name: str = "", tax_code: str = "") -> None:
        self.key, self.name, self.tax_code = key, name, tax_code
        self.donors: set[int] = set()
        self.gifts: dict[str, int] = defaultdict(int)
        self.values: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, row: dict) -> None:
        self.donors.add(row["donation__donor"])
        self.gifts[row["donation__kind"]] += row["gifts"]
        self.values[row["donation__kind"]] += row["value"]

    def freeze(self, currency: str) -> ContributionLine:
        return ContributionLine(
            key=self.key,
            name=self.name,
            tax_code=self.tax_code,
            donors=len(self.donors),
            by_kind=tuple(
                KindFigure(kind, self.gifts[kind], Money(self.values[kind] or Decimal("0.00"), currency))
                for kind in KINDS
            ),
        )


def _shown_name(row: dict) -> str:
    # An unsaved gift and donor carrying only what public_donor_name reads: the rule stays there.
    donor = Donor(name=row["donation__donor__name"], public_name=row["donation__donor__public_name"])
    return public_donor_name(Donation(is_anonymous=row["donation__is_anonymous"], donor=donor))


def _sort_key(line: _Line) -> tuple:
    return (line.name.casefold(), line.tax_code, min(line.donors, default=0))


def contributions_report(*, fund: Fund, year: int) -> ContributionsReport:
    """The contributions ``fund`` received in ``year`` (the centre's 1 January to 31 December),
    by organisation and by shown name, with the same year's statement for their use."""
    date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    statement = fund_statement(fund, date_from=date_from, date_to=date_to)
    currency = fund.currency
    rows = (
        Posting.objects.filter(
            fund=fund,
            kind=Posting.Kind.DONATION_RECEIVED,
            transaction__date__gte=date_from,
            transaction__date__lte=date_to,
        )
        .values(
            "donation__status",
            "donation__is_anonymous",
            "donation__kind",
            "donation__donor",
            "donation__donor__kind",
            "donation__donor__name",
            "donation__donor__public_name",
            "donation__donor__tax_code",
        )
        .annotate(gifts=Count("id", distinct=True), value=_effect())
        .order_by()
    )
    organisations: dict[int, _Line] = {}
    individuals: dict[str, _Line] = {}
    anonymous, refunded = _Line("anonymous"), _Line("refunded")
    for row in rows:
        if row["donation__status"] != Donation.Status.RECEIVED:
            # Only a refund takes a received gift out of RECEIVED (donation_refund).
            refunded.add(row)
        elif row["donation__donor__kind"] == Donor.Kind.ORGANISATION:
            donor = row["donation__donor"]
            if donor not in organisations:
                organisations[donor] = _Line(
                    "organisation", row["donation__donor__name"], row["donation__donor__tax_code"]
                )
            organisations[donor].add(row)
        elif name := _shown_name(row):
            individuals.setdefault(name, _Line("individual", name)).add(row)
        else:
            anonymous.add(row)
    return ContributionsReport(
        fund_code=fund.code,
        fund_name=fund.name,
        currency=currency,
        year=year,
        organisations=tuple(line.freeze(currency) for line in sorted(organisations.values(), key=_sort_key)),
        individuals=tuple(line.freeze(currency) for line in sorted(individuals.values(), key=_sort_key)),
        anonymous=anonymous.freeze(currency),
        refunded=refunded.freeze(currency),
        statement=statement,
    )
