"""Tasks queued after commit run in a real worker process against the same database."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from fund.models import LedgerCheck
from fund.services import donation_record
from fund.tasks import ledger_check_run

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_worker_runs_a_task_queued_on_commit(celery_worker_process, fund, donor):
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1500000", received_at=timezone.now()
    )
    with transaction.atomic():
        ledger_check_run.delay_on_commit()
        assert LedgerCheck.objects.count() == 0  # nothing runs before the commit

    check = wait_for(lambda: LedgerCheck.objects.filter(finished_at__isnull=False).first())
    assert check is not None, "the worker never recorded a ledger check"
    assert check.ok, check.problems
    assert check.transactions_checked == 1


def test_task_queued_in_a_rolled_back_transaction_never_runs(celery_worker_process):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        ledger_check_run.delay_on_commit()
        raise Abort

    # A queued task would have finished well within this time (see the test above).
    time.sleep(3)
    assert LedgerCheck.objects.count() == 0


def test_worker_reports_ledger_problems_it_finds(celery_worker_process, fund, donor):
    from django.db import connection

    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="200000", received_at=timezone.now()
    )
    # Tamper behind the trigger's back, as a rogue superuser might; balanced, so only the
    # posting's digest can tell.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE hordak_leg DISABLE TRIGGER hordak_leg_append_only")
        cursor.execute("UPDATE hordak_leg SET debit = debit * 10, credit = credit * 10")
        cursor.execute("ALTER TABLE hordak_leg ENABLE TRIGGER hordak_leg_append_only")
    ledger_check_run.delay()

    check = wait_for(lambda: LedgerCheck.objects.filter(finished_at__isnull=False).first())
    assert check is not None
    assert not check.ok
    assert any("differs from what was posted" in problem for problem in check.problems)
