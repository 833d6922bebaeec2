"""What the back office's home page shows about the money: each fund's position, the gifts of a
period, the pledges still awaiting their goods or transfer, the last ledger check. Each read is
one or two queries whatever the number of gifts, so the home page stays fast in an appeal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from djmoney.money import Money

from ..models import Donation, Fund, LedgerCheck
from .balances import FundBalance, balance_from_net, net_by_role, scholarship_restricted


@dataclass(frozen=True)
class FundPosition:
    fund: Fund
    balance: FundBalance
    restricted: Money  # scholarship money not yet paid out as scholarships


def fund_positions() -> list[FundPosition]:
    """Every fund's balance and restricted balance, from its ledger accounts (one query). A closed
    fund is listed too: what it still holds must be given out or accounted for."""
    funds = list(Fund.objects.order_by("-is_active", "code"))
    net = net_by_role(funds)
    return [
        FundPosition(
            fund, balance_from_net(fund, net[fund.pk]), Money(scholarship_restricted(net[fund.pk]), fund.currency)
        )
        for fund in funds
    ]


@dataclass(frozen=True)
class GiftsReceived:
    fund: Fund
    count: int
    totals: tuple[Money, ...]  # one per currency the gifts came in, the fund's own first


def month_bounds(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The centre's calendar month around ``today``, as aware datetimes [start, end)."""
    first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(following, datetime.time.min, tzinfo=zone)


def gifts_received_between(start: datetime.datetime, end: datetime.datetime) -> list[GiftsReceived]:
    """Gifts received in [start, end), counted and summed per fund and currency in one query."""
    rows = (
        Donation.objects.filter(status=Donation.Status.RECEIVED, received_at__gte=start, received_at__lt=end)
        .values("fund", "amount_currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by()
    )
    by_fund: dict[int, list[dict]] = {}
    for row in rows:
        by_fund.setdefault(row["fund"], []).append(row)
    funds = Fund.objects.in_bulk(list(by_fund))
    result = []
    for fund_id, fund_rows in by_fund.items():
        fund = funds[fund_id]
        fund_rows.sort(key=lambda row: (row["amount_currency"] != fund.currency, row["amount_currency"]))
        result.append(
            GiftsReceived(
                fund=fund,
                count=sum(row["count"] for row in fund_rows),
                totals=tuple(Money(row["total"] or Decimal(0), row["amount_currency"]) for row in fund_rows),
            )
        )
    return sorted(result, key=lambda gifts: gifts.fund.code)


def ledger_check_latest() -> LedgerCheck | None:
    return LedgerCheck.objects.order_by("-started_at").first()
