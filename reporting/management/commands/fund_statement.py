"""`manage.py fund_statement CPF --from 2026-01-01 --to 2026-12-31 --format pdf -o cpf-2026.pdf`

Writes the fund's statement for the period (the centre's days) as PDF, XLSX or CSV, in the
language asked for, and prints the check line. A CSV without -o goes to standard output, and the
check line to standard error then, so the CSV stays a clean file. A statement that does not
reconcile is written all the same (someone has to read it) and the command fails.
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fund.errors import FundError
from fund.models import Fund
from fund.selectors.statements import fund_statement
from reporting.statement_files import RENDERERS, STATEMENT_LANGUAGES, check_line, statement_file


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Write a fund's statement for a period (PDF, XLSX or CSV) and print its check line."

    def add_arguments(self, parser):
        parser.add_argument("fund", help="The fund's code, e.g. CPF.")
        parser.add_argument("--from", dest="date_from", type=_date, required=True, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", type=_date, required=True, help="Last day (YYYY-MM-DD).")
        parser.add_argument("--format", dest="file_format", choices=sorted(RENDERERS), default="pdf")
        parser.add_argument(
            "-o", "--output", type=Path, help="File to write (a CSV goes to standard output without it)."
        )
        parser.add_argument(
            "--language", choices=STATEMENT_LANGUAGES, default="vi", help="Language of the statement (default vi)."
        )

    def handle(self, *args, **options):
        code = options["fund"].upper()
        file_format, output = options["file_format"], options["output"]
        if output is None and file_format != "csv":
            raise CommandError(f"A {file_format.upper()} statement needs a file: give -o FILE.")
        fund = Fund.objects.filter(code=code).first()
        if fund is None:
            raise CommandError(f"No fund with the code {code!r}.")
        # Operator output is English (docs/architecture.md); the statement speaks --language.
        with translation.override("en"):
            try:
                statement = fund_statement(fund, date_from=options["date_from"], date_to=options["date_to"])
            except FundError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            line = check_line(statement)
        content = statement_file(statement, file_format=file_format, language=options["language"])
        if output is None:
            self.stdout.write(content.decode("utf-8"), ending="")
            self.stderr.write(line)
        else:
            output.write_bytes(content)
            self.stdout.write(f"Wrote {output} ({len(content)} bytes).")
            self.stdout.write(line)
        if not statement.reconciles:
            raise CommandError(f"The statement of {code} does not reconcile with the ledger.")
