"""A fund statement as a file: PDF (through receipts' one safe renderer, on the organisation's
letterhead), XLSX (numbers and dates as numbers and dates) and CSV, in Vietnamese or English.

All three print ``statement_sections`` (reporting/statement_rows.py), so their figures cannot
differ. The statement itself is computed once by fund.selectors.fund_statement.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fund.money import currency_exponent, money_display
from fund.selectors.statements import FundStatement
from receipts.pdf import image_data_uri, render_pdf
from receipts.services.content import letterhead_snapshot

from .statement_rows import VALUATION_METHOD, statement_notes, statement_sections

STATEMENT_LANGUAGES = ("vi", "en")
PDF_TEMPLATE = "reporting/pdf/fund_statement.html"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CSV_COLUMNS = ("fund", "date_from", "date_to", "section", "key", "item", "count", "people", "amount", "currency")


def statement_language(language: str | None) -> str:
    """The statement's language for a user's: English for English readers, else Vietnamese (the
    centre's language, and the only other one the letterhead is written in)."""
    return "en" if (language or "").split("-")[0] == "en" else "vi"


def statement_filename(statement: FundStatement, extension: str) -> str:
    return f"fund-statement-{statement.fund_code}-{statement.date_from:%Y%m%d}-{statement.date_to:%Y%m%d}.{extension}"


def check_line(statement: FundStatement) -> str:
    """The check line, in the active language: opening + receipts - allocations +/- reversals
    +/- adjustments = closing, against the ledger's balance at the end of the period."""
    words = {
        "fund": statement.fund_code,
        "from": statement.date_from.isoformat(),
        "to": statement.date_to.isoformat(),
        "opening": money_display(statement.opening.total),
        "receipts": money_display(statement.receipts_total),
        "allocations": money_display(statement.allocations_total),
        "reversals": money_display(statement.reversals_total),
        "adjustments": money_display(statement.adjustments_total),
        "closing": money_display(statement.closing),
        "ledger": money_display(statement.ledger_balance),
    }
    line = (
        _(
            "%(fund)s %(from)s..%(to)s: opening %(opening)s + receipts %(receipts)s - allocations %(allocations)s "
            "+ reversals %(reversals)s + adjustments %(adjustments)s = closing %(closing)s; "
            "ledger balance at %(to)s: %(ledger)s"
        )
        % words
    )
    verdict = _("reconciles") if statement.reconciles else _("DOES NOT RECONCILE")
    return f"{line}: {verdict}"


def statement_pdf(statement: FundStatement, *, language: str) -> bytes:
    language = statement_language(language)
    with translation.override(language):
        issuer = letterhead_snapshot(language=language)
        return render_pdf(
            PDF_TEMPLATE,
            {
                "statement": statement,
                "sections": statement_sections(statement),
                "issuer": issuer,
                "language": language,
                "issued_on": timezone.localdate(),
                "logo_uri": image_data_uri(issuer.get("logo_id")),
                "check_line": check_line(statement),
                "notes": statement_notes(statement),
            },
        )


def _rows(statement: FundStatement):
    for section in statement_sections(statement):
        for row in section.rows:
            yield section, row


def _plain(money) -> str:
    """1900000 for VND, 25.50 for USD: the currency's places, a dot, no grouping."""
    places = currency_exponent(money.currency.code)
    return f"{money.amount.quantize(Decimal(1).scaleb(-places)):f}"


def statement_csv(statement: FundStatement, *, language: str) -> str:
    """Plain numbers (1900000, 25.50: a dot, no grouping) and ISO dates, for a machine to read;
    the words of each line in the reader's language beside its stable key."""
    out = io.StringIO()
    writer = csv.writer(out)
    with translation.override(statement_language(language)):
        writer.writerow(CSV_COLUMNS)
        for section, row in _rows(statement):
            writer.writerow(
                [
                    statement.fund_code,
                    statement.date_from.isoformat(),
                    statement.date_to.isoformat(),
                    section.key,
                    row.key,
                    row.label,
                    "" if row.count is None else row.count,
                    "" if row.people is None else row.people,
                    "" if row.amount is None else _plain(row.amount),
                    "" if row.amount is None else statement.currency,
                ]
            )
    return out.getvalue()


def _number_format(currency: str) -> str:
    places = currency_exponent(currency)
    return "#,##0" + ("." + "0" * places if places else "")


def statement_xlsx(statement: FundStatement, *, language: str) -> bytes:
    """One sheet: the heading (fund, period as date cells, notes), then the lines with counts as
    integers and amounts as numbers in the currency's format."""
    # Lazy: openpyxl costs about 150 ms to import and only this download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    language = statement_language(language)
    bold = Font(bold=True)
    with translation.override(language):
        issuer = letterhead_snapshot(language=language)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Fund statement")[:31]
        heading: list[tuple[str, Any]] = [
            (_("Organisation"), issuer.get("name") or ""),
            (_("Fund"), f"{statement.fund_name} ({statement.fund_code})"),
            (_("From"), statement.date_from),
            (_("To"), statement.date_to),
            (_("Issued on"), timezone.localdate()),
            (_("Currency"), statement.currency),
        ]
        sheet.append([_("Fund statement")])
        sheet["A1"].font = Font(bold=True, size=14)
        for label, value in heading:
            sheet.append([label, value])
            if hasattr(value, "isoformat"):
                sheet.cell(row=sheet.max_row, column=2).number_format = "DD/MM/YYYY"
        for note in (*statement_notes(statement), VALUATION_METHOD):
            sheet.append([str(note)])
        sheet.append([])
        headings = [
            _("Section"),
            _("Key"),
            pgettext("fund statement line", "Item"),
            _("Count"),
            _("Donors or people"),
            _("Amount"),
            _("Currency"),
        ]
        sheet.append(headings)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        amount_format = _number_format(statement.currency)
        for section, row in _rows(statement):
            amount: Decimal | None = row.amount.amount if row.amount is not None else None
            sheet.append(
                [
                    section.title,
                    row.key,
                    row.label,
                    row.count,
                    row.people,
                    amount,
                    statement.currency if amount is not None else None,
                ]
            )
            line = sheet.max_row
            sheet.cell(row=line, column=6).number_format = amount_format
            if row.total:
                for column in (3, 4, 5, 6):
                    sheet.cell(row=line, column=column).font = bold
        sheet.append([])
        sheet.append([check_line(statement)])
        for column, width in zip("ABCDEFG", (34, 30, 52, 10, 16, 20, 10), strict=True):
            sheet.column_dimensions[column].width = width
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


RENDERERS = {"pdf": statement_pdf, "xlsx": statement_xlsx, "csv": statement_csv}


def statement_file(statement: FundStatement, *, file_format: str, language: str) -> bytes:
    """The statement in ``file_format`` (pdf, xlsx, csv) as bytes (CSV in UTF-8)."""
    content = RENDERERS[file_format](statement, language=language)
    return content.encode("utf-8") if isinstance(content, str) else content
