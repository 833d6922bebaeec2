"""Statement imports run as jobs: streamed from the file, staged, stored once, matched in chunks
with the per-line matcher's outcome, through the task, the command and the progress page."""

import datetime
import io
import os

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from fund.models import Donation, Posting
from fund.selectors import ledger_problems
from fund.services import donation_record
from payments.bank_columns import mapping_get
from payments.bank_statements import ParsedStatement, line_fingerprints, statement_read
from payments.bank_stream import statement_stream
from payments.models import BankImportJob, BankImportLine, BankTransaction
from payments.services.bank_import import bank_statement_import
from payments.services.bank_jobs import (
    bank_import_job_create,
    bank_import_job_retry,
    bank_import_job_run,
    bank_import_jobs_sweep,
)
from tests.support.concurrency import run_together

from .conftest import HEADER, days_ago, statement_csv, table_counts, vn_date

GENERIC = mapping_get("generic")


def write(tmp_path, content: bytes, name: str = "sao-ke.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def run_file(path: str, **extra) -> BankImportJob:
    job = bank_import_job_create(filename=os.path.basename(path), queue=False, **extra)
    return bank_import_job_run(job_id=job.pk, path=path)


def outcome(statement_ids) -> dict[str, tuple]:
    """Each stored line's fate, by fingerprint: status, reason, gift and the gift's state."""
    rows = BankTransaction.objects.filter(statement_id__in=statement_ids).select_related("donation")
    return {
        line.fingerprint: (
            line.status,
            line.reason,
            line.donation_id,
            line.donation.status if line.donation else None,
            line.donation.received_at if line.donation else None,
            line.donation.channel if line.donation else None,
        )
        for line in rows
    }


def test_fingerprints_computed_in_the_database_are_the_files(tmp_path, db):
    day = vn_date(days_ago(1))
    rows = [
        [day, "100.000", "", "Ủng hộ  đồng bào", "Trần Thị Đào"],
        [day, "100.000", "", "ỦNG HỘ ĐỒNG BÀO", "TRẦN THỊ ĐÀO"],  # the same line, case aside: a second transfer
        [day, "100.000", "", "Straße  ß", ""],  # casefold differs from lower()
        [day, "100.000", "", "Straße  ß", ""],
        [day, "250.000", "", "x", "y"],
    ]
    content = statement_csv(rows)
    job = run_file(write(tmp_path, content))

    expected = line_fingerprints(statement_read(content=content, mapping=GENERIC, currency="VND").lines)
    stored = list(
        BankTransaction.objects.filter(statement=job.statement).order_by("pk").values_list("fingerprint", flat=True)
    )
    assert stored == expected
    assert len(set(stored)) == 5
    assert BankImportLine.objects.count() == 0  # the staging is emptied at the end

    again = run_file(write(tmp_path, content, "again.csv"))
    assert (again.status, again.line_count, again.new_count) == ("done", 5, 0)


@pytest.fixture
def appeal(fund, donor, pledge):
    """Pledges, and a statement of 20,000 lines (four of the matcher's chunks) paying some of them
    in every way the matcher knows: by reference, by amount and sender, the wrong sum, a gift
    named twice, a pledge of goods, ambiguous sums, a stranger's transfer of a pledged sum, and
    many unannounced gifts."""
    by_reference = [pledge(f"{100 + i % 7}000") for i in range(150)]
    by_amount = [pledge(f"{7_000_003 + 10 * i}") for i in range(60)]
    pledge("333000"), pledge("333000")  # two pledges of one sum: ambiguous
    goods = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "350000"}],
    )
    day = vn_date(days_ago(1))
    rows = []
    for index in range(20_000):
        pick = index % 250
        if pick < 3 and len(by_reference) > index // 250 * 3 + pick:
            gift = by_reference[index // 250 * 3 + pick]
            rows.append([day, f"{gift.amount.amount:.0f}", "", f"UNG HO {gift.reference} {index}", f"A {index}"])
        elif pick == 3 and index // 250 < len(by_amount):
            gift = by_amount[index // 250]
            name = donor.name.upper() if index % 2 else "someone else"
            rows.append([day, f"{gift.amount.amount:.0f}", "", f"ung ho {index}", name])
        elif pick == 4 and index // 250 < len(by_reference):
            gift = by_reference[index // 250]
            rows.append([day, f"{gift.amount.amount + 1000:.0f}", "", f"CK {gift.reference} lan 2 {index}", "B"])
        elif pick == 5 and index < 2000:
            rows.append([day, "333.000", "", f"ung ho {index}", "C"])
            rows.append([day, "350.000", "", f"hang {goods.reference}", "D"])
        else:
            rows.append([day, f"{(index % 90 + 10) * 10_000 + 5_000}", "", f"MBVCB.{index}.ung ho", f"E {index}"])
    return statement_csv(rows[:20_000])


def test_a_long_statement_streamed_matches_exactly_as_line_by_line(tmp_path, appeal, user):
    path = write(tmp_path, appeal)
    parsed = ParsedStatement(lines=[], currency="VND")
    for chunk in statement_stream(path=path, mapping=GENERIC, currency="VND", parsed=parsed):
        parsed.lines.extend(chunk)
    assert len(parsed.lines) == 20_000

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        statement = bank_statement_import(parsed=parsed, per_line=True, actor=user)
        one_by_one = outcome([statement.pk])
        one_by_one_audit = AuditEntry.objects.filter(action="bank_transaction.match").count()
        raise Undo

    job = run_file(path, actor=user)

    assert job.status == "done", job.error
    assert (job.line_count, job.new_count) == (20_000, 20_000)
    in_chunks = outcome([job.statement_id])
    assert in_chunks == one_by_one
    assert job.matched_count == sum(1 for fate in one_by_one.values() if fate[0] == "matched") >= 200
    assert AuditEntry.objects.filter(action="bank_transaction.match").count() == one_by_one_audit
    assert Posting.objects.filter(donation__bank_transaction__statement=job.statement).count() == job.matched_count
    assert ledger_problems().problems == []


def test_a_bad_row_far_down_refuses_the_whole_file_with_nothing_stored(tmp_path, pledge):
    gift = pledge("500000")
    day = vn_date(days_ago(1))
    rows = [[day, "500.000", "", f"UNG HO {gift.reference}", "A"]]
    rows += [[day, f"{10 + i % 500}.000", "", f"ung ho {i}", "B"] for i in range(12_000)]
    rows.append([day, "năm trăm", "", "x", ""])
    before = table_counts()

    job = run_file(write(tmp_path, statement_csv(rows)))

    assert job.status == "failed"
    assert job.error == "Row 12006: the amount 'năm trăm' is not a number."
    assert job.statement is None
    assert BankImportLine.objects.count() == 0  # the chunks staged before the bad row are gone
    after = table_counts()
    assert after == before | {"audit": before["audit"] + 2}  # the job's creation and its refusal
    assert Donation.objects.get(pk=gift.pk).status == "pledged"


def test_an_xlsx_statement_is_read_row_by_row(tmp_path, pledge):
    gift = pledge("500000")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["SAO KÊ"])
    sheet.append(HEADER)
    sheet.append(
        [datetime.datetime.combine(days_ago(1), datetime.time()), 500000, None, f"ung ho {gift.reference}", "A"]
    )
    sheet.append([vn_date(days_ago(1)), "90.000", None, "LAI", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = run_file(write(tmp_path, buffer.getvalue(), "sao-ke.xlsx"))

    assert (job.status, job.new_count, job.matched_count, job.review_count) == ("done", 2, 1, 1)


def test_an_upload_becomes_a_job_a_worker_runs_after_the_commit(pledge, user, django_capture_on_commit_callbacks):
    gift = pledge("500000")
    content = statement_csv([[vn_date(days_ago(1)), "500.000", "", f"UNG HO {gift.reference}", "A"]])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        job = bank_import_job_create(upload=ContentFile(content, name="sao-ke.csv"), actor=user)
        assert BankImportJob.objects.get(pk=job.pk).status == "queued"
    assert queued[0].func.__name__ == "_job_send"  # then the gift's receipt, queued by the job
    assert [call.args for call in queued[1:]] == [("receipts.tasks.receipt_issue_for_gift", gift.pk)]
    job.refresh_from_db()
    assert (job.status, job.matched_count, job.created_by) == ("done", 1, user)
    assert job.stored_name.startswith("bank-statements/") and job.stored_name.endswith("sao-ke.csv")
    assert job.statement.imported_by == user
    assert Donation.objects.get(pk=gift.pk).status == "received"


def test_a_refused_job_says_why_and_can_run_again(pledge, user, django_capture_on_commit_callbacks):
    content = statement_csv([[vn_date(days_ago(1)), "abc", "", "x", "A"]])
    with django_capture_on_commit_callbacks(execute=True):
        job = bank_import_job_create(upload=ContentFile(content, name="bad.csv"), actor=user)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Row 5: the amount 'abc' is not a number.")
    with django_capture_on_commit_callbacks(execute=True):
        bank_import_job_retry(job=job, actor=user)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)  # the same file, refused again


def test_the_sweep_queues_a_job_whose_worker_went_quiet(pledge, django_capture_on_commit_callbacks, settings):
    gift = pledge("500000")
    content = statement_csv([[vn_date(days_ago(1)), "500.000", "", f"UNG HO {gift.reference}", "A"]])
    job = bank_import_job_create(upload=ContentFile(content, name="lost.csv"))  # its task never ran
    BankImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert bank_import_jobs_sweep() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.matched_count) == ("done", 1)

    stuck = bank_import_job_create(upload=ContentFile(content, name="stuck.csv"))
    BankImportJob.objects.filter(pk=stuck.pk).update(
        attempts=settings.BANK_IMPORT_MAX_ATTEMPTS, heartbeat_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert bank_import_jobs_sweep() == {"requeued": 0, "failed": 1}
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "Stopped after 5 attempts." in stuck.error


def test_the_command_prints_progress_and_the_outcome(tmp_path, pledge):
    gift = pledge("500000")
    day = vn_date(days_ago(1))
    path = write(
        tmp_path, statement_csv([[day, "500.000", "", f"UNG HO {gift.reference}", "A"], [day, "9.000", "", "x", ""]])
    )
    out, err = io.StringIO(), io.StringIO()

    call_command("bank_import", path, "--account", "generic", "--currency", "VND", stdout=out, stderr=err)

    job = BankImportJob.objects.get()
    assert (
        out.getvalue()
        .strip()
        .startswith(f"Statement #{job.statement_id}: 2 incoming lines, 2 new, 1 matched, 1 to review in ")
    )
    progress = err.getvalue().split("\r")[-1]
    assert "2 lines read, 2 new: 1 matched, 1 to review" in progress
    assert "lines decided/s" in progress

    bad = write(tmp_path, statement_csv([[day, "abc", "", "x", ""]]), "bad.csv")
    before = table_counts()
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("bank_import", bad, stdout=io.StringIO(), stderr=err)
    assert "Row 5: the amount 'abc' is not a number." in err.getvalue()
    assert table_counts()["lines"] == before["lines"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_statements_imported_at_once_store_each_line_once(
    restore_migrated_rows_after_flush, tmp_path, pledge
):
    gifts = [pledge(f"{100 + i}000") for i in range(40)]
    day = vn_date(days_ago(0))
    rows = [[day, f"{gift.amount.amount:.0f}", "", f"UNG HO {gift.reference}", "A"] for gift in gifts]
    rows += [[day, f"{20 + i}.000", "", f"ung ho {i}", "B"] for i in range(3000)]
    rows += [[day, "50.000", "", "ung ho", "C"]] * 3  # three genuine transfers, identical
    first = write(tmp_path, statement_csv(rows[:2000] + rows[-3:]), "first.csv")
    second = write(tmp_path, statement_csv(rows[20:]), "second.csv")  # overlaps the first

    outcomes = run_together(lambda: run_file(first).status, lambda: run_file(second).status)

    assert outcomes == ["done", "done"], outcomes
    assert BankTransaction.objects.count() == len(rows)
    assert BankTransaction.objects.filter(status="matched").count() == 40
    assert Posting.objects.count() == 40
    assert sum(BankImportJob.objects.values_list("new_count", flat=True)) == len(rows)
    assert ledger_problems().problems == []
