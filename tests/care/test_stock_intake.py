"""The storekeeper's intake (a goods pledge fulfilled, or a new goods gift at the centre) and
the backfill that puts goods received before the stock log existed into it."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import translation

from audit.models import AuditEntry
from care.errors import CareError
from care.models import IntakeRecord, StockItem, StockLine, StockMovement
from care.receivers import on_donation_received, on_donation_refunded
from care.selectors import stock_levels
from care.services import stock_intake_record
from fund.models import Donation
from fund.selectors import ledger_problems
from fund.services import donation_refund
from fund.signals import donation_received, donation_refunded

from .conftest import staff_user
from .stock_helpers import goods_gift, vnd

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def storekeeper(db):
    return staff_user("storekeeper", "add_intakerecord", "view_stockmovement")


def test_intake_of_a_goods_pledge_receives_it_into_stock(fund, donor, storekeeper):
    pledge = goods_gift(fund, donor, ("Áo ấm", 20, "chiếc", 2_000_000), received=False)
    record = stock_intake_record(pledge=pledge, condition="new", delivered_by="Lái xe công ty", actor=storekeeper)
    assert record.donation.status == Donation.Status.RECEIVED
    assert (record.condition, record.received_by, record.delivered_by) == ("new", storekeeper, "Lái xe công ty")
    [level] = stock_levels(fund=fund)
    assert (level.quantity, level.value) == (Decimal("20"), vnd(2_000_000))
    assert StockMovement.objects.get().actor == storekeeper
    assert AuditEntry.objects.filter(action="stock.intake_record").count() == 1
    assert ledger_problems().problems == []


def test_intake_of_a_new_gift_can_pick_a_catalogue_item(fund, donor, storekeeper):
    goods_gift(fund, donor, ("Vở ô li", 10, "quyển", 50_000), kind="supplies")
    notebooks = StockItem.objects.get()
    stock_intake_record(
        fund=fund,
        donor=donor,
        kind="supplies",
        lines=[{"item": notebooks, "quantity": "40", "fair_value": "200000"}],
        condition="new",
        actor=storekeeper,
    )
    assert StockItem.objects.count() == 1
    [level] = stock_levels(fund=fund)
    assert (level.restriction, level.quantity, level.value) == ("supplies", Decimal("50"), vnd(250_000))


def test_bad_intakes_write_nothing(fund, donor, storekeeper):
    from .conftest import give

    money = give(fund, donor, 100_000)
    counts = (Donation.objects.count(), StockMovement.objects.count(), IntakeRecord.objects.count())
    with pytest.raises(CareError, match="condition"):
        stock_intake_record(pledge=money, condition="shiny", actor=storekeeper)
    with pytest.raises(CareError, match="money, not goods"):
        stock_intake_record(pledge=money, condition="new", actor=storekeeper)
    with pytest.raises(CareError, match="in-kind goods or school supplies"):
        stock_intake_record(fund=fund, donor=donor, kind="cash", lines=[], condition="new", actor=storekeeper)
    with pytest.raises(Exception, match="quantity"):
        stock_intake_record(
            fund=fund,
            donor=donor,
            kind="in_kind",
            lines=[{"description": "Gạo", "unit": "kg", "quantity": "-5", "fair_value": "1000"}],
            condition="new",
            actor=storekeeper,
        )
    assert (Donation.objects.count(), StockMovement.objects.count(), IntakeRecord.objects.count()) == counts


def test_the_backfill_puts_earlier_goods_gifts_in_stock(fund, donor):
    donation_received.disconnect(dispatch_uid="care.stock_intake")
    donation_refunded.disconnect(dispatch_uid="care.stock_refund")
    try:
        goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
        refunded = goods_gift(fund, donor, ("Chăn", 2, "chiếc", 300_000))
        donation_refund(donation=refunded, reason="Returned")
        goods_gift(fund, donor, ("Sữa", 5, "hộp", 50_000), received=False)  # a pledge: not in stock
        assert not StockMovement.objects.exists()
        assert any("stock report is worth 0" in p for p in ledger_problems().problems)
    finally:
        donation_received.connect(on_donation_received, dispatch_uid="care.stock_intake")
        donation_refunded.connect(on_donation_refunded, dispatch_uid="care.stock_refund")
    backfill = importlib.import_module("care.migrations.0006_stock_backfill").backfill
    backfill(apps, None)
    backfill(apps, None)  # twice is once
    assert [(m.kind, m.quantity) for m in StockMovement.objects.order_by("pk")] == [
        ("intake", Decimal("10")),
        ("intake", Decimal("2")),
        ("refund", Decimal("-2")),
    ]
    assert ledger_problems().problems == []
    assert StockLine.objects.count() == 2  # rice and the blankets, each listed on the report
