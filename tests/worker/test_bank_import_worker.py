"""A statement upload's job, queued on commit, run to its end by a real worker process."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fund.models import Donation
from fund.selectors import ledger_problems
from fund.services import donation_record
from payments.models import BankImportJob
from payments.services.bank_jobs import bank_import_job_create
from tests.payments.bank.conftest import days_ago, statement_csv, vn_date

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_worker_reads_stores_and_matches_an_uploaded_statement(celery_worker_process, fund, donor):
    gift = donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="bank_transfer",
        amount="500000",
        pledged_at=timezone.now() - datetime.timedelta(days=3),
    )
    day = vn_date(days_ago(1))
    rows = [[day, "500.000", "", f"UNG HO {gift.reference}", "A"]]
    rows += [[day, f"{10 + i}.000", "", f"ung ho {i}", "B"] for i in range(6000)]  # two chunks
    with transaction.atomic():
        job = bank_import_job_create(upload=ContentFile(statement_csv(rows), name="sao-ke.csv"))
        assert BankImportJob.objects.get(pk=job.pk).status == "queued"  # nothing runs before the commit

    done = wait_for(lambda: BankImportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).first(), 120)
    assert done is not None, "the worker never finished the import"
    assert (done.status, done.new_count, done.matched_count, done.review_count) == ("done", 6001, 1, 6000), done.error
    assert Donation.objects.get(pk=gift.pk).status == "received"
    assert ledger_problems().problems == []
