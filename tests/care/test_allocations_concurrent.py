"""200 approvals and payments at once, each thread on its own connection, against a fund whose
money (and whose scholarship money) covers fewer than all of them: neither ever goes below
zero, no approval promises money that its payment then cannot find, and check_ledger is clean."""

from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from care.models import Allocation
from care.services import allocation_approve, allocation_disburse, allocation_propose
from fund.errors import FundError
from fund.selectors import fund_available, fund_balance, ledger_problems
from tests.support.concurrency import run_through_connections
from tests.support.evidence import handover_attach

from .conftest import give, staff_user

UNIT = Money(Decimal(50_000), "VND")


def approve_then_pay(allocation_id: int, manager_id: int, case_worker_id: int) -> str:
    from django.contrib.auth.models import User

    allocation = Allocation.objects.get(pk=allocation_id)
    try:
        allocation_approve(allocation=allocation, actor=User.objects.get(pk=manager_id))
    except FundError:  # CareError is one too
        return f"{allocation.kind} refused at approval"
    allocation_disburse(
        allocation=allocation,
        disbursed_on=timezone.localdate(),
        method="bank_transfer_guardian",
        actor=User.objects.get(pk=case_worker_id),
    )
    return f"{allocation.kind} paid"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_hundred_at_once_never_overdraw(restore_migrated_rows_after_flush, fund, donor, child):
    give(fund, donor, 3_000_000)  # 60 units anyone may use
    give(fund, donor, 2_000_000, kind="scholarship")  # 40 units for scholarships only
    manager = staff_user("manager", "approve_allocation")
    case_worker = staff_user("caseworker", "add_allocation", "disburse_allocation")
    # 100 cash and 100 scholarship allocations: 10.000.000 ₫ asked of a fund holding 5.000.000 ₫.
    allocations = [
        allocation_propose(beneficiary=child, fund=fund, kind=kind, amount=UNIT, purpose="Support", actor=case_worker)
        for kind in ("cash", "scholarship")
        for _ in range(100)
    ]
    for allocation in allocations:
        handover_attach(allocation)  # a payment needs a handover on file
    jobs = [lambda pk=allocation.pk: approve_then_pay(pk, manager.pk, case_worker.pk) for allocation in allocations]
    outcomes = run_through_connections(jobs, connections=16)

    assert len(outcomes) == 200
    unexpected = [o for o in outcomes if not o.endswith(("paid", "refused at approval"))]
    assert unexpected == []  # no deadlock, and no approved allocation its payment could not cover
    paid = Allocation.objects.filter(status="disbursed")
    paid_cash = paid.filter(kind="cash").count()
    assert paid.count() == 100  # exactly the money there was: 5.000.000 ₫ in 50.000 ₫ units
    assert paid_cash <= 60  # cash never touched the 40 units of scholarship money
    assert not Allocation.objects.filter(status="approved").exists()
    available = fund_available(fund)
    assert available.cash == Money(0, "VND") and available.bank == Money(0, "VND")
    assert available.scholarship_restricted >= Money(0, "VND")
    assert fund_balance(fund).allocated == Money(5_000_000, "VND")
    assert ledger_problems().problems == []
