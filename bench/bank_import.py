"""A national appeal's bank statement: N lines (1,000,000; 20,000 with quick) imported and
matched through the import job, against a baseline of a plain COPY of the same rows into a
table of the same shape. Targets: a million lines in under 300 s (in proportion for fewer), and
the process grows by at most 100 MB whatever the file's size.

The mix, as an appeal's statement looks: 10% pay a pledge by its reference, 4% pay a pledge
by amount and date (the sender is its donor), 1% name a gift with the wrong sum (to review),
5% repeat lines of a statement imported the day before (an overlapping export: not new),
80% are unannounced gifts with no reference and no pledge of their sum (to review).

Gift receipts are not issued during the run (receipts' receiver is disconnected, as in
bench/statements.py): a worker issues them afterwards, and their cost is measured there.

Run alone: `python -m bench.bank_import [--quick]`.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import time

FULL, QUICK = 1_000_000, 20_000
MEMORY_GROWTH_MB = 100
HEADER = ["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung", "Tên người chuyển"]
DONOR_NAME = "Nguyễn Văn Bình"
_COMMON = [100_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000, 5_000_000]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pledges(count: int, amounts, fund, donor, pledged_at):
    from fund.models import Donation

    rows = []
    made = []
    for amount in amounts:
        rows.append(
            Donation(
                fund=fund,
                donor=donor,
                kind=Donation.Kind.CASH,
                channel=Donation.Channel.BANK_TRANSFER,
                amount=amount,
                pledged_at=pledged_at,
                receipt_language="vi",
            )
        )
        if len(rows) >= 5000:
            made += [(gift.reference, gift.amount.amount) for gift in Donation.objects.bulk_create(rows)]
            rows = []
    if rows:
        made += [(gift.reference, gift.amount.amount) for gift in Donation.objects.bulk_create(rows)]
    return made


def _write_statement(path, lines: int, seed: int, by_reference, by_amount, earlier_rows):
    """The statement file, written as it is generated (nothing held but the pledges' keys)."""
    rng = random.Random(seed)
    today = datetime.date.today()
    earlier = iter(earlier_rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"])
        writer.writerow(HEADER)
        ref_index = amount_index = 0
        for index in range(lines):
            day = (today - datetime.timedelta(days=1 + index % 10)).strftime("%d/%m/%Y")
            pick = index % 100
            if pick < 10 and ref_index < len(by_reference):
                reference, amount = by_reference[ref_index]
                ref_index += 1
                writer.writerow(
                    [day, f"{amount:.0f}", "", f"UNG HO BAO LU {reference} MB{index}", f"NGUYEN VAN {index}"]
                )
            elif pick < 14 and amount_index < len(by_amount):
                _reference, amount = by_amount[amount_index]
                amount_index += 1
                writer.writerow([day, f"{amount:.0f}", "", f"ung ho dong bao mien trung {index}", "NGUYEN VAN BINH"])
            elif pick < 15 and ref_index < len(by_reference):
                reference, amount = by_reference[ref_index]
                ref_index += 1
                writer.writerow([day, f"{amount + 1000:.0f}", "", f"CK {reference} {index}", f"TRAN THI {index}"])
            elif pick < 20 and (row := next(earlier, None)) is not None:
                writer.writerow(row)
            else:
                amount = rng.choice(_COMMON) + rng.randrange(0, 50) * 1000
                writer.writerow([day, f"{amount}", "", f"MBVCB.{index}.ung ho lu lut", f"NHA HAO TAM {index}"])


def _earlier_rows(count: int):
    today = datetime.date.today()
    for index in range(count):
        day = (today - datetime.timedelta(days=2 + index % 8)).strftime("%d/%m/%Y")
        yield [day, f"{150_000 + (index % 40) * 1000}", "", f"chuyen khoan ung ho {index} FT{index}", f"LE VAN {index}"]


def _copy_baseline(path) -> float:
    """Read the file and COPY its rows into a scratch table shaped like the bank lines'."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_bank_copy (booked_on text, credit text, debit text, description text, "
            "counterparty text) ON COMMIT DROP"
        )
        with open(path, newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            next(rows)
            next(rows)
            with cursor.cursor.copy("COPY bench_bank_copy FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return time.perf_counter() - start


class _Phases:
    """When the job moved from reading to matching (storing happens in between)."""

    def __init__(self):
        self.start = time.perf_counter()
        self.read_until = self.match_from = None

    def note(self, job):
        now = time.perf_counter()
        if job.status == "reading":
            self.read_until = now
        elif self.match_from is None:
            self.match_from = now

    def summary(self, end):
        if self.read_until is None or self.match_from is None:
            return ""
        return (
            f"; reading {self.read_until - self.start:.0f} s, storing {self.match_from - self.read_until:.0f} s, "
            f"matching {end - self.match_from:.0f} s"
        )


def run(quick: bool = False):
    from django.utils import timezone

    from donors.services import donor_create
    from fund.services import fund_create, ledger_check_run
    from fund.signals import donation_received
    from payments.models import BankImportJob
    from payments.services.bank_jobs import bank_import_job_create, bank_import_job_run
    from receipts.signals import issue_on_receive

    lines = int(os.environ.get("BENCH_BANK_LINES", "0")) or (QUICK if quick else FULL)
    donation_received.disconnect(dispatch_uid="receipts.issue_on_receive")
    try:
        fund = fund_create(name="Quỹ cứu trợ bão lũ", code="BAO")
        donor = donor_create(kind="person", name=DONOR_NAME)
        pledged_at = timezone.now() - datetime.timedelta(days=12)
        by_reference = _pledges(
            lines // 100 * 11, [_COMMON[i % len(_COMMON)] for i in range(lines // 100 * 11)], fund, donor, pledged_at
        )
        by_amount = _pledges(
            lines // 100 * 4, [7_000_003 + 10 * i for i in range(lines // 100 * 4)], fund, donor, pledged_at
        )
        with tempfile.TemporaryDirectory() as folder:
            earlier_path = os.path.join(folder, "earlier.csv")
            path = os.path.join(folder, "appeal.csv")
            earlier_count = lines // 100 * 5
            with open(earlier_path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\r\n")
                writer.writerow(HEADER)
                writer.writerows(_earlier_rows(earlier_count))
            earlier_job = bank_import_job_create(filename="earlier.csv", queue=False)
            bank_import_job_run(job_id=earlier_job.pk, path=earlier_path)
            _write_statement(path, lines, 2024, by_reference, by_amount, _earlier_rows(earlier_count))
            size_mb = os.path.getsize(path) / 1024 / 1024

            baseline = _copy_baseline(path)
            rss_before = _rss_mb()
            phases = _Phases()
            job = bank_import_job_create(filename="appeal.csv", queue=False)
            start = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                job = profiler.runcall(bank_import_job_run, job_id=job.pk, path=path)
                pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE")).print_stats(
                    os.environ.get("BENCH_PROFILE_FILTER", ""), 45
                )
            else:
                job = bank_import_job_run(job_id=job.pk, path=path, progress=phases.note)
            seconds = time.perf_counter() - start
            split = phases.summary(time.perf_counter())
            rss_peak = _rss_mb()
        assert job.status == BankImportJob.Status.DONE, job.error
        check = ledger_check_run()
        assert check.ok, check.problems[:5]
    finally:
        donation_received.connect(issue_on_receive, dispatch_uid="receipts.issue_on_receive")
    from .table import Row

    # Each phase's time, the counts and the memory for the log; the table keeps the figures.
    print(
        f"bank_import: {lines / seconds:,.0f} lines/s; {job.new_count:,} new, {job.matched_count:,} matched, "
        f"{job.review_count:,} to review; ledger check ok over {check.transactions_checked:,} transactions{split}",
        file=sys.stderr,
    )
    yield Row(
        name=f"bank_import: {lines:,} lines ({size_mb:.0f} MB) imported and matched",
        figure=seconds,
        unit="s",
        baseline=baseline,
        baseline_unit="s",
        baseline_name="COPY of the rows",
        # The issue's target is absolute: a million lines in five minutes (in proportion for fewer).
        target=round(300 * lines / FULL, 1),
        direction="<=",
        absolute=True,
    )
    yield Row(
        name="bank_import: memory peak growth during the import",
        figure=round(rss_peak - rss_before, 1),
        unit="MB",
        baseline=round(rss_before, 1),
        baseline_unit="MB",
        baseline_name="process before the import",
        # Streaming keeps it flat whatever the file's size; a file read whole would be hundreds of MB.
        target=MEMORY_GROWTH_MB,
        direction="<=",
        absolute=True,
    )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_chungtay_bank")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from bench.table import format_table

    try:
        print(format_table(list(run(quick="--quick" in sys.argv))))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
