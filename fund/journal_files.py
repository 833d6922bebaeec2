"""The journal of a period (fund.selectors.journal) as the files the official accounting system
imports: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese names right;
plain numbers with a dot; ISO dates) and XLSX (real dates and numbers, never text). One writer
for the admin screen and the ``journal_export`` command."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .money import currency_exponent
from .selectors.journal import Journal, JournalLine

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _headings() -> list[str]:
    return [
        _("Date"),
        _("Entry"),
        _("Reference"),
        _("Fund"),
        _("Description"),
        _("Account code"),
        _("Account name"),
        _("Debit"),
        _("Credit"),
        _("Currency"),
    ]


def _cells(line: JournalLine) -> list:
    return [
        line.date,
        line.entry,
        line.reference,
        line.fund,
        line.description,
        line.account_code,
        line.account_name,
        line.debit,
        line.credit,
        line.currency,
    ]


def journal_filename(journal: Journal, file_format: str) -> str:
    scope = f"-{journal.fund.code}" if journal.fund else ""
    return f"journal{scope}-{journal.starts_on.isoformat()}-{journal.ends_on.isoformat()}.{file_format}"


def journal_csv(journal: Journal) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_headings())
    for line in journal.lines:
        cells = _cells(line)
        cells[0] = line.date.isoformat()
        writer.writerow(["" if cell is None else cell for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def journal_xlsx(journal: Journal) -> bytes:
    # openpyxl takes about 150 ms to import, and only this path needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Journal")[:31]
    sheet.append(_headings())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in journal.lines:
        sheet.append(_cells(line))
        row = sheet.max_row
        sheet.cell(row=row, column=1).number_format = "DD/MM/YYYY"
        places = currency_exponent(line.currency)
        amount_format = "#,##0" + ("." + "0" * places if places else "")
        for column in (8, 9):
            sheet.cell(row=row, column=column).number_format = amount_format
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJ", (12, 8, 16, 8, 60, 14, 32, 16, 16, 9), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def journal_file(journal: Journal, file_format: str) -> bytes:
    if file_format not in FORMATS:
        raise ValueError(f"unknown journal format {file_format!r}")
    return journal_csv(journal) if file_format == "csv" else journal_xlsx(journal)
