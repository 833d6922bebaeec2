"""Fund balances come from the ledger's legs: per fund, cash apart from goods, received minus
allocated equal to what is left; the public totals show active funds only, with donor counts."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from donors.services import donor_create
from fund.models import AccountRole
from fund.selectors import fund_balance, fund_balances, fund_totals_public, ledger_problems
from fund.services import (
    donation_cancel,
    donation_receive,
    donation_record,
    donation_refund,
    fund_create,
    fund_update,
)
from fund.services.ledger import Entry, ledger_post


def vnd(amount) -> Money:
    return Money(amount, "VND")


def give(fund, donor, amount, *, channel="bank_transfer", received=True, **extra):
    return donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel=channel,
        amount=amount,
        received_at=timezone.now() if received else None,
        **extra,
    )


def give_goods(fund, donor, *values):
    return donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[
            {"description": f"Item {i}", "quantity": "1", "unit": "box", "fair_value": v} for i, v in enumerate(values)
        ],
        received_at=timezone.now(),
    )


def allocate(fund, role, amount_from, money):
    """What an allocation to a beneficiary will post: expense up, asset down."""
    with transaction.atomic():
        return ledger_post(
            fund=fund,
            kind="allocation",
            entries=[Entry(role=role, side="debit", money=money), Entry(role=amount_from, side="credit", money=money)],
            description="Allocation",
            date=timezone.localdate(),
            purpose="in_kind" if role == AccountRole.ALLOCATED_GOODS else "cash",
            reference="test",
        )


def test_a_new_fund_has_zero_balances_in_its_currency(fund):
    balance = fund_balance(fund)
    assert balance.currency == "VND"
    assert (balance.cash, balance.goods, balance.received, balance.allocated, balance.total) == (vnd(0),) * 5


def test_two_funds_keep_separate_balances(fund, other_fund, donor, organisation):
    give(fund, donor, "500000")
    give(fund, organisation, "250000", channel="card")
    give(other_fund, donor, "1000000", channel="cash")
    give_goods(other_fund, organisation, "300000", "200000")

    balances = fund_balances([fund, other_fund])

    assert set(balances) == {fund.pk, other_fund.pk}
    first, second = balances[fund.pk], balances[other_fund.pk]
    assert (first.cash, first.goods, first.received, first.total) == (vnd(750_000), vnd(0), vnd(750_000), vnd(750_000))
    assert (second.cash, second.goods, second.received, second.total) == (
        vnd(1_000_000),
        vnd(500_000),
        vnd(1_500_000),
        vnd(1_500_000),
    )
    # the default is every fund, with the same figures
    assert fund_balances() == balances
    assert fund_balance(fund) == first


def test_only_received_value_counts(fund, donor):
    give(fund, donor, "400000", received=False)  # a pledge
    cancelled = give(fund, donor, "800000", received=False)
    donation_cancel(donation=cancelled, reason="changed mind")
    assert fund_balance(fund).total == vnd(0)
    pledge = give(fund, donor, "90000", received=False)
    donation_receive(donation=pledge)
    assert fund_balance(fund).total == vnd(90_000)


def test_cash_and_goods_are_split_by_account(fund, donor):
    give(fund, donor, "100000", channel="bank_transfer")
    give(fund, donor, "20000", channel="cash")
    give(fund, donor, "3000", channel="card")
    give_goods(fund, donor, "400000", "5000000")
    balance = fund_balance(fund)
    assert balance.cash == vnd(123_000)
    assert balance.goods == vnd(5_400_000)
    assert balance.total == vnd(5_523_000)
    assert balance.received == vnd(5_523_000)


def test_refund_takes_the_gift_out_of_received_and_cash(fund, donor):
    give(fund, donor, "100000")
    refunded = give(fund, donor, "60000", channel="card")
    donation_refund(donation=refunded, reason="charged twice")
    balance = fund_balance(fund)
    assert (balance.cash, balance.received, balance.total) == (vnd(100_000), vnd(100_000), vnd(100_000))


def test_received_minus_allocated_equals_cash_plus_goods(fund, donor):
    give(fund, donor, "1000000")
    give_goods(fund, donor, "700000")
    allocate(fund, AccountRole.ALLOCATED_CASH, AccountRole.BANK, vnd(250_000))
    allocate(fund, AccountRole.ALLOCATED_GOODS, AccountRole.GOODS_STOCK, vnd(200_000))
    balance = fund_balance(fund)
    assert balance.received == vnd(1_700_000)
    assert balance.allocated == vnd(450_000)
    assert balance.cash == vnd(750_000)
    assert balance.goods == vnd(500_000)
    assert balance.received - balance.allocated == balance.cash + balance.goods == balance.total
    # The goods issue above is posted by hand, without care's stock movements: only the check
    # that stock and ledger agree may notice that.
    assert not [p for p in ledger_problems().problems if p.startswith("Fund ") and "stock report" not in p]


def test_usd_fund_balance_is_in_dollars(donor):
    usd = fund_create(name="Dollar Fund", code="USDF", currency="USD")
    give(usd, donor, "20.50", channel="card")
    give(usd, donor, "1000000", currency="VND", exchange_rate="0.00004")
    balance = fund_balance(usd)
    assert balance.currency == "USD"
    assert balance.cash == Money("60.50", "USD")
    assert balance.cash.amount == Decimal("60.50")


def test_public_totals_count_distinct_received_donors_and_skip_inactive_funds(fund, other_fund, donor, organisation):
    third = donor_create(kind="person", name="Lý Văn Ba")
    fourth = donor_create(kind="person", name="Đỗ Thị Tư")
    closed = fund_create(name="Closed Fund", code="OLD")
    give(fund, donor, "100000")
    give(fund, donor, "200000", channel="card")  # same donor twice: counted once
    give(fund, organisation, "300000")
    give(fund, third, "999000", received=False)  # only pledged: not counted
    donation_refund(donation=give(fund, fourth, "50000"), reason="returned")  # refunded: not counted
    give(other_fund, third, "700000")
    give(closed, donor, "400000")
    fund_update(fund=closed, name=closed.name, restricted_purpose="", is_active=False)

    totals = {total.code: total for total in fund_totals_public()}

    assert set(totals) == {fund.code, other_fund.code}
    cpf, spf = totals[fund.code], totals[other_fund.code]
    assert (cpf.name, cpf.donors, cpf.received, cpf.allocated, cpf.balance) == (
        fund.name,
        2,
        vnd(600_000),
        vnd(0),
        vnd(600_000),
    )
    assert (spf.donors, spf.received, spf.balance) == (1, vnd(700_000), vnd(700_000))


@pytest.mark.parametrize("funds", [[], None])
def test_fund_balances_with_no_funds(db, funds):
    assert fund_balances(funds) == {}
