"""`manage.py contributions_report CPF --year 2026 --format pdf -o cpf-contributions-2026.pdf`

Writes the fund's annual contributions report for the year (the centre's days) as PDF or XLSX,
in the language asked for, worded for the CONTRIBUTIONS_REPORT_REGIME setting, and prints its
totals: gifts, grand total, refunds and net, which equal the year's fund statement.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fund.models import Fund
from fund.money import money_display
from fund.selectors.contributions import contributions_report
from reporting.contributions_files import FORMATS, contributions_file
from reporting.statement_files import STATEMENT_LANGUAGES


class Command(BaseCommand):
    help = "Write a fund's annual contributions report (PDF or XLSX) and print its totals."

    def add_arguments(self, parser):
        parser.add_argument("fund", help="The fund's code, e.g. CPF.")
        parser.add_argument("--year", type=int, required=True, help="The calendar year, e.g. 2026.")
        parser.add_argument("--format", dest="file_format", choices=FORMATS, default="pdf")
        parser.add_argument("-o", "--output", type=Path, required=True, help="File to write.")
        parser.add_argument(
            "--language", choices=STATEMENT_LANGUAGES, default="vi", help="Language of the report (default vi)."
        )

    def handle(self, *args, **options):
        code = options["fund"].upper()
        fund = Fund.objects.filter(code=code).first()
        if fund is None:
            raise CommandError(f"No fund with the code {code!r}.")
        year = options["year"]
        if not 1900 <= year <= 9998:
            raise CommandError(f"{year} is not a year the report can cover.")
        report = contributions_report(fund=fund, year=year)
        content = contributions_file(report, file_format=options["file_format"], language=options["language"])
        output = options["output"]
        output.write_bytes(content)
        # Operator output is English (docs/architecture.md); the report speaks --language.
        with translation.override("en"):
            self.stdout.write(f"Wrote {output} ({len(content)} bytes).")
            self.stdout.write(
                f"{code} {year}: {len(report.organisations)} organisations, {report.gifts} gifts, "
                f"received {money_display(report.grand_total)}, refunded {money_display(report.refunds_total)}, "
                f"net {money_display(report.net_received)}"
            )
