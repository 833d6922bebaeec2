"""Stock counts: recording changes nothing; a second person's approval writes the differences
at average cost and posts them (a loss to "Goods lost or damaged", created on first use; a
surplus back from it); the counter never approves their own count."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone, translation
from hordak.models import Leg

from care.errors import CareError
from care.models import StockCount, StockMovement
from care.selectors import stock_on_hand
from care.services import stock_count_approve, stock_count_record, stock_count_reject
from fund.errors import FundError
from fund.models import AccountRole, FundAccount
from fund.selectors import fund_balance, fund_goods_in_stock, ledger_problems
from fund.services import period_close

from .conftest import staff_user
from .stock_helpers import goods_gift, item, stock_writes, vnd

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def storekeeper(db):
    return staff_user("storekeeper", "add_stockcount", "view_stockcount")


@pytest.fixture
def approver(db):
    return staff_user("countapprover", "approve_stockcount", "view_stockcount")


@pytest.fixture
def stocked(fund, donor):
    goods_gift(fund, donor, ("Gạo", 10, "kg", 300_000), ("Chăn", 4, "chiếc", 400_000))
    return fund


def record(fund, user, *lines, on=None):
    return stock_count_record(
        fund=fund,
        counted_on=on or timezone.localdate(),
        lines=[{"item": item(n, u), "restriction": "in_kind", "counted": str(c)} for n, u, c in lines],
        actor=user,
    )


def test_recording_moves_nothing(stocked, storekeeper):
    before = StockMovement.objects.count()
    count = record(stocked, storekeeper, ("Gạo", "kg", 8))
    line = count.lines.get()
    assert (line.expected, line.counted, line.difference) == (Decimal("10"), Decimal("8"), Decimal("-2"))
    assert StockMovement.objects.count() == before
    assert count.status == StockCount.Status.RECORDED and count.posting is None


def test_approval_posts_the_loss_at_average_cost(stocked, storekeeper, approver):
    count = record(stocked, storekeeper, ("Gạo", "kg", 8), ("Chăn", "chiếc", 4))
    count = stock_count_approve(count=count, actor=approver)
    assert count.status == StockCount.Status.APPROVED and count.decided_by == approver
    assert stock_on_hand(fund=stocked, item=item("Gạo", "kg"), restriction="in_kind") == (Decimal("8"), vnd(240_000))
    legs = {
        FundAccount.objects.get(account_id=leg.account_id).role: (leg.debit, leg.credit)
        for leg in Leg.objects.filter(transaction=count.posting.transaction)
    }
    assert legs == {AccountRole.GOODS_LOST: (vnd(60_000), None), AccountRole.GOODS_STOCK: (None, vnd(60_000))}
    assert count.posting.kind == "stock_adjustment" and count.posting.reference == count.reference
    balance = fund_balance(stocked)
    assert (balance.lost, balance.allocated) == (vnd(60_000), vnd(0))  # a loss is never "given"
    assert ledger_problems().problems == []


def test_a_surplus_comes_back_at_average_cost(stocked, storekeeper, approver):
    stock_count_approve(count=record(stocked, storekeeper, ("Chăn", "chiếc", 5)), actor=approver)
    assert stock_on_hand(fund=stocked, item=item("Chăn", "chiếc"), restriction="in_kind") == (
        Decimal("5"),
        vnd(500_000),
    )
    assert fund_balance(stocked).lost == vnd(-100_000)
    assert fund_goods_in_stock(fund=stocked) == vnd(800_000)
    assert ledger_problems().problems == []


def test_a_count_approved_after_its_days_period_closed_posts_in_the_open_period(stocked, storekeeper, approver):
    """The count's day was fixed when it was recorded: refusing the approval would leave it
    unapprovable, so its value moves in the open period and the posting says when it happened."""
    counted_on = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    count = record(stocked, storekeeper, ("Gạo", "kg", 8), on=counted_on)
    closer = User.objects.create_superuser("closer", "closer@example.org", "pw")
    period_close(starts_on=counted_on.replace(day=1), ends_on=counted_on, actor=closer)
    count = stock_count_approve(count=count, actor=approver)
    assert count.posting.transaction.date == timezone.localdate()
    assert count.posting.occurred_on == counted_on
    assert ledger_problems().problems == []


def test_a_count_without_differences_posts_nothing(stocked, storekeeper, approver):
    count = stock_count_approve(count=record(stocked, storekeeper, ("Gạo", "kg", 10)), actor=approver)
    assert count.status == "approved" and count.posting is None


def test_the_counter_never_approves_their_own_count(stocked, approver):
    count = record(stocked, approver, ("Gạo", "kg", 2))
    before = stock_writes()
    with pytest.raises(CareError, match="You made this count"):
        stock_count_approve(count=count, actor=approver)
    assert stock_writes() == before
    assert StockCount.objects.get().status == "recorded"


def test_approving_needs_the_role(stocked, storekeeper):
    count = record(stocked, storekeeper, ("Gạo", "kg", 2))
    with pytest.raises(CareError, match="fund manager role"):
        stock_count_approve(count=count, actor=staff_user("other", "add_stockcount"))


def test_a_count_the_stock_has_outrun_is_refused(stocked, storekeeper, approver, child, case_worker, manager):
    from .stock_helpers import approved_goods, issue

    count = record(stocked, storekeeper, ("Gạo", "kg", 2))  # 8 kg missing
    issue(approved_goods(child, stocked, case_worker, manager, (item("Gạo", "kg"), "in_kind", 5)), case_worker)
    before = stock_writes()
    with pytest.raises(CareError, match="Only 5 kg"):  # 5 left, 8 to write off: never below zero
        stock_count_approve(count=count, actor=approver)
    assert stock_writes() == before


def test_reject_needs_a_reason_and_moves_nothing(stocked, storekeeper, approver):
    count = record(stocked, storekeeper, ("Gạo", "kg", 2))
    with pytest.raises(FundError, match="reason is required"):  # fund's text cleaner; CareError is one too
        stock_count_reject(count=count, reason=" ", actor=approver)
    count = stock_count_reject(count=count, reason="Counted the wrong shelf", actor=approver)
    assert count.status == "rejected" and not StockMovement.objects.filter(kind="adjustment").exists()
    with pytest.raises(CareError, match="already rejected"):
        stock_count_approve(count=count, actor=approver)


@pytest.mark.parametrize(
    "counted, message",
    [("-1", "zero or more"), ("1.0001", "zero or more"), ("many", "not a number")],
)
def test_bad_counts_are_refused_and_write_nothing(stocked, storekeeper, counted, message):
    before = stock_writes()
    with pytest.raises(CareError, match=message):
        record(stocked, storekeeper, ("Gạo", "kg", counted))
    assert stock_writes() == before


def test_a_surplus_of_an_item_with_none_left_is_taken_in_as_a_gift(stocked, storekeeper, approver, donor):
    from fund.services import donation_refund

    gift = goods_gift(stocked, donor, ("Mũ", 2, "chiếc", 100_000))
    donation_refund(donation=gift, reason="Returned")
    with pytest.raises(CareError, match="intake screen"):
        record(stocked, storekeeper, ("Mũ", "chiếc", 1))


def test_items_never_in_the_funds_stock_and_future_counts_are_refused(stocked, other_fund, storekeeper, donor):
    goods_gift(other_fund, donor, ("Sách", 3, "quyển", 90_000))
    with pytest.raises(CareError, match="never in the stock of CPF"):
        record(stocked, storekeeper, ("Sách", "quyển", 0))
    with pytest.raises(CareError, match="on or after the day"):
        record(stocked, storekeeper, ("Gạo", "kg", 1), on=timezone.localdate() + datetime.timedelta(days=1))
