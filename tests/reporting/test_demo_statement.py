"""The demo Children's Protection Fund's statement for this year (2026 when the demo was built)
reconciles, and the command's PDF, XLSX and CSV print the ledger's balance at the year's end.
Seeding the demo is slow (about a minute): one test does it all."""

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from fund.models import Fund
from fund.money import money_display
from fund.selectors import fund_balance
from fund.selectors.statements import fund_statement
from tests.receipts.test_pdf import pdf_text
from tests.support.seeding import seed

pytestmark = pytest.mark.django_db


def test_the_demo_cpf_statement_of_the_year_reconciles_in_every_format(tmp_path):
    seed()
    cpf = Fund.objects.get(code="CPF")
    # The demo is built backwards from today, so "the year" is this one.
    year = timezone.localdate().year
    date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    statement = fund_statement(cpf, date_from=date_from, date_to=date_to)
    ledger = fund_balance(cpf, as_of=date_to).total
    assert statement.reconciles and statement.closing == statement.ledger_balance == ledger
    assert statement.gifts > 100 and statement.people_helped > 20
    assert statement.reversals, "the demo refunds a card gift and reverses a payment"

    period = ["--from", date_from.isoformat(), "--to", date_to.isoformat()]
    files = {}
    for file_format in ("pdf", "xlsx", "csv"):
        path = tmp_path / f"cpf.{file_format}"
        out = StringIO()
        call_command("fund_statement", "CPF", *period, "--format", file_format, "-o", str(path), stdout=out)
        assert out.getvalue().rstrip().endswith(": reconciles")
        assert money_display(ledger, language="en") in out.getvalue()
        files[file_format] = path.read_bytes()

    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(files["csv"].decode()))}
    assert Decimal(rows["check.closing"]["amount"]) == Decimal(rows["check.ledger"]["amount"]) == ledger.amount
    sheet = openpyxl.load_workbook(io.BytesIO(files["xlsx"])).active
    cells = {row[1]: row[5] for row in sheet.iter_rows(values_only=True) if row and row[1]}
    assert Decimal(str(cells["check.ledger"])) == Decimal(str(cells["check.closing"])) == ledger.amount
    with translation.override("vi"):
        assert money_display(ledger) in pdf_text(files["pdf"])
