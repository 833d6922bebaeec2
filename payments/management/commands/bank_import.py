"""`manage.py bank_import FILE --account <columns preset> [--currency VND]`: import a bank
statement of any length in the foreground, through the same job as the admin's upload, with a
progress line on stderr (lines read, matched, to review, lines per second).

Exit status 0 when the statement is stored and matched; a refused file prints each bad row and
exits non-zero with nothing stored.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from payments.bank_columns import MAPPING_PRESETS
from payments.models import BankImportJob
from payments.services.bank_jobs import bank_import_job_create, bank_import_job_run


class Command(BaseCommand):
    help = "Import a bank statement file (CSV or XLSX) and match its lines, showing progress."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The statement export (CSV or XLSX).")
        parser.add_argument(
            "--account", default="generic", choices=sorted(MAPPING_PRESETS), help="The bank's column preset."
        )
        parser.add_argument("--currency", default=None, help="The account's currency (default: the site's).")

    def handle(self, *args, **options):
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"No such file: {path}")
        job = bank_import_job_create(
            filename=os.path.basename(path), mapping=options["account"], currency=options["currency"], queue=False
        )
        started = time.monotonic()
        last = [0.0]

        def progress(job: BankImportJob, final: bool = False) -> None:
            now = time.monotonic()
            if not final and now - last[0] < 1:
                return
            last[0] = now
            seconds = max(now - started, 1e-6)
            if job.status == BankImportJob.Status.READING:
                done, what = job.lines_read, "read"
                line = f"{job.lines_read:,} lines read"
            else:
                done, what = job.decided_count, "decided"
                line = (
                    f"{job.lines_read:,} lines read, {job.new_count:,} new: {job.matched_count:,} matched, "
                    f"{job.review_count:,} to review"
                )
            self.stderr.write(f"\r{line} · {done / seconds:,.0f} lines {what}/s · {seconds:,.0f} s   ", ending="")
            self.stderr.flush()

        job = bank_import_job_run(job_id=job.pk, path=path, progress=progress)
        progress(job, final=True)
        self.stderr.write("")
        if job.status == BankImportJob.Status.FAILED:
            for message in job.error.splitlines():
                self.stderr.write(self.style.ERROR(message))
            raise CommandError(f"Statement refused: nothing was stored (import #{job.pk}).")
        self.stdout.write(
            f"Statement #{job.statement_id}: {job.line_count} incoming lines, {job.new_count} new, "
            f"{job.matched_count} matched, {job.review_count} to review "
            f"in {time.monotonic() - started:.1f} s."
        )
