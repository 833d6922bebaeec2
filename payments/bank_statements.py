"""Bank statement exports (CSV, XLSX) read into the incoming transfers they list.

Parsing only: nothing here touches the database, so a file with a bad row is refused whole, with
every bad row named, before any line of it is stored. Banks differ in encodings (UTF-8, Excel's
UTF-8 with a BOM, Windows-1258), delimiters, column names, number and date formats; a
``ColumnMapping`` says which column holds what, and the header row is found by those names.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from djmoney.money import Money

from config.formats import number_display
from fund.money import currency_check

from .bank_columns import (
    COLUMN_LABELS,
    MAPPING_PRESETS,
    ColumnMapping,
    mapping_from_headers,
    mapping_get,
    mapping_summary,
    resolve_columns,
)
from .bank_values import BadValue, BankStatementError, amount_parse, date_parse, shown, text_parse

__all__ = [
    "MAPPING_PRESETS",
    "BankStatementError",
    "ColumnMapping",
    "ParsedStatement",
    "StatementLine",
    "line_fingerprints",
    "mapping_from_headers",
    "mapping_get",
    "statement_lines",
    "statement_read",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Unpacked size of an XLSX: a 5 MB zip can hold gigabytes of repeated XML (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024
# Exports open with a title, the account and the period before the header row.
HEADER_SEARCH_ROWS = 30
MAX_ERRORS = 20
DESCRIPTION_MAX = 500  # BankTransaction.description
COUNTERPARTY_MAX = 255
BANK_ID_MAX = 100


@dataclass(frozen=True)
class StatementLine:
    """One incoming transfer as the bank reported it."""

    row: int  # row number in the file (1 = the first row), or position in a notification
    booked_on: datetime.date
    amount: Money
    description: str
    counterparty: str = ""
    bank_reference: str = ""  # the bank's own transaction id, when it gives one
    booked_at: datetime.datetime | None = None  # the exact moment, when known (notifications)


@dataclass
class ParsedStatement:
    lines: list[StatementLine]
    currency: str
    rows_read: int = 0
    skipped_outgoing: int = 0
    skipped_zero: int = 0
    skipped_undated: int = 0  # totals and notes under the table
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header it was read from


# --- Files -----------------------------------------------------------------------------------


def statement_read(
    *, content: bytes, filename: str = "", mapping: ColumnMapping, currency: str, max_rows: int = MAX_ROWS
) -> ParsedStatement:
    """Read an uploaded export. Raises BankStatementError naming every bad row (up to 20)."""
    currency = currency_check(currency)
    file_size_check(len(content), MAX_FILE_BYTES)
    if file_kind(content[:512], filename) == "xlsx":
        return _rows_to_statement(_xlsx_rows(content), mapping, currency, max_rows)
    return _csv_statement(_decode(content), mapping, currency, max_rows)


def file_size_check(size: int, limit: int) -> None:
    """Refuse an empty file or one over ``limit`` bytes (BankStatementError)."""
    if size == 0:
        raise BankStatementError(_("The file is empty."))
    if size > limit:
        raise BankStatementError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Export a shorter period.")
            % {"size": number_display(Decimal(size) / 1024 / 1024, places=1), "limit": limit // 1024 // 1024}
        )


def file_kind(start: bytes, filename: str) -> str:
    """ "xlsx" or "text" (CSV or tab-separated), from the file's first bytes; refuses
    (BankStatementError, saying what to do) the files banks' exports are often saved as
    instead: old .xls, a web page with a spreadsheet's name, a .xlsx that is not one."""
    head = start.lstrip().lower()
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise BankStatementError(_("Old Excel files (.xls) cannot be read: open it in Excel and save as .xlsx or CSV."))
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise BankStatementError(
            _("This file is a web page saved with a spreadsheet name: open it in Excel and save as .xlsx or CSV.")
        )
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise BankStatementError(_("This file is named .xlsx but is not an Excel workbook."))
    return "text"


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text" export
    else:
        # Windows-1258 last: it decodes almost any bytes, so it cannot tell us it was wrong.
        encodings = ("utf-8-sig", "cp1258")
    for encoding in encodings:
        try:
            # NFC: Windows-1258 writes Vietnamese tone marks as separate combining characters.
            return unicodedata.normalize("NFC", content.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise BankStatementError(_("The file is not text in UTF-8 or Windows-1258: export it as CSV (UTF-8) or XLSX."))


def _csv_statement(text: str, mapping: ColumnMapping, currency: str, max_rows: int = MAX_ROWS) -> ParsedStatement:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiters = [",", ";", "\t"]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        delimiters.sort(key=lambda delimiter: delimiter != sniffed)
    except csv.Error:
        pass  # the header search below decides
    # The delimiter is the one under which the header row is recognised: the sniffer alone is
    # fooled by commas inside amounts ("1,500,000") and descriptions.
    for delimiter in delimiters:
        try:
            head = list(_csv_rows(sample, delimiter))
        except BankStatementError:
            continue  # the sample cut a quoted cell in two, or this is not the delimiter
        if any(resolve_columns(row, mapping) for row in head):
            return _rows_to_statement(_csv_rows(text, delimiter), mapping, currency, max_rows)
    return _rows_to_statement(iter([]), mapping, currency, max_rows)


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise BankStatementError(
            _("Row %(row)s: the CSV cannot be read (%(problem)s).") % {"row": reader.line_num, "problem": exc}
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[Sequence[Any]]:
    import openpyxl  # lazy for start-up time (about 150 ms): only an XLSX upload needs it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise BankStatementError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise BankStatementError(_("The workbook unpacks to more than 60 MB: export a shorter period."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any malformed workbook gets the same plain answer
        raise BankStatementError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        # The first sheet: bank exports have one. A summary sheet first would be found wanting
        # by the header search, with a message saying what was looked for.
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _rows_to_statement(
    rows: Iterable[Sequence[Any]], mapping: ColumnMapping, currency: str, max_rows: int = MAX_ROWS
) -> ParsedStatement:
    parsed = ParsedStatement(lines=[], currency=currency)
    parsed.lines.extend(statement_lines(rows, mapping=mapping, currency=currency, parsed=parsed, max_rows=max_rows))
    return parsed


def statement_lines(
    rows: Iterable[Sequence[Any]],
    *,
    mapping: ColumnMapping,
    currency: str,
    parsed: ParsedStatement,
    max_rows: int = MAX_ROWS,
) -> Iterator[StatementLine]:
    """The incoming lines of a table's rows, one at a time, counting what was skipped in
    ``parsed``. Once a row is bad nothing more is yielded, the rest is still read for more bad
    rows (up to 20), and BankStatementError naming them all is raised at the end: a caller that
    stored the lines yielded so far must throw them away."""
    columns: dict[str, int] | None = None
    errors: list[str] = []
    row_number = 0
    memo = _Memo()
    for row_number, row in enumerate(rows, 1):
        if columns is None:
            if row_number > HEADER_SEARCH_ROWS:
                break
            columns = resolve_columns(row, mapping)
            if columns is not None:
                parsed.header_row = row_number
                parsed.columns = {name: str(row[index]).strip() for name, index in columns.items()}
            continue
        if row_number - parsed.header_row > max_rows:
            raise BankStatementError(
                _("The file has more than %(max)s rows after the header: export a shorter period.")
                % {"max": number_display(max_rows, places=0)}
            )
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        parsed.rows_read += 1
        try:
            line = _row_to_line(row_number, row, columns, currency, parsed, memo)
        except BadValue as exc:
            errors.append(_("Row %(row)s: %(problem)s.") % {"row": row_number, "problem": exc})
            if len(errors) >= MAX_ERRORS:
                errors.append(_("Stopped after %(max)s bad rows.") % {"max": MAX_ERRORS})
                break
            continue
        if line is not None and not errors:
            yield line
    if columns is None:
        raise BankStatementError(
            _(
                "No header row found in the first %(rows)s rows. Expected %(expected)s. "
                "Choose another column preset or type the column names."
            )
            % {"rows": HEADER_SEARCH_ROWS, "expected": mapping_summary(mapping)}
        )
    if errors:
        raise BankStatementError(errors)


def _cell(row: Sequence[Any], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    if index is None or index >= len(row):
        return None
    value = row[index]
    return value.strip() if isinstance(value, str) else value


class _Memo:
    """Parsed dates and amounts by their text: a statement repeats a few dozen dates and a few
    thousand sums over its million rows. Bounded; a bad value is never kept (it raises)."""

    LIMIT = 20_000

    def __init__(self) -> None:
        self.dates: dict[Any, datetime.date] = {}
        self.amounts: dict[tuple[Any, str], Decimal] = {}

    def date(self, value: Any) -> datetime.date:
        if not isinstance(value, str):
            return date_parse(value)
        day = self.dates.get(value)
        if day is None:
            if len(self.dates) > self.LIMIT:
                self.dates.clear()
            day = self.dates[value] = date_parse(value)
        return day

    def amount(self, value: Any, currency: str) -> Decimal:
        if not isinstance(value, str):
            return amount_parse(value, currency)
        key = (value, currency)
        amount = self.amounts.get(key)
        if amount is None:
            if len(self.amounts) > self.LIMIT:
                self.amounts.clear()
            amount = self.amounts[key] = amount_parse(value, currency)
        return amount


def _row_to_line(
    row_number: int,
    row: Sequence[Any],
    columns: dict[str, int],
    currency: str,
    parsed: ParsedStatement,
    memo: _Memo | None = None,
) -> StatementLine | None:
    memo = memo or _Memo()
    raw_date = _cell(row, columns, "date")
    if raw_date in (None, ""):
        parsed.skipped_undated += 1  # a total or a note under the table, not a transfer
        return None
    row_currency = _cell(row, columns, "currency")
    if row_currency not in (None, ""):
        code = str(row_currency).strip().upper()
        if code != currency:
            raise BadValue(
                _("the currency is %(given)s, but this statement is in %(currency)s")
                % {"given": shown(row_currency), "currency": currency}
            )
    if "credit" in columns:
        credit = memo.amount(_cell(row, columns, "credit") or "", currency)
        debit = memo.amount(_cell(row, columns, "debit") or "", currency) if "debit" in columns else Decimal(0)
        if credit < 0:
            raise BadValue(_("the credit %(value)s is negative") % {"value": shown(_cell(row, columns, "credit"))})
        if credit and debit:
            raise BadValue(_("the line has both a credit and a debit"))
        amount = credit if credit else -abs(debit)
    else:
        amount = memo.amount(_cell(row, columns, "amount") or "", currency)
    if amount < 0:
        parsed.skipped_outgoing += 1
        return None
    if amount == 0:
        parsed.skipped_zero += 1
        return None
    return StatementLine(
        row=row_number,
        booked_on=memo.date(raw_date),
        amount=Money(amount, currency),
        description=text_parse(
            _cell(row, columns, "description"), label=COLUMN_LABELS["description"], max_length=DESCRIPTION_MAX
        ),
        counterparty=text_parse(
            _cell(row, columns, "counterparty"), label=COLUMN_LABELS["counterparty"], max_length=COUNTERPARTY_MAX
        ),
        bank_reference=text_parse(
            _cell(row, columns, "transaction_id"), label=COLUMN_LABELS["transaction_id"], max_length=BANK_ID_MAX
        ),
    )


# --- Fingerprints ----------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def line_content(line: StatementLine) -> tuple[str, ...]:
    """What identifies a line without a bank transaction id (its fingerprint adds how many
    identical lines came before it in the file)."""
    return (
        line.booked_on.isoformat(),
        f"{line.amount.amount:f}",
        line.amount.currency.code,
        " ".join(line.description.casefold().split()),
        " ".join(line.counterparty.casefold().split()),
    )


def bank_id_fingerprint(bank_reference: str) -> str:
    return _digest("bank-id", bank_reference)


def line_fingerprints(lines: Sequence[StatementLine]) -> list[str]:
    """The key each line is stored under, once ever.

    The bank's transaction id when there is one (a file and a notification of the same transfer
    then share it). Otherwise the line's content plus how many identical lines came before it in
    the same file: two genuine transfers of the same sum with the same note on one day are two
    lines, while the same file, or an export overlapping it, yields the same keys again.
    A streamed import computes the same keys in the database (payments.bank_staging).
    """
    seen: Counter[tuple[str, ...]] = Counter()
    keys = []
    for line in lines:
        if line.bank_reference:
            keys.append(bank_id_fingerprint(line.bank_reference))
            continue
        content = line_content(line)
        keys.append(_digest("line", *content, str(seen[content])))
        seen[content] += 1
    return keys
