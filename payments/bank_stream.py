"""Bank statement exports read row by row from a file on disk, for statements of any length (a
national appeal's runs to a million lines): memory stays bounded by one chunk of lines, whatever
the file's size.

The same checks and messages as payments.bank_statements.statement_read, which reads a small
upload held in memory; only the limits differ (STREAM_MAX_FILE_BYTES, STREAM_MAX_ROWS).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from fund.money import currency_check

from .bank_columns import ColumnMapping, resolve_columns
from .bank_statements import (
    HEADER_SEARCH_ROWS,
    ParsedStatement,
    StatementLine,
    file_kind,
    file_size_check,
    statement_lines,
)
from .bank_values import BankStatementError

STREAM_MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
STREAM_MAX_ROWS = 5_000_000
STREAM_MAX_XLSX_UNPACKED_BYTES = 4 * 1024 * 1024 * 1024
CHUNK_LINES = 5000
_BLOCK = 1024 * 1024


def statement_stream(
    *,
    path: str,
    filename: str = "",
    mapping: ColumnMapping,
    currency: str,
    parsed: ParsedStatement,
    chunk_size: int = CHUNK_LINES,
) -> Iterator[list[StatementLine]]:
    """The file's incoming lines in chunks of ``chunk_size``, counting skipped rows in ``parsed``
    (whose ``lines`` stay empty). A bad row stops the chunks and BankStatementError, naming
    every bad row (up to 20), is raised once the file is read: whatever the caller stored from
    earlier chunks must be thrown away."""
    currency = currency_check(currency)
    file_size_check(os.path.getsize(path), STREAM_MAX_FILE_BYTES)
    with open(path, "rb") as handle:
        start = handle.read(512)
    if file_kind(start, filename) == "xlsx":
        rows: Iterator[Sequence[Any]] = _xlsx_rows(path)
    else:
        rows = _csv_rows(path, _encoding(path, start), mapping)
    lines = statement_lines(rows, mapping=mapping, currency=currency, parsed=parsed, max_rows=STREAM_MAX_ROWS)
    chunk: list[StatementLine] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _encoding(path: str, start: bytes) -> str:
    """UTF-16 by its mark, else UTF-8 if every byte of the file decodes as such (checked one
    block at a time), else Windows-1258, which decodes almost anything."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8-sig"


def _text_lines(path: str, encoding: str) -> Iterator[str]:
    # NFC: Windows-1258 writes Vietnamese tone marks as separate combining characters.
    try:
        with open(path, encoding=encoding, newline="") as handle:
            for text in handle:
                yield unicodedata.normalize("NFC", text)
    except UnicodeDecodeError:
        raise BankStatementError(
            _("The file is not text in UTF-8 or Windows-1258: export it as CSV (UTF-8) or XLSX.")
        ) from None


def _reader(lines: Iterator[str], delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise BankStatementError(
            _("Row %(row)s: the CSV cannot be read (%(problem)s).") % {"row": reader.line_num, "problem": exc}
        ) from None


def _csv_rows(path: str, encoding: str, mapping: ColumnMapping) -> Iterator[list[str]]:
    """As bank_statements._csv_statement: the delimiter is the one under which the header row
    is recognised in the first rows (the sniffer alone is fooled by "1,500,000")."""
    text = ""
    for text_line in _text_lines(path, encoding):
        text += text_line
        if len(text) > 64 * 1024 or text.count("\n") > HEADER_SEARCH_ROWS:
            break
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiters = [",", ";", "\t"]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        delimiters.sort(key=lambda delimiter: delimiter != sniffed)
    except csv.Error:
        pass
    for delimiter in delimiters:
        try:
            head = list(_reader(iter(io.StringIO(sample, newline="")), delimiter))
        except BankStatementError:
            continue
        if any(resolve_columns(row, mapping) for row in head):
            return _reader(_text_lines(path, encoding), delimiter)
    return iter([])


def _xlsx_rows(path: str) -> Iterator[Sequence[Any]]:
    import openpyxl  # lazy: only an XLSX needs it

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise BankStatementError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    if unpacked > STREAM_MAX_XLSX_UNPACKED_BYTES:
        raise BankStatementError(
            _("The workbook unpacks to more than %(limit)s MB: export a shorter period.")
            % {"limit": STREAM_MAX_XLSX_UNPACKED_BYTES // 1024 // 1024}
        )
    try:
        # read_only: rows are parsed from the sheet's XML as they are asked for.
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any malformed workbook gets the same plain answer
        raise BankStatementError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()
