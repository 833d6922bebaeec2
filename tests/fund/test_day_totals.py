"""The ledger's day totals (fund.models.LedgerDayTotal): kept by the database from the legs
through gifts, refunds, spending and its reversal, goods issued and counted; refused to anyone
else; found out by check_ledger when changed behind the guard's back; read by balances with the
same figures, day boundaries included, as a sum over the legs."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money
from hordak.models import Leg

from fund.models import LedgerDayTotal
from fund.selectors import fund_balance
from fund.selectors.totals import day_totals_differences
from fund.services import donation_record, donation_refund, ledger_check_run
from fund.services.goods import fund_goods_adjust, fund_goods_issue
from fund.services.spending import fund_spend, fund_spend_reverse


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def totals_by_account_day():
    return {
        (row["account_id"], row["day"]): (row["d"], row["c"], row["n"])
        for row in LedgerDayTotal.objects.values("account_id", "day")
        .annotate(d=Sum("debits"), c=Sum("credits"), n=Sum("legs"))
        .order_by()
    }


def legs_by_account_day():
    return {
        (row["account_id"], row["transaction__date"]): (row["d"] or Decimal(0), row["c"] or Decimal(0), row["n"])
        for row in Leg.objects.values("account_id", "transaction__date")
        .annotate(d=Sum("debit"), c=Sum("credit"), n=Sum(1))
        .order_by()
    }


@pytest.fixture
def movements(fund, donor, organisation, now):
    """Every kind of movement, over two days."""
    yesterday = now - datetime.timedelta(days=1)
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="5000000", received_at=now)
    donation_record(
        fund=fund, donor=organisation, kind="cash", channel="bank_transfer", amount="700000", received_at=yesterday
    )
    refunded = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000", received_at=now)
    donation_refund(donation=refunded, reason="charged twice")
    donation_record(
        fund=fund,
        donor=organisation,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Rice", "quantity": "100", "unit": "kg", "fair_value": "2000000"}],
        received_at=now,
    )
    today = timezone.localdate(now)
    with transaction.atomic():
        paid = fund_spend(
            fund=fund,
            purpose="cash",
            programme="children",
            reference="allocation:1",
            recipient="b:1",
            amount=Money("400000", "VND"),
            date=today,
            paid_from="bank",
            description="School fees",
        )
    fund_spend_reverse(posting=paid, reason="paid twice", date=today)
    with transaction.atomic():
        fund_goods_issue(
            fund=fund,
            purpose="in_kind",
            programme="children",
            reference="handover:1",
            recipient="b:2",
            value=Money("500000", "VND"),
            date=today,
            description="Rice handed over",
        )
        fund_goods_adjust(fund=fund, loss=Money("100000", "VND"), reference="count:1", date=today, description="Wet")
    return fund


def test_the_totals_equal_the_legs_after_every_kind_of_movement(movements):
    assert totals_by_account_day() == legs_by_account_day()
    assert len(legs_by_account_day()) >= 8  # bank, income, goods... on two days
    assert day_totals_differences() == []
    balance = fund_balance(movements)
    # 5,000,000 + 700,000 received in cash, 300,000 refunded, the payment reversed; goods
    # 2,000,000 in, 500,000 issued, 100,000 lost.
    assert balance.cash == Money("5700000", "VND")
    assert balance.goods == Money("1400000", "VND")
    assert balance.received == Money("7700000", "VND")
    assert balance.allocated == Money("500000", "VND")
    assert balance.lost == Money("100000", "VND")


def test_as_of_ends_with_the_centres_day(fund, donor):
    # 23:30 in Ho Chi Minh City on the 9th is 16:30 UTC: it counts on the 9th, not the 10th.
    late_evening = datetime.datetime(2026, 3, 9, 16, 30, tzinfo=datetime.UTC)
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="250000", received_at=late_evening
    )
    early_morning = datetime.datetime(2026, 3, 9, 17, 30, tzinfo=datetime.UTC)  # 00:30 on the 10th
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000", received_at=early_morning
    )
    assert set(LedgerDayTotal.objects.values_list("day", flat=True)) == {
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 10),
    }
    assert fund_balance(fund, as_of=datetime.date(2026, 3, 8)).cash == Money("0", "VND")
    assert fund_balance(fund, as_of=datetime.date(2026, 3, 9)).cash == Money("250000", "VND")
    assert fund_balance(fund, as_of=datetime.date(2026, 3, 10)).cash == Money("350000", "VND")


def test_nobody_writes_the_totals_but_the_database(movements):
    row = LedgerDayTotal.objects.first()
    for sql in (
        "UPDATE fund_ledgerdaytotal SET debits = debits + 1 WHERE id = %s",
        "DELETE FROM fund_ledgerdaytotal WHERE id = %s",
        "INSERT INTO fund_ledgerdaytotal (account_id, day, currency, debits, credits, legs) "
        "SELECT account_id, day, currency, 1, 0, 1 FROM fund_ledgerdaytotal WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="day totals are kept by the database"), transaction.atomic():
            execute(sql, [row.pk])


def test_check_ledger_finds_a_tampered_total(movements):
    assert day_totals_differences() == []
    row = LedgerDayTotal.objects.filter(debits__gt=0).select_related("account").first()
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute("ALTER TABLE fund_ledgerdaytotal DISABLE TRIGGER fund_ledgerdaytotal_guard")
    execute("UPDATE fund_ledgerdaytotal SET debits = debits + 1000 WHERE id = %s", [row.pk])
    execute("ALTER TABLE fund_ledgerdaytotal ENABLE TRIGGER fund_ledgerdaytotal_guard")
    check = ledger_check_run()
    assert not check.ok
    [problem] = [p for p in check.problems if p.startswith("Day totals")]
    assert row.account.full_code in problem and row.day.isoformat() in problem
    assert f"debits {row.debits + 1000}" in problem and f"add up to {row.debits} /" in problem


def test_check_ledger_finds_a_leg_written_with_the_trigger_off(fund, donor, now):
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="5000", received_at=now)
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute("ALTER TABLE fund_ledgerdaytotal DISABLE TRIGGER fund_ledgerdaytotal_guard")
    execute("DELETE FROM fund_ledgerdaytotal")
    execute("ALTER TABLE fund_ledgerdaytotal ENABLE TRIGGER fund_ledgerdaytotal_guard")
    problems = day_totals_differences()
    assert len(problems) == 2  # the bank's debit and the income's credit
    assert all("say debits 0.00 / credits 0.00 VND in 0 legs" in p and "5000.00" in p for p in problems), problems


def test_a_disabled_totals_trigger_is_reported(fund):
    execute("ALTER TABLE hordak_leg DISABLE TRIGGER fund_leg_day_totals")
    try:
        problems = ledger_check_run().problems
    finally:
        execute("ALTER TABLE hordak_leg ENABLE TRIGGER fund_leg_day_totals")
    assert "Table hordak_leg is not protected: trigger fund_leg_day_totals is missing or disabled" in problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_gifts_to_one_fund_never_wait_and_add_up(restore_migrated_rows_after_flush, fund, donor):
    from tests.support.concurrency import run_through_connections

    def gift():
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1000", received_at=timezone.now()
        )
        return "ok"

    outcomes = run_through_connections([gift] * 48, connections=8)
    assert outcomes == ["ok"] * 48
    assert fund_balance(fund).cash == Money("48000", "VND")
    assert day_totals_differences() == []
    # Writers that found the day's row taken started their own instead of waiting for it: a
    # handful of rows, never one per gift.
    assert 1 <= LedgerDayTotal.objects.filter(account__fund_account__role="bank").count() < 48
