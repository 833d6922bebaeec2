"""`manage.py issue_annual_receipts 2026`: every donor's statement of gifts for a fiscal year.

Donors are handed to Celery tasks in chunks (workers issue in parallel); the command then
watches the database (statements issued against donors expected, emails sent against emails
queued) until everything is done or --timeout runs out, and prints a summary. Running it again
issues only what is missing, so a second run after a complete one issues nothing and says so.
"""

from __future__ import annotations

import argparse
import datetime
import time

from celery import current_app
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from receipts.errors import ReceiptError
from receipts.fiscal import fiscal_year_bounds
from receipts.selectors_statements import period_progress
from receipts.services.statements import statements_issue_period

BAR_WIDTH = 30
# Without a terminal (cron, a log file) a line every so often is enough to show it moves.
PLAIN_LINE_SECONDS = 10.0


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _bar(done: int, total: int) -> str:
    share = min(done / total, 1.0) if total else 1.0
    filled = round(BAR_WIDTH * share)
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {share * 100:3.0f}%"


class Command(BaseCommand):
    help = "Issue (and email) the statement of gifts of every donor with gifts received in a fiscal year."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="Fiscal year, numbered by the calendar year it starts in.")
        parser.add_argument("--from-date", type=_date, help="First day of the period instead of the year's.")
        parser.add_argument("--to-date", type=_date, help="Last day of the period instead of the year's.")
        parser.add_argument(
            "--wait",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Watch the workers until every statement is issued and emailed (default), or only queue them.",
        )
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds to wait at most (default 3600).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at the database.")

    def handle(self, *args, **options):
        start, end = fiscal_year_bounds(options["year"])
        start = options["from_date"] or start
        end = options["to_date"] or end
        if end > timezone.localdate():
            raise CommandError(
                f"The period ends on {end:%Y-%m-%d}, after today: a statement is issued once its period is over "
                "(give --to-date for a shorter period)."
            )
        self.started = timezone.now()
        if current_app.conf.task_always_eager:
            self.stdout.write("No Celery broker configured: statements are issued in this process.")
        try:
            dispatch = statements_issue_period(start=start, end=end)
        except ReceiptError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Statements for {start:%Y-%m-%d} to {end:%Y-%m-%d}: {dispatch.donors} donor(s) with gifts, "
            f"{dispatch.existing} already have one, {dispatch.queued} queued in {dispatch.tasks} task(s)."
        )
        if not dispatch.queued:
            self.stdout.write(
                self.style.SUCCESS("Nothing new to issue: every donor with gifts in the period has a statement.")
            )
            self._summary(dispatch, expected=0)
            return
        if not options["wait"]:
            self.stdout.write("Queued. Run the same command again later to see what is still missing.")
            return
        finished = self._watch(start, end, expected=dispatch.queued, options=options)
        self._summary(dispatch, expected=dispatch.queued, start=start, end=end)
        if not finished:
            raise CommandError(
                f"Stopped watching after {options['timeout']:.0f} s; the workers carry on. "
                "Run the command again to see what is still missing."
            )

    def _watch(self, start, end, *, expected: int, options) -> bool:
        tty = self.stdout.isatty()
        deadline = time.monotonic() + options["timeout"]
        last_line, last_time = "", 0.0
        while True:
            progress = period_progress(start, end, issued_since=self.started)
            done = progress.statements >= expected and progress.queued == 0
            line = (
                f"Statements {progress.statements}/{expected} {_bar(progress.statements, expected)}  "
                f"emails sent {progress.sent}/{progress.deliveries}"
                + (f", {progress.failed} failed" if progress.failed else "")
            )
            now = time.monotonic()
            if tty:
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()
            elif done or (line != last_line and now - last_time >= PLAIN_LINE_SECONDS):
                self.stdout.write(line)
                last_line, last_time = line, now
            if done or now >= deadline:
                if tty:
                    self.stdout.write("")
                return done
            time.sleep(options["interval"])

    def _summary(self, dispatch, *, expected: int, start=None, end=None) -> None:
        if start is None:
            self.stdout.write(f"Summary: issued 0, already existing {dispatch.existing}, emailed 0, failed 0.")
            return
        progress = period_progress(start, end, issued_since=self.started)
        missing = max(expected - progress.statements, 0)
        text = (
            f"Summary: issued {progress.statements}, already existing {dispatch.existing}, "
            f"emailed {progress.sent} of {progress.deliveries}, failed {progress.failed}"
            + (f", still waiting for {missing} statement(s)" if missing else "")
            + (f", {progress.queued} email(s) still queued" if progress.queued else "")
            + "."
        )
        ok = not (missing or progress.failed or progress.queued)
        self.stdout.write(self.style.SUCCESS(text) if ok else self.style.WARNING(text))
