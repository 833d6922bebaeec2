"""The same statement as PDF (read back with pdftotext), XLSX (openpyxl: numbers as numbers,
dates as dates), CSV and the command's output: the same figures, equal to the ledger's balance
at the end of the period, and no person's name anywhere."""

import csv
import datetime
import io
import re
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from fund.money import money_display
from fund.selectors import fund_balance
from fund.selectors.statements import fund_statement
from reporting.statement_files import check_line, statement_csv, statement_pdf, statement_xlsx
from tests.receipts.test_pdf import pdf_text

from .conftest import CASE_NUMBERS, CHILD_NAMES, GUARDIAN_NAME

pytestmark = pytest.mark.django_db

# key: the figure, as the small ledger has it (tests/reporting/conftest.py).
FIGURES = {
    "opening.total": Decimal(1_000_000),
    "receipts.kind.cash": Decimal(5_200_000),
    "receipts.kind.scholarship": Decimal(3_000_000),
    "receipts.kind.in_kind": Decimal(400_000),
    "receipts.kind.supplies": Decimal(500_000),
    "receipts.donor_type.organisation": Decimal(8_500_000),
    "receipts.donor_type.person": Decimal(600_000),
    "allocations.kind.cash": Decimal(1_300_000),
    "allocations.kind.scholarship": Decimal(2_000_000),
    "allocations.kind.supplies": Decimal(100_000),
    "allocations.programme.orphan": Decimal(1_100_000),
    "allocations.programme.disability": Decimal(2_300_000),
    "reversals.gift_refunded.cash": Decimal(-200_000),
    "reversals.allocation_reversed.cash": Decimal(300_000),
    "adjustments.goods_lost": Decimal(-40_000),
    "restricted.scholarship": Decimal(1_000_000),
    "restricted.goods": Decimal(760_000),
    "check.allocations": Decimal(-3_400_000),
    "check.closing": Decimal(6_760_000),
    "check.ledger": Decimal(6_760_000),
}
PRIVATE = (*CHILD_NAMES, *CASE_NUMBERS, GUARDIAN_NAME)


@pytest.fixture
def statement(built_ledger, period):
    return fund_statement(built_ledger, date_from=period[0], date_to=period[1])


def ledger_total(statement):
    fund = statement_fund(statement)
    return fund_balance(fund, as_of=statement.date_to).total.amount


def statement_fund(statement):
    from fund.models import Fund

    return Fund.objects.get(code=statement.fund_code)


def test_the_csv_has_every_figure_as_a_plain_number(statement):
    lines = list(csv.DictReader(io.StringIO(statement_csv(statement, language="en"))))
    rows = {row["key"]: row for row in lines}
    assert len(rows) == len(lines), "every line has its own key"
    assert {key: Decimal(rows[key]["amount"]) for key in FIGURES} == FIGURES
    assert rows["receipts.kind.total"]["amount"] == "9100000"  # VND has no minor unit
    assert (rows["receipts.kind.total"]["count"], rows["receipts.kind.total"]["people"]) == ("5", "2")
    assert (rows["allocations.kind.total"]["count"], rows["allocations.kind.total"]["people"]) == ("4", "2")
    assert Decimal(rows["check.ledger"]["amount"]) == ledger_total(statement)
    assert {row["date_from"] for row in rows.values()} == {statement.date_from.isoformat()}
    assert rows["check.reconciles"]["item"] == "Reconciles: Yes"
    with translation.override("vi"):
        vietnamese = statement_csv(statement, language="vi")
    assert not any(name in vietnamese for name in PRIVATE)


def test_the_xlsx_holds_numbers_and_dates(statement):
    sheet = openpyxl.load_workbook(io.BytesIO(statement_xlsx(statement, language="vi"))).active
    cells = {row[1]: row for row in sheet.iter_rows(values_only=True) if row and row[1]}
    amounts = {key: cells[key][5] for key in FIGURES}
    assert all(isinstance(value, int | float) for value in amounts.values()), amounts
    assert {key: Decimal(str(value)) for key, value in amounts.items()} == FIGURES
    assert cells["receipts.kind.total"][3:5] == (5, 2)
    assert Decimal(str(cells["check.ledger"][5])) == ledger_total(statement)
    heading = {row[0]: row[1] for row in sheet.iter_rows(max_row=8, values_only=True) if row}
    dates = [value for value in heading.values() if isinstance(value, datetime.datetime)]
    assert [d.date() for d in dates[:2]] == [statement.date_from, statement.date_to]
    (amount_cell,) = (row[5] for row in sheet.iter_rows() if row[1].value == "check.closing")
    assert amount_cell.number_format == "#,##0"
    text = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    assert "Tổng thu" in text or "Total received" in text
    assert not any(name in text for name in PRIVATE)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_pdf_prints_the_same_figures_on_the_letterhead(statement, language):
    pdf = statement_pdf(statement, language=language)
    text = pdf_text(pdf)
    with translation.override(language):
        for key, value in FIGURES.items():
            shown = money_display(statement_money(value))
            assert shown in text, (key, shown)
        assert money_display(statement_money(ledger_total(statement))) in text
    # Amounts as the language writes them: 9.100.000 ₫ in Vietnamese, 9,100,000 ₫ in English.
    assert ("9.100.000 ₫" in text) == (language == "vi")
    with translation.override(language):
        assert check_line(statement) in text
    assert not any(name in text for name in PRIVATE)


def statement_money(amount):
    from djmoney.money import Money

    return Money(amount, "VND")


def test_the_command_writes_each_format_and_prints_the_check_line(statement, tmp_path):
    period = ["--from", statement.date_from.isoformat(), "--to", statement.date_to.isoformat()]
    outputs = {}
    for file_format in ("pdf", "xlsx", "csv"):
        path = tmp_path / f"cpf.{file_format}"
        out = StringIO()
        call_command("fund_statement", "cpf", *period, "--format", file_format, "-o", str(path), stdout=out)
        outputs[file_format] = path.read_bytes()
        assert out.getvalue().splitlines()[-1] == english_check_line(statement)
    assert outputs["pdf"].startswith(b"%PDF")
    sheet = openpyxl.load_workbook(io.BytesIO(outputs["xlsx"])).active
    assert any(row[1] == "check.ledger" and row[5] == 6_760_000 for row in sheet.iter_rows(values_only=True))

    out, err = StringIO(), StringIO()
    call_command("fund_statement", "CPF", *period, "--format", "csv", "--language", "en", stdout=out, stderr=err)
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    in_file = {row["key"]: row for row in csv.DictReader(io.StringIO(outputs["csv"].decode()))}
    assert {key: row["amount"] for key, row in rows.items()} == {key: row["amount"] for key, row in in_file.items()}
    assert Decimal(rows["check.closing"]["amount"]) == ledger_total(statement)
    line = err.getvalue().strip()
    assert line == english_check_line(statement)
    closing = re.search(r"= closing ([\d,]+) ₫; ledger balance at \S+: ([\d,]+) ₫: reconciles$", line)
    assert closing and closing.group(1) == closing.group(2) == "6,760,000"


def english_check_line(statement):
    with translation.override("en"):
        return check_line(statement)


def test_the_command_refuses_what_it_cannot_write(statement):
    period = ["--from", statement.date_from.isoformat(), "--to", statement.date_to.isoformat()]
    with pytest.raises(CommandError, match="-o FILE"):
        call_command("fund_statement", "CPF", *period, "--format", "pdf")
    with pytest.raises(CommandError, match="No fund"):
        call_command("fund_statement", "XYZ", *period, "--format", "csv", stdout=StringIO())
    with pytest.raises(CommandError, match="before it starts"):
        call_command("fund_statement", "CPF", "--from", "2026-02-01", "--to", "2026-01-01", "--format", "csv")
