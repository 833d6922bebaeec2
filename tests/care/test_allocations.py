"""Allocations from proposal to payment: four eyes, never overdrawn, scholarship money kept for
scholarships, posted to the ledger with the analysis a statement needs, and every refusal
writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from djmoney.money import Money
from hordak.models import Leg

from audit.models import AuditEntry
from care.errors import CareError
from care.models import Allocation, AllocationApproval, Beneficiary
from care.services import (
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_propose,
    allocation_reject,
    allocation_reverse,
    allocation_undeliverable,
)
from fund.errors import FundError
from fund.models import Posting
from fund.selectors import fund_available, fund_balance, ledger_problems
from fund.services import fund_update
from tests.support.evidence import handover_attach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are matched in English; the site's default language is Vietnamese."""
    with translation.override("en"):
        yield


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def writes():
    return (
        Allocation.objects.count(),
        AllocationApproval.objects.count(),
        Posting.objects.count(),
        Leg.objects.count(),
        AuditEntry.objects.count(),
        list(Allocation.objects.order_by("pk").values_list("status", flat=True)),
    )


def propose(child, fund, case_worker, amount=1_000_000, kind="cash"):
    allocation = allocation_propose(
        beneficiary=child, fund=fund, kind=kind, amount=vnd(amount), purpose="School shoes", actor=case_worker
    )
    handover_attach(allocation, case_worker)  # so that it may be paid out
    return allocation


def paid(allocation, actor, method="bank_transfer_guardian"):
    return allocation_disburse(allocation=allocation, disbursed_on=timezone.localdate(), method=method, actor=actor)


def test_the_whole_way_posts_tagged_and_leaves_a_clean_ledger(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker, 2_000_000, kind="scholarship")
    assert (allocation.status, allocation.programme, allocation.proposed_by) == ("proposed", "orphan", case_worker)
    allocation_approve(allocation=allocation, actor=manager)
    allocation.refresh_from_db()
    assert allocation.status == "approved" and allocation.approved_at
    paid(allocation, case_worker, method="bank_transfer_school")
    allocation.refresh_from_db()
    posting = allocation.posting
    assert allocation.status == "disbursed"
    assert (posting.kind, posting.purpose, posting.programme, posting.reference) == (
        "allocation",
        "scholarship",
        "orphan",
        f"allocation:{allocation.pk}",
    )
    assert "Demo" not in posting.transaction.description  # the ledger never names the child
    assert fund_balance(funded).allocated == vnd(2_000_000)
    assert fund_available(funded).scholarship_restricted == vnd(3_000_000)
    actions = list(AuditEntry.objects.filter(object_type="care.allocation").values_list("action", flat=True))
    assert sorted(actions) == ["allocation.approve", "allocation.disburse", "allocation.propose"]
    assert ledger_problems().problems == []


def test_a_reversal_gives_the_money_back_and_says_why(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker)
    allocation_approve(allocation=allocation, actor=manager)
    paid(allocation, case_worker)
    allocation_reverse(allocation=allocation, reason="Paid to the wrong account", actor=manager)
    allocation.refresh_from_db()
    assert allocation.status == "reversed" and allocation.closed_reason == "Paid to the wrong account"
    assert allocation.reversal_posting.reverses == allocation.posting
    assert fund_balance(funded).allocated == vnd(0)
    assert ledger_problems().problems == []


def test_the_proposer_can_never_approve(funded, child, manager):
    allocation = propose(child, funded, manager)  # a manager who proposes may not approve it
    before = writes()
    with pytest.raises(CareError, match="someone else"):
        allocation_approve(allocation=allocation, actor=manager)
    assert writes() == before


def test_approving_needs_the_permission(funded, child, case_worker):
    from tests.care.conftest import staff_user

    allocation = propose(child, funded, case_worker)
    other_case_worker = staff_user("other", "add_allocation")
    before = writes()
    with pytest.raises(CareError):
        allocation_approve(allocation=allocation, actor=other_case_worker)
    assert writes() == before


def test_above_the_threshold_two_different_approvers(funded, child, case_worker, manager, second_manager):
    fund_update(fund=funded, name=funded.name, restricted_purpose="", is_active=True, second_approval_above="1000000")
    allocation = propose(child, funded, case_worker, 1_500_000)
    allocation_approve(allocation=allocation, actor=manager)
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    before = writes()
    with pytest.raises(CareError, match="different"):
        allocation_approve(allocation=allocation, actor=manager)
    assert writes() == before
    with pytest.raises(CareError):
        paid(allocation, case_worker)  # one approval is not enough to pay
    assert writes() == before
    allocation_approve(allocation=allocation, actor=second_manager)
    allocation.refresh_from_db()
    assert allocation.status == "approved"
    assert allocation.approvals.count() == 2
    # At the threshold itself one approver is enough.
    small = propose(child, funded, case_worker, 1_000_000)
    allocation_approve(allocation=small, actor=manager)
    small.refresh_from_db()
    assert small.status == "approved"


def test_approvals_never_promise_more_than_the_fund_holds(funded, child, case_worker, manager):
    first = propose(child, funded, case_worker, 3_000_000)
    second = propose(child, funded, case_worker, 500_000)
    third = propose(child, funded, case_worker, 1)
    allocation_approve(allocation=first, actor=manager)
    allocation_approve(allocation=second, actor=manager)  # 3.500.000 ₫ unrestricted in all
    before = writes()
    with pytest.raises(FundError, match="unrestricted"):
        allocation_approve(allocation=third, actor=manager)
    assert writes() == before
    # Scholarship money is still there for a scholarship.
    scholarship = propose(child, funded, case_worker, 5_000_000, kind="scholarship")
    allocation_approve(allocation=scholarship, actor=manager)
    one_more = propose(child, funded, case_worker, 1, kind="scholarship")
    with pytest.raises(FundError):
        allocation_approve(allocation=one_more, actor=manager)
    # Cancelling frees what an approval reserved.
    allocation_cancel(allocation=first, reason="Paid by the school instead", actor=case_worker)
    allocation_approve(allocation=third, actor=manager)


def test_scholarship_money_never_pays_cash(fund, donor, child, case_worker, manager):
    from tests.care.conftest import give

    give(fund, donor, 5_000_000, kind="scholarship")
    allocation = propose(child, fund, case_worker, 1_000)
    before = writes()
    with pytest.raises(FundError, match="kept for scholarships"):
        allocation_approve(allocation=allocation, actor=manager)
    assert writes() == before


def test_disbursing_checks_the_money_again(funded, child, case_worker, manager, donor):
    allocation = propose(child, funded, case_worker, 500_000)
    allocation_approve(allocation=allocation, actor=manager)
    # The cash box holds 500.000 ₫; pay 500.000 ₫ of it through another allocation first.
    other = propose(child, funded, case_worker, 500_000)
    allocation_approve(allocation=other, actor=manager)
    paid(other, case_worker, method="cash")
    before = writes()
    with pytest.raises(FundError, match="Cash on hand"):
        paid(allocation, case_worker, method="cash")
    assert writes() == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [(vnd(0), "greater than zero"), (vnd(-5_000), "greater than zero"), (Money(Decimal(10), "USD"), "USD")],
)
def test_bad_amounts_are_refused(funded, child, case_worker, amount, message):
    before = writes()
    with pytest.raises(CareError, match=message):
        allocation_propose(
            beneficiary=child, fund=funded, kind="cash", amount=amount, purpose="Food", actor=case_worker
        )
    assert writes() == before


def test_nothing_from_a_closed_fund(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker)
    fund_update(fund=funded, name=funded.name, restricted_purpose="", is_active=False)
    before = writes()
    with pytest.raises(CareError, match="closed"):
        propose(child, funded, case_worker)
    with pytest.raises(CareError, match="closed"):
        allocation_approve(allocation=allocation, actor=manager)
    assert writes() == before


def test_nothing_for_a_person_who_left_care(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker)
    allocation_approve(allocation=allocation, actor=manager)
    Beneficiary.objects.filter(pk=child.pk).update(left_on=datetime.date(2026, 6, 1))
    before = writes()
    with pytest.raises(CareError, match="left care"):
        propose(child, funded, case_worker)
    with pytest.raises(CareError, match="undeliverable"):
        paid(allocation, case_worker)
    assert writes() == before
    allocation_undeliverable(allocation=allocation, reason="Returned to the family", actor=case_worker)
    allocation.refresh_from_db()
    assert allocation.status == "undeliverable" and allocation.posting is None


def test_an_unapproved_allocation_is_never_paid(funded, child, case_worker):
    allocation = propose(child, funded, case_worker)
    before = writes()
    with pytest.raises(CareError, match="approved"):
        paid(allocation, case_worker)
    assert writes() == before


def test_a_rejection_says_why_and_ends_it(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker)
    with pytest.raises(FundError):
        allocation_reject(allocation=allocation, reason="  ", actor=manager)
    allocation_reject(allocation=allocation, reason="Covered by the school", actor=manager)
    allocation.refresh_from_db()
    assert (allocation.status, allocation.closed_reason) == ("rejected", "Covered by the school")
    with pytest.raises(CareError):
        allocation_approve(allocation=allocation, actor=manager)


def test_the_database_refuses_a_paid_allocation_without_a_posting(funded, child, case_worker):
    from django.db import IntegrityError, transaction

    allocation = propose(child, funded, case_worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(
            status="disbursed", approved_at=timezone.now(), disbursed_on=timezone.localdate(), method="cash"
        )


def test_check_ledger_finds_an_allocation_its_posting_disagrees_with(funded, child, case_worker, manager):
    allocation = propose(child, funded, case_worker)
    allocation_approve(allocation=allocation, actor=manager)
    allocation = paid(allocation, case_worker)
    assert ledger_problems().problems == []
    Allocation.objects.filter(pk=allocation.pk).update(amount=vnd(2_000_000))
    assert ledger_problems().problems == [
        f"Allocation {allocation.pk} is 2000000.00 but posting {allocation.posting_id} paid 1000000.00"
    ]
