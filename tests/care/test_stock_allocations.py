"""Goods allocations: proposed from stock (counting what approved ones hold back), approved with
four eyes, issued with a handover at weighted average cost, posted Dr goods issued / Cr goods in
stock; undeliverable releases the goods, a reversal puts them back; every refusal writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from hordak.models import Leg

from audit.models import AuditEntry
from care.errors import CareError
from care.models import Allocation, GoodsHandover, StockMovement
from care.selectors import stock_on_hand
from care.services import (
    allocation_approve,
    allocation_disburse,
    allocation_goods_propose,
    allocation_propose,
    allocation_reverse,
    allocation_undeliverable,
)
from fund.models import AccountRole, FundAccount, Posting
from fund.selectors import fund_balance, fund_goods_in_stock, ledger_problems
from fund.services import fund_update
from tests.support.evidence import handover_attach

from .stock_helpers import approved_goods, goods_gift, issue, item, propose_goods, stock_writes, vnd

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def stocked(fund, donor):
    """Rice at two prices (10 kg for 200.000 ₫, 10 kg for 400.000 ₫: 30.000 ₫/kg on average) and
    notebooks given as school supplies."""
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    goods_gift(fund, donor, ("Gạo", 10, "kg", 400_000))
    goods_gift(fund, donor, ("Vở", 30, "quyển", 150_000), kind="supplies")
    return fund


def rice():
    return item("Gạo", "kg")


def notebooks():
    return item("Vở", "quyển")


def test_issue_takes_goods_out_at_average_cost_and_posts_it(stocked, child, case_worker, manager):
    allocation = propose_goods(child, stocked, case_worker, (rice(), "in_kind", 5))
    assert allocation.amount == vnd(150_000)  # the estimate at today's average
    allocation_approve(allocation=allocation, actor=manager)
    allocation = issue(allocation, case_worker)

    assert allocation.status == Allocation.Status.DISBURSED
    assert allocation.method == Allocation.Method.GOODS_HANDED_OVER
    assert allocation.amount == vnd(150_000)
    assert allocation.lines.get().value == vnd(150_000)
    assert stock_on_hand(fund=stocked, item=rice(), restriction="in_kind") == (Decimal("15"), vnd(450_000))
    posting = allocation.posting
    assert (posting.kind, posting.purpose, posting.reference) == ("allocation", "in_kind", allocation.reference)
    assert posting.programme == child.programme
    legs = {
        FundAccount.objects.get(account_id=leg.account_id).role: (leg.debit, leg.credit)
        for leg in Leg.objects.filter(transaction=posting.transaction)
    }
    assert legs == {
        AccountRole.ALLOCATED_GOODS: (vnd(150_000), None),
        AccountRole.GOODS_STOCK: (None, vnd(150_000)),
    }
    handover = GoodsHandover.objects.get(allocation=allocation)
    assert (handover.recipient, handover.recipient_name, handover.handed_over_by) == (
        "guardian",
        "Bà Demo",
        case_worker,
    )
    assert fund_balance(stocked).allocated == vnd(150_000)
    assert ledger_problems().problems == []
    # No name in the audit trail: the guardian's name stays in the handover record.
    assert not AuditEntry.objects.filter(data__icontains="Bà Demo").exists()
    assert "Bà Demo" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_the_last_of_a_line_takes_all_the_value_left(fund, donor, child, case_worker, manager):
    goods_gift(fund, donor, ("Sữa", 3, "hộp", 100_000))  # 33.333,33 ₫ a box: does not divide
    first = issue(approved_goods(child, fund, case_worker, manager, (item("Sữa", "hộp"), "in_kind", 1)), case_worker)
    rest = issue(approved_goods(child, fund, case_worker, manager, (item("Sữa", "hộp"), "in_kind", 2)), case_worker)
    assert first.amount + rest.amount == vnd(100_000)
    assert fund_goods_in_stock(fund=fund) == vnd(0)
    assert ledger_problems().problems == []


def test_approvals_hold_goods_back_from_later_proposals(stocked, child, case_worker, manager):
    approved_goods(child, stocked, case_worker, manager, (rice(), "in_kind", 15))
    before = stock_writes()
    with pytest.raises(CareError, match=r"Only 5 kg of Gạo are free .* \(15 held for approved allocations\); 6 asked"):
        propose_goods(child, stocked, case_worker, (rice(), "in_kind", 6))
    assert stock_writes() == before
    propose_goods(child, stocked, case_worker, (rice(), "in_kind", 5))


def test_approval_checks_the_stock_again_under_the_lock(stocked, child, case_worker, manager):
    from .conftest import staff_user

    first = propose_goods(child, stocked, case_worker, (rice(), "in_kind", 15))
    second = propose_goods(child, stocked, case_worker, (rice(), "in_kind", 15))  # both fit alone
    allocation_approve(allocation=first, actor=manager)
    before = stock_writes()
    with pytest.raises(CareError, match="Only 5 kg"):
        allocation_approve(allocation=second, actor=staff_user("manager3", "approve_allocation"))
    assert stock_writes() == before


def test_four_eyes_and_the_second_approver_apply_to_goods(stocked, child, case_worker, manager, second_manager):
    fund_update(fund=stocked, name=stocked.name, restricted_purpose="", is_active=True, second_approval_above="100000")
    allocation = propose_goods(child, stocked, case_worker, (rice(), "in_kind", 5))  # 150.000 ₫
    with pytest.raises(CareError, match="someone else must approve"):
        allocation_approve(allocation=allocation, actor=staff_user_with_both(case_worker))
    assert allocation_approve(allocation=allocation, actor=manager).status == Allocation.Status.PROPOSED
    assert allocation_approve(allocation=allocation, actor=second_manager).status == Allocation.Status.APPROVED


def staff_user_with_both(user):
    from django.contrib.auth.models import Permission, User

    user.user_permissions.add(Permission.objects.get(codename="approve_allocation"))
    return User.objects.get(pk=user.pk)


def test_undeliverable_releases_the_reservation(stocked, child, case_worker, manager):
    allocation = approved_goods(child, stocked, case_worker, manager, (rice(), "in_kind", 20))
    with pytest.raises(CareError):
        propose_goods(child, stocked, case_worker, (rice(), "in_kind", 1))
    allocation_undeliverable(allocation=allocation, reason="The family moved away", actor=case_worker)
    assert stock_on_hand(fund=stocked, item=rice(), restriction="in_kind")[0] == Decimal("20")
    propose_goods(child, stocked, case_worker, (rice(), "in_kind", 20))


def test_a_reversal_puts_the_goods_back_at_the_value_they_left_with(stocked, child, case_worker, manager, donor):
    allocation = issue(approved_goods(child, stocked, case_worker, manager, (rice(), "in_kind", 10)), case_worker)
    goods_gift(stocked, donor, ("Gạo", 10, "kg", 900_000))  # the average moves after the issue
    allocation = allocation_reverse(allocation=allocation, reason="Handed to the wrong family", actor=case_worker)
    assert allocation.status == Allocation.Status.REVERSED
    back = StockMovement.objects.get(kind="return")
    assert (back.quantity, back.value) == (Decimal("10"), vnd(300_000))
    assert stock_on_hand(fund=stocked, item=rice(), restriction="in_kind") == (Decimal("30"), vnd(1_500_000))
    assert fund_balance(stocked).allocated == vnd(0)
    assert ledger_problems().problems == []


def test_school_supplies_go_to_supplies_allocations_only(stocked, child, case_worker):
    before = stock_writes()
    with pytest.raises(CareError, match="only in a school-supplies allocation"):
        propose_goods(child, stocked, case_worker, (notebooks(), "supplies", 5), kind="in_kind")
    assert stock_writes() == before
    allocation = propose_goods(child, stocked, case_worker, (notebooks(), "supplies", 5), kind="supplies")
    assert allocation.kind == "supplies"
    # Other goods may be given as school supplies, as unrestricted money may pay a scholarship.
    propose_goods(child, stocked, case_worker, (rice(), "in_kind", 1), kind="supplies")


def test_supplies_issue_posts_purpose_supplies(stocked, child, case_worker, manager):
    allocation = approved_goods(child, stocked, case_worker, manager, (notebooks(), "supplies", 10), kind="supplies")
    allocation = issue(allocation, case_worker, recipient="child", recipient_name="")
    assert allocation.posting.purpose == "supplies"
    assert allocation.amount == vnd(50_000)


@pytest.mark.parametrize(
    "lines, message",
    [
        ([("rice", "in_kind", "21")], "Only 20 kg of Gạo are free"),
        ([("rice", "in_kind", "0")], "above zero"),
        ([("rice", "in_kind", "-3")], "above zero"),
        ([("rice", "in_kind", "1.0001")], "three decimals"),
        ([("rice", "in_kind", "abc")], "not a number"),
        ([("rice", "supplies", "1")], "only in a school-supplies allocation"),
        ([("rice", "in_kind", "1"), ("rice", "in_kind", "2")], "on two lines"),
        ([], "at least one line"),
    ],
)
def test_bad_lines_are_refused_and_write_nothing(stocked, child, case_worker, lines, message):
    before = stock_writes()
    with pytest.raises(CareError, match=message):
        allocation_goods_propose(
            beneficiary=child,
            fund=stocked,
            kind="in_kind",
            lines=[{"item": rice(), "restriction": r, "quantity": q} for _name, r, q in lines],
            purpose="Food",
            actor=case_worker,
        )
    assert stock_writes() == before


def test_an_item_of_another_fund_is_refused(stocked, other_fund, donor, child, case_worker):
    goods_gift(other_fund, donor, ("Chăn", 5, "chiếc", 500_000))
    before = stock_writes()
    with pytest.raises(CareError, match="The stock of CPF holds no Chăn"):
        propose_goods(child, stocked, case_worker, (item("Chăn", "chiếc"), "in_kind", 1))
    assert stock_writes() == before


def test_goods_are_proposed_with_lines_and_handed_over_not_paid(stocked, child, case_worker, manager):
    with pytest.raises(CareError, match="proposed with their lines"):
        allocation_propose(
            beneficiary=child, fund=stocked, kind="in_kind", amount=vnd(1000), purpose="x", actor=case_worker
        )
    allocation = approved_goods(child, stocked, case_worker, manager, (rice(), "in_kind", 1))
    before = stock_writes()
    with pytest.raises(CareError, match="handed over, not paid"):
        allocation_disburse(allocation=allocation, disbursed_on=timezone.localdate(), method="cash", actor=case_worker)
    assert stock_writes() == before


def test_issue_needs_an_approved_allocation_and_a_proper_handover(stocked, child, case_worker, manager):
    proposed = propose_goods(child, stocked, case_worker, (rice(), "in_kind", 1))
    with pytest.raises(CareError, match="needs it approved"):
        issue(proposed, case_worker)
    approved = allocation_approve(allocation=proposed, actor=manager)
    before = stock_writes()
    with pytest.raises(CareError, match="name of the guardian"):
        issue(approved, case_worker, recipient_name="")
    with pytest.raises(CareError, match="guardian or the person in care"):
        issue(approved, case_worker, recipient="neighbour")
    with pytest.raises(CareError, match="not in advance"):
        issue(approved, case_worker, on=timezone.localdate() + datetime.timedelta(days=1))
    assert stock_writes() == before
    assert Allocation.objects.get(pk=approved.pk).status == "approved"


def test_issue_refuses_when_the_stock_left_by_another_way(stocked, child, case_worker, manager, donor):
    from fund.services import donation_refund

    gift = goods_gift(stocked, donor, ("Chăn", 5, "chiếc", 500_000))
    allocation = approved_goods(child, stocked, case_worker, manager, (item("Chăn", "chiếc"), "in_kind", 5))
    donation_refund(donation=gift, reason="Returned to the donor")  # reserved, but on the shelf: allowed
    handover_attach(allocation)
    before = stock_writes()
    with pytest.raises(CareError, match="Only 0 chiếc of Chăn"):
        issue(allocation, case_worker)
    assert stock_writes() == before
    assert Posting.objects.filter(kind="allocation").count() == 0
