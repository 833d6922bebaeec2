"""`manage.py journal_export --from 2026-11-01 --to 2026-11-30 --format csv|xlsx -o FILE [--fund CPF]`:
the journal of a period for the centre's official books, as the admin's Journal export screen
writes it. Refuses, writing no file, when an account in the period has no code in the official
chart (and says which)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fund.errors import FundError
from fund.journal_files import FORMATS, journal_file
from fund.models import Fund
from fund.selectors.journal import journal_lines


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date; write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Export the journal of a period (date, entry, reference, account code and name, debit, credit)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="starts_on", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="ends_on", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--fund", help="one fund's code (default: every fund)")
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args, **options):
        fund = None
        if options["fund"]:
            fund = Fund.objects.filter(code=options["fund"].upper()).first()
            if fund is None:
                raise CommandError(f"No fund has the code {options['fund']!r}.")
        try:
            journal = journal_lines(starts_on=_day(options["starts_on"]), ends_on=_day(options["ends_on"]), fund=fund)
        except FundError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        content = journal_file(journal, options["format"])
        Path(options["output"]).write_bytes(content)
        totals = ", ".join(
            f"{debits} / {credits} {currency}" for currency, (debits, credits) in journal.totals().items()
        )
        self.stdout.write(
            f"{len(journal.lines)} line(s) written to {options['output']}"
            + (f" (debits / credits: {totals})" if totals else "")
        )
