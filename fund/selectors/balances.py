"""Fund balances, always computed from the ledger, never stored: summed from the ledger's day
totals (fund.models.LedgerDayTotal, kept from the legs by the database and checked against
them by check_ledger), so a balance costs a few hundred rows at any number of legs."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from djmoney.money import Money
from hordak.models import Leg

from ..models import Donation, Fund, LedgerDayTotal
from ..models.ledger import ALLOCATION_ROLES, ASSET_ROLES, CASH_ASSET_ROLES, INCOME_ROLES, AccountRole

_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))


@dataclass(frozen=True)
class FundBalance:
    """A fund's position from its ledger accounts, in the fund's currency.

    ``received`` is all gifts taken in (net of reversals), ``allocated`` what went out to
    beneficiaries, ``lost`` goods a stock count found lost or damaged (net of surpluses), ``cash``
    and ``goods`` what is left to give. received - allocated - lost == cash + goods.
    """

    currency: str
    cash: Money
    goods: Money
    received: Money
    allocated: Money
    lost: Money

    @property
    def total(self) -> Money:
        return self.cash + self.goods


def _net_by_role(fund_ids, *, as_of: datetime.date | None = None) -> dict[int, dict[str, Decimal]]:
    """Debits minus credits per fund and account role, in one query over the day totals; with
    ``as_of``, of the transactions dated up to that day (the ledger's transaction date, the
    centre's day)."""
    days = LedgerDayTotal.objects.filter(account__fund_account__fund_id__in=fund_ids)
    if as_of is not None:
        days = days.filter(day__lte=as_of)
    rows = (
        days.values("account__fund_account__fund_id", "account__fund_account__role")
        .annotate(
            debits=Coalesce(Sum("debits"), _ZERO),
            credits=Coalesce(Sum("credits"), _ZERO),
        )
        .order_by()
    )
    net: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        net[row["account__fund_account__fund_id"]][row["account__fund_account__role"]] = row["debits"] - row["credits"]
    return net


def fund_balances(funds=None, *, as_of: datetime.date | None = None) -> dict[int, FundBalance]:
    """Balances for the given funds (default: all), keyed by fund id; at the end of ``as_of``
    if given, else now."""
    funds = list(funds if funds is not None else Fund.objects.all())
    net = _net_by_role([f.pk for f in funds], as_of=as_of)
    return {fund.pk: balance_from_net(fund, net[fund.pk]) for fund in funds}


def net_by_role(funds) -> dict[int, dict[str, Decimal]]:
    """Each fund's debits minus credits per account role, now, in one query: for a reader that
    needs more than one figure from it (the dashboard's balance and restricted balance)."""
    return _net_by_role([fund.pk for fund in funds])


def balance_from_net(fund: Fund, by_role: dict[str, Decimal]) -> FundBalance:
    def money(roles, sign=1):
        return Money(sign * sum((by_role[r] for r in roles), Decimal("0.00")), fund.currency)

    return FundBalance(
        currency=fund.currency,
        cash=money(CASH_ASSET_ROLES),
        goods=money([AccountRole.GOODS_STOCK]),
        received=money(INCOME_ROLES, sign=-1),  # income grows by credits
        allocated=money(ALLOCATION_ROLES),
        lost=money([AccountRole.GOODS_LOST]),
    )


def fund_balance(fund: Fund, *, as_of: datetime.date | None = None) -> FundBalance:
    return fund_balances([fund], as_of=as_of)[fund.pk]


@dataclass(frozen=True)
class FundAvailable:
    """What a fund may still give, in its currency, from its ledger accounts alone.

    ``scholarship_restricted`` is scholarship money not yet paid out as scholarships (scholarship
    gifts less "Scholarships paid", never below zero); it pays only scholarships.
    ``unrestricted_cash`` is the rest of the cash, which any allocation may use; a scholarship may
    use all of ``cash``. ``bank`` and ``cash_on_hand`` are the two accounts money is paid from.
    """

    cash: Money
    scholarship_restricted: Money
    unrestricted_cash: Money
    bank: Money
    cash_on_hand: Money


def scholarship_restricted(by_role: dict[str, Decimal]) -> Decimal:
    """Scholarship gifts less scholarships paid, never below zero, from a fund's net by role."""
    restricted = -by_role[AccountRole.INCOME_SCHOLARSHIP] - by_role[AccountRole.ALLOCATED_SCHOLARSHIP]
    return max(restricted, Decimal("0.00"))


def fund_available(fund: Fund, *, as_of: datetime.date | None = None) -> FundAvailable:
    """Read inside the caller's transaction; a spending check takes the fund's row lock first
    (fund.services.spending), so no other spending commits between this read and its posting.
    ``as_of`` gives what was left at the end of that day (a statement's restricted balances)."""
    return available_from_net(fund, _net_by_role([fund.pk], as_of=as_of)[fund.pk])


def available_from_net(fund: Fund, by_role: dict[str, Decimal]) -> FundAvailable:
    """What ``fund`` may still give, from its debits minus credits per account role."""
    zero = Decimal("0.00")
    cash = sum((by_role[r] for r in CASH_ASSET_ROLES), zero)
    restricted = scholarship_restricted(by_role)
    return FundAvailable(
        cash=Money(cash, fund.currency),
        scholarship_restricted=Money(restricted, fund.currency),
        unrestricted_cash=Money(max(cash - restricted, zero), fund.currency),
        bank=Money(by_role[AccountRole.BANK], fund.currency),
        cash_on_hand=Money(by_role[AccountRole.CASH_ON_HAND], fund.currency),
    )


def fund_goods_in_stock(*, fund: Fund) -> Money:
    """The ledger's balance of "Donated goods in stock" for the fund (care's stock report must
    agree with it; care/ledger_checks.py)."""
    return Money(_net_by_role([fund.pk])[fund.pk][AccountRole.GOODS_STOCK], fund.currency)


def fund_goods_in_stock_all() -> dict[int, Decimal]:
    """The same for every fund at once, by fund id (check_ledger)."""
    return {
        fund_id: by_role[AccountRole.GOODS_STOCK]
        for fund_id, by_role in _net_by_role(list(Fund.objects.values_list("pk", flat=True))).items()
    }


def fund_asset_total_from_legs(fund: Fund) -> Decimal:
    """Assets of a fund summed straight from its legs, not the day totals (check_ledger's
    cross-check of the balances it shows)."""
    totals = Leg.objects.filter(
        account__fund_account__fund=fund, account__fund_account__role__in=ASSET_ROLES
    ).aggregate(debits=Coalesce(Sum("debit"), _ZERO), credits=Coalesce(Sum("credit"), _ZERO))
    return totals["debits"] - totals["credits"]


@dataclass(frozen=True)
class PublicFundTotal:
    name: str
    code: str
    received: Money
    allocated: Money
    balance: Money
    donors: int


def fund_totals_public() -> list[PublicFundTotal]:
    """What the public pages may show about each active fund: totals only, no names."""
    funds = list(
        Fund.objects.filter(is_active=True).annotate(
            donor_count=Count(
                "donations__donor",
                filter=Q(donations__status=Donation.Status.RECEIVED),
                distinct=True,
            )
        )
    )
    balances = fund_balances(funds)
    return [
        PublicFundTotal(
            name=f.name,
            code=f.code,
            received=balances[f.pk].received,
            allocated=balances[f.pk].allocated,
            balance=balances[f.pk].total,
            donors=f.donor_count,
        )
        for f in funds
    ]
