"""Stock as an append-only log: every received goods gift is in it (whatever path received it),
a refunded one leaves it, its value agrees with the ledger, and check_ledger says so."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from djmoney.money import Money

from care.errors import CareError
from care.ledger_checks import stock_agrees_with_the_ledger
from care.models import StockItem, StockMovement
from care.selectors import stock_levels, stock_on_hand
from care.services import stock_intake_from_gift
from fund.models import Donation
from fund.selectors import fund_balance, fund_goods_in_stock, ledger_problems
from fund.services import donation_receive, donation_refund

from .stock_helpers import goods_gift, item, vnd

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def test_a_received_goods_gift_is_in_stock_at_its_lines_values(fund, donor):
    goods_gift(fund, donor, ("Gạo tẻ", 50, "kg", 1_000_000), ("Sữa hộp", 48, "hộp", 480_000))
    rice, milk = item("gạo  TẺ", "KG"), item("Sữa hộp", "hộp")  # the same item, however it is typed
    assert stock_on_hand(fund=fund, item=rice, restriction="in_kind") == (Decimal("50"), vnd(1_000_000))
    assert stock_on_hand(fund=fund, item=milk, restriction="in_kind") == (Decimal("48"), vnd(480_000))
    assert fund_goods_in_stock(fund=fund) == vnd(1_480_000)
    assert stock_agrees_with_the_ledger() == []


def test_lines_with_the_same_text_join_one_item_and_average(fund, donor):
    goods_gift(fund, donor, ("Vở ô li", 100, "quyển", 500_000), kind="supplies")
    goods_gift(fund, donor, ("vở Ô LI ", 100, "Quyển", 700_000), kind="supplies")
    assert StockItem.objects.count() == 1
    [level] = stock_levels(fund=fund)
    assert (level.restriction, level.quantity, level.value) == ("supplies", Decimal("200"), vnd(1_200_000))


def test_a_pledge_enters_stock_when_received_not_before(fund, donor):
    pledge = goods_gift(fund, donor, ("Áo ấm", 20, "chiếc", 2_000_000), received=False)
    assert not StockMovement.objects.exists()
    donation_receive(donation=pledge)
    assert stock_levels(fund=fund)[0].quantity == Decimal("20")


def test_intake_is_idempotent(fund, donor):
    gift = goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    assert stock_intake_from_gift(donation=gift) == []
    assert StockMovement.objects.count() == 1


def test_money_gifts_do_not_touch_stock(fund, donor):
    from .conftest import give

    give(fund, donor, 1_000_000)
    assert not StockMovement.objects.exists()


def test_a_refunded_goods_gift_leaves_stock(fund, donor):
    gift = goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    donation_refund(donation=gift, reason="Donor took the rice back")
    assert stock_levels(fund=fund) == []
    assert fund_goods_in_stock(fund=fund) == vnd(0)
    assert [m.kind for m in StockMovement.objects.order_by("pk")] == ["intake", "refund"]
    assert ledger_problems().problems == []


def test_goods_already_issued_cannot_be_refunded(fund, donor, child, case_worker, manager):
    from .stock_helpers import approved_goods, issue

    gift = goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    issue(approved_goods(child, fund, case_worker, manager, (item("Gạo", "kg"), "in_kind", 4)), case_worker)
    before = StockMovement.objects.count()
    with pytest.raises(CareError, match="already left stock"):
        donation_refund(donation=gift, reason="Changed their mind")
    gift.refresh_from_db()
    assert gift.status == Donation.Status.RECEIVED  # the refund was refused with the stock's refusal
    assert StockMovement.objects.count() == before


def test_goods_are_handed_over_only_with_the_signed_handover_on_file(fund, donor, child, case_worker, manager):
    from .stock_helpers import approved_goods, issue

    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    allocation = approved_goods(child, fund, case_worker, manager, (item("Gạo", "kg"), "in_kind", 4))
    before = StockMovement.objects.count()
    with pytest.raises(CareError, match="no handover document or signature"):
        issue(allocation, case_worker, evidence=False)
    allocation.refresh_from_db()
    assert allocation.status == "approved" and StockMovement.objects.count() == before
    assert issue(allocation, case_worker).status == "disbursed"


def test_goods_in_another_currency_enter_at_the_ledgers_value(fund, donor):
    from fund.services import donation_record

    donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        currency="USD",
        exchange_rate="25432.5",
        lines=[
            {"description": "Blanket", "quantity": "3", "unit": "piece", "fair_value": "10.01"},
            {"description": "Towel", "quantity": "3", "unit": "piece", "fair_value": "10.01"},
        ],
        received_at=timezone.now(),
    )
    total = sum((level.value for level in stock_levels(fund=fund)), vnd(0))
    assert total == fund_goods_in_stock(fund=fund)
    assert stock_agrees_with_the_ledger() == []


def test_movements_are_append_only_in_python_and_in_the_database(fund, donor):
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    movement = StockMovement.objects.get()
    movement.quantity = Decimal("1000")
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()
    for sql in ("UPDATE care_stockmovement SET quantity = 1000", "DELETE FROM care_stockmovement"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert StockMovement.objects.get().quantity == Decimal("10")


def test_check_ledger_fails_when_stock_and_ledger_disagree(fund, donor):
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    assert ledger_problems().problems == []
    # A movement written behind the services' back: the stock report now says more than the ledger.
    StockMovement.objects.create(
        fund=fund,
        item=item("Gạo", "kg"),
        restriction="in_kind",
        kind="intake",
        quantity=Decimal("5"),
        value=Money(100_000, "VND"),
        date=StockMovement.objects.get().date,
        reference="tampered",
    )
    problems = ledger_problems().problems
    assert any("stock report is worth 300000" in p and "ledger holds 200000" in p for p in problems)


def test_check_ledger_requires_the_stock_trigger(fund, donor):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE care_stockmovement DISABLE TRIGGER care_stockmovement_append_only")
    try:
        assert any("care_stockmovement is not protected" in p for p in ledger_problems().problems)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE care_stockmovement ENABLE TRIGGER care_stockmovement_append_only")


def test_balance_equation_still_holds_with_goods(fund, donor):
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    balance = fund_balance(fund)
    assert balance.goods == vnd(200_000)
    assert balance.received - balance.allocated - balance.lost == balance.total


def test_check_ledger_finds_movements_missing_from_the_report(fund, donor):
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    blanket = StockItem.objects.create(name="Chăn", unit="chiếc", key="chăn|chiếc")
    for value, quantity in ((Money(50_000, "VND"), Decimal("1")), (Money(-50_000, "VND"), Decimal("-1"))):
        StockMovement.objects.create(
            fund=fund,
            item=blanket,
            restriction="in_kind",
            kind="adjustment",
            quantity=quantity,
            value=value,
            date=StockMovement.objects.first().date,
            reference="tampered",
        )
    assert any("no line in the stock report" in p for p in ledger_problems().problems)
