"""Many goods issues at once, each thread on its own connection, against a stock holding fewer
than all of them: the stock never goes below zero, exactly what was there is issued, and
check_ledger is clean afterwards."""

from decimal import Decimal

import pytest
from django.utils import timezone

from care.models import Allocation, AllocationLine, StockMovement
from care.selectors import stock_on_hand
from care.services import allocation_goods_issue
from fund.errors import FundError
from fund.selectors import fund_goods_in_stock, ledger_problems
from tests.support.concurrency import run_through_connections
from tests.support.evidence import handover_attach

from .conftest import staff_user
from .stock_helpers import goods_gift, item, vnd


def issue_one(allocation_id: int, case_worker_id: int) -> str:
    from django.contrib.auth.models import User

    try:
        allocation_goods_issue(
            allocation=Allocation.objects.get(pk=allocation_id),
            handed_over_on=timezone.localdate(),
            recipient="child",
            actor=User.objects.get(pk=case_worker_id),
        )
    except FundError:  # CareError is one too
        return "refused"
    return "issued"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixty_issues_at_once_never_take_stock_below_zero(restore_migrated_rows_after_flush, fund, donor, child):
    goods_gift(fund, donor, ("Gạo", 25, "kg", 500_000))
    rice = item("Gạo", "kg")
    case_worker = staff_user("caseworker", "add_allocation", "disburse_allocation")
    # Approved beyond the stock on purpose (as a refund or a count could leave them), so that
    # only the issue's own check under the fund lock stands between them and a negative stock.
    allocations = []
    for _ in range(60):
        allocation = Allocation.objects.create(
            beneficiary=child,
            fund=fund,
            kind="in_kind",
            amount=vnd(20_000),
            purpose="Rice",
            programme=child.programme,
            proposed_by=case_worker,
            status="approved",
            approved_at=timezone.now(),
        )
        AllocationLine.objects.create(allocation=allocation, item=rice, restriction="in_kind", quantity=Decimal("1"))
        handover_attach(allocation)
        allocations.append(allocation)
    jobs = [lambda pk=a.pk: issue_one(pk, case_worker.pk) for a in allocations]
    outcomes = run_through_connections(jobs, connections=12)

    assert len(outcomes) == 60
    assert set(outcomes) <= {"issued", "refused"}  # no deadlock, no other failure
    assert outcomes.count("issued") == 25
    assert stock_on_hand(fund=fund, item=rice, restriction="in_kind") == (Decimal("0"), vnd(0))
    assert StockMovement.objects.filter(kind="issue").count() == 25
    assert fund_goods_in_stock(fund=fund) == vnd(0)
    assert ledger_problems().problems == []


def approve_then_issue(allocation_id: int, manager_id: int, case_worker_id: int) -> str:
    from django.contrib.auth.models import User

    from care.services import allocation_approve

    try:
        allocation_approve(allocation=Allocation.objects.get(pk=allocation_id), actor=User.objects.get(pk=manager_id))
    except FundError:
        return "refused at approval"
    return issue_one(allocation_id, case_worker_id)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_approvals_at_once_never_promise_more_goods_than_there_are(
    restore_migrated_rows_after_flush, fund, donor, child
):
    from .stock_helpers import propose_goods

    goods_gift(fund, donor, ("Vở", 15, "quyển", 150_000), kind="supplies")
    notebooks = item("Vở", "quyển")
    case_worker = staff_user("caseworker", "add_allocation", "disburse_allocation")
    manager = staff_user("manager", "approve_allocation")
    allocations = [
        propose_goods(child, fund, case_worker, (notebooks, "supplies", 1), kind="supplies") for _ in range(40)
    ]
    for allocation in allocations:
        handover_attach(allocation)
    jobs = [lambda pk=a.pk: approve_then_issue(pk, manager.pk, case_worker.pk) for a in allocations]
    outcomes = run_through_connections(jobs, connections=12)

    # Every approval found its goods at the handover: none was approved and then refused.
    assert sorted(set(outcomes)) == ["issued", "refused at approval"]
    assert outcomes.count("issued") == 15
    assert stock_on_hand(fund=fund, item=notebooks, restriction="supplies") == (Decimal("0"), vnd(0))
    assert not Allocation.objects.filter(status="approved").exists()
    assert ledger_problems().problems == []
