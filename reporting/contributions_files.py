"""The annual contributions report as a file: PDF (through receipts' one safe renderer, on the
organisation's letterhead) and XLSX (counts and amounts as numbers, dates as dates), in
Vietnamese or English. Both print contribution_tables (reporting/contributions_rows.py) and the
fund statement's sections for the use of the gifts, so their figures cannot differ; the regime
setting words the title, legal basis and deadline.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fund.selectors.contributions import ContributionsReport
from receipts.pdf import image_data_uri, render_pdf
from receipts.services.content import letterhead_snapshot

from .contributions_regimes import regime_words
from .contributions_rows import contribution_tables, kind_headings, refund_rows, use_sections
from .statement_files import CONTENT_TYPES as STATEMENT_CONTENT_TYPES
from .statement_files import _number_format, statement_language
from .statement_rows import date_basis

FORMATS = ("pdf", "xlsx")
CONTENT_TYPES = {file_format: STATEMENT_CONTENT_TYPES[file_format] for file_format in FORMATS}
PDF_TEMPLATE = "reporting/pdf/contributions.html"


def contributions_filename(report: ContributionsReport, extension: str) -> str:
    return f"contributions-{report.fund_code}-{report.year}.{extension}"


def contributions_context(report: ContributionsReport) -> dict[str, Any]:
    """What the screen and the PDF print, in the active language."""
    return {
        "report": report,
        "regime": regime_words(report.year),
        "kind_headings": kind_headings(),
        "tables": contribution_tables(report),
        "refunds": refund_rows(report),
        "sections": use_sections(report),
        "date_basis": date_basis(),
    }


def contributions_pdf(report: ContributionsReport, *, language: str) -> bytes:
    language = statement_language(language)
    with translation.override(language):
        issuer = letterhead_snapshot(language=language)
        return render_pdf(
            PDF_TEMPLATE,
            {
                **contributions_context(report),
                "issuer": issuer,
                "language": language,
                "issued_on": timezone.localdate(),
                "logo_uri": image_data_uri(issuer.get("logo_id")),
            },
        )


def contributions_xlsx(report: ContributionsReport, *, language: str) -> bytes:
    """Two sheets: the contributions (one row per line, a count and an amount column per kind of
    gift) and their use (the statement's sections). Counts are integers, amounts numbers."""
    # Lazy: openpyxl costs about 150 ms to import and only this download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    language = statement_language(language)
    bold = Font(bold=True)
    amount_format = _number_format(report.currency)
    with translation.override(language):
        issuer = letterhead_snapshot(language=language)
        regime = regime_words(report.year)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Contributions")[:31]
        sheet.append([regime.title])
        sheet["A1"].font = Font(bold=True, size=14)
        heading: list[tuple[str, Any]] = [
            (_("Organisation"), issuer.get("name") or ""),
            (_("Fund"), f"{report.fund_name} ({report.fund_code})"),
            (_("Year"), report.year),
            (_("From"), report.date_from),
            (_("To"), report.date_to),
            (_("Issued on"), timezone.localdate()),
            (_("Currency"), report.currency),
            (_("Legal basis"), regime.legal_basis),
            (_("Deadline"), regime.deadline),
        ]
        for label, value in heading:
            sheet.append([label, value])
            if hasattr(value, "isoformat"):
                sheet.cell(row=sheet.max_row, column=2).number_format = "DD/MM/YYYY"
        sheet.append([date_basis()])
        sheet.append([])
        headings = [_("Section"), _("Key"), pgettext("contributions report line", "Name"), _("Tax code"), _("Donors")]
        for label in kind_headings():
            headings += [_("%(kind)s: gifts") % {"kind": label}, _("%(kind)s: value") % {"kind": label}]
        headings += [_("Gifts"), _("Total"), _("Currency")]
        sheet.append(headings)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for table in contribution_tables(report):
            for row in table.rows:
                cells: list[Any] = [table.title, row.key, row.label, row.tax_code or None, row.donors]
                for cell in row.cells:
                    cells += [cell.gifts, cell.amount.amount]
                cells += [row.gifts, row.amount.amount, report.currency]
                sheet.append(cells)
                line = sheet.max_row
                for column in [7 + 2 * index for index in range(len(row.cells))] + [6 + 2 * len(row.cells) + 1]:
                    sheet.cell(row=line, column=column).number_format = amount_format
                if row.total:
                    for cell in sheet[line]:
                        cell.font = bold
        sheet.append([])
        title = _("Refunds recorded in the year")
        for row in refund_rows(report):
            sheet.append([title, row.key, row.label, None, None, *([None] * 8), row.count, row.amount.amount])
            sheet.cell(row=sheet.max_row, column=15).number_format = amount_format
        widths = (28, 22, 40, 14, 8, *([8, 16] * 4), 8, 18, 10)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width

        use = workbook.create_sheet(_("Use of contributions")[:31])
        use.append(
            [
                _("Section"),
                _("Key"),
                pgettext("fund statement line", "Item"),
                _("Count"),
                _("People helped"),
                _("Amount"),
                _("Currency"),
            ]
        )
        for cell in use[1]:
            cell.font = bold
        for section in use_sections(report):
            for row in section.rows:
                amount = row.amount.amount if row.amount is not None else None
                use.append(
                    [
                        section.title,
                        row.key,
                        row.label,
                        row.count,
                        row.people,
                        amount,
                        report.currency if amount is not None else None,
                    ]
                )
                use.cell(row=use.max_row, column=6).number_format = amount_format
                if row.total:
                    for cell in use[use.max_row]:
                        cell.font = bold
        for column, width in zip("ABCDEFG", (34, 30, 52, 10, 14, 20, 10), strict=True):
            use.column_dimensions[column].width = width
        out = io.BytesIO()
        workbook.save(out)
    return out.getvalue()


RENDERERS = {"pdf": contributions_pdf, "xlsx": contributions_xlsx}


def contributions_file(report: ContributionsReport, *, file_format: str, language: str) -> bytes:
    return RENDERERS[file_format](report, language=language)
