"""Reading bank exports: encodings, delimiters, XLSX, Vietnamese numbers and dates, column
mappings; and hostile files refused whole, naming each bad row, with nothing written."""

import datetime
import io
import unicodedata
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from djmoney.money import Money

from fund.models import Donation
from payments.bank_statements import (
    MAX_ROWS,
    BankStatementError,
    mapping_from_headers,
    mapping_get,
    statement_read,
)
from payments.bank_values import BadValue, amount_parse, date_parse
from payments.services.bank_import import bank_statement_import

from .conftest import HEADER, days_ago, statement_csv, table_counts, vn_date

GENERIC = mapping_get("generic")
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: the base letter (ê, ơ…) and then a
    combining tone mark, since the code page has no room for every precomposed letter."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            marks = "".join(c for c in parts if c in _TONE_MARKS)
            out.append((base + marks).encode("cp1258"))
    return b"".join(out)


def read(content: bytes, mapping=GENERIC, currency="VND", filename="statement.csv"):
    return statement_read(content=content, filename=filename, mapping=mapping, currency=currency)


# --- numbers and dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1500000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("+500.000 VND", 500_000),
        ("500.000 VNĐ", 500_000),
        ("500.000đ", 500_000),
        ("500.000 ₫", 500_000),
        ("1 500 000", 1_500_000),
        ("1.500", 1_500),
        ("-200.000", -200_000),
        ("(200.000)", -200_000),
        ("", 0),
        ("-", 0),
        (1500000, 1_500_000),
        (1500000.0, 1_500_000),
    ],
)
def test_vietnamese_amounts(text, expected):
    assert amount_parse(text, "VND") == Decimal(expected)


def test_usd_amounts_keep_cents():
    assert amount_parse("1,234.50", "USD") == Decimal("1234.50")
    assert amount_parse("$20", "USD") == Decimal("20.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("five hundred", "not a number"),
        ("1e18", "not a number"),
        ("NaN", "not a number"),
        ("1,50,000", "not a number"),
        ("12.345.67", "not a number"),
        ("1,5", "more than 0 decimal places"),
        ("100.50", "more than 0 decimal places"),
        ("9" * 16, "larger than any gift"),
        ("9" * 60, "not a number"),
        ("500 USD", "is in USD, but this statement is in VND"),
        (float("nan"), "finite"),
        (True, "not a number"),
    ],
)
def test_bad_amounts(text, message):
    with pytest.raises(BadValue, match=message):
        amount_parse(text, "VND")


@pytest.mark.parametrize(
    "value",
    [
        "15/03/2026",
        "15-03-2026",
        "15.03.2026",
        "2026-03-15",
        "2026/03/15",
        "15/03/2026 10:22:01",
        "2026-03-15T10:20:30",
        "15/3/2026",
        datetime.datetime(2026, 3, 15, 8, 30),
        datetime.date(2026, 3, 15),
        46096,  # Excel's day number for 15 March 2026
        "46096",
    ],
)
def test_dates(value):
    assert date_parse(value) == datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2026", "not a date"),
        ("2026-13-01", "not a date"),
        ("tomorrow", "not a date"),
        ("03/15/2026", "not a date"),  # month first is not how Vietnamese banks write dates
        ("01/01/1999", "before 2000"),
        ("01/01/2099", "in the future"),
    ],
)
def test_bad_dates(value, message):
    with pytest.raises(BadValue, match=message):
        date_parse(value)


# --- files ---------------------------------------------------------------------------------------


def test_utf8_with_bom_and_semicolons():
    content = b"\xef\xbb\xbf" + statement_csv(
        [["02/11/2026", "1.500.000", "", "Ủng hộ CT7K3M9QXA", "Trần A"]], delimiter=";"
    )
    parsed = read(content)
    assert parsed.header_row == 4
    assert parsed.columns["credit"] == "Số tiền ghi có"
    (line,) = parsed.lines
    assert (line.row, line.booked_on, line.amount) == (5, datetime.date(2026, 11, 2), Money(1_500_000, "VND"))
    assert (line.description, line.counterparty) == ("Ủng hộ CT7K3M9QXA", "Trần A")


def test_windows_1258_with_tabs():
    text = "\r\n".join(
        [
            "\t".join(HEADER),
            "\t".join(["02/11/2026", "200.000", "", "Ủng hộ quỹ bảo trợ trẻ em", "Nguyễn Thị Hường"]),
        ]
    )
    content = cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    (line,) = read(content).lines
    assert line.description == "Ủng hộ quỹ bảo trợ trẻ em"
    assert line.counterparty == "Nguyễn Thị Hường"
    assert line.amount == Money(200_000, "VND")


def test_commas_inside_amounts_do_not_fool_the_delimiter():
    content = statement_csv([["02/11/2026", "1,500,000", "", "a, b, c", "X"]], preamble=False)
    (line,) = read(content).lines
    assert line.amount == Money(1_500_000, "VND")
    assert line.description == "a, b, c"


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_date_cells_numbers_and_a_title():
    content = xlsx(
        [
            ["Sao kê tài khoản 0123456789"],
            [],
            ["STT", "Ngày GD", "Mã giao dịch", "Ghi có", "Ghi nợ", "Diễn giải", "Đối tác"],
            [1, datetime.date(2026, 11, 2), "FT001", 1500000, None, "UNG HO CT7K3M9QXA", "A"],
            [2, datetime.datetime(2026, 11, 3, 9, 15), 123456789, 250000.0, None, "ung ho", "B"],
            [3, 46096, "FT003", None, 90000, "phi", "C"],
            [4, "04/11/2026", "FT004", "300.000", None, "ung ho", "D"],
            [None, None, None, 2050000, 90000, "Tổng", None],
        ]
    )
    parsed = read(content, filename="statement.xlsx")
    assert [(line.row, line.booked_on, line.amount.amount, line.bank_reference) for line in parsed.lines] == [
        (4, datetime.date(2026, 11, 2), Decimal(1_500_000), "FT001"),
        (5, datetime.date(2026, 11, 3), Decimal(250_000), "123456789"),
        (7, datetime.date(2026, 11, 4), Decimal(300_000), "FT004"),
    ]
    assert (parsed.skipped_outgoing, parsed.skipped_undated) == (1, 1)


def test_xlsx_import_through_the_service(pledge):
    gift = pledge("500000")
    content = xlsx([["Ngày giao dịch", "Số tiền", "Nội dung"], [days_ago(1), 500000, f"ung ho {gift.reference}"]])
    statement = bank_statement_import(filename="sao-ke.xlsx", content=content)
    assert (statement.new_count, statement.matched_count) == (1, 1)
    assert Donation.objects.get(pk=gift.pk).status == "received"


def test_a_signed_amount_column_skips_money_out():
    header = ["Date", "Amount", "Description"]
    rows = [["02/11/2026", "+500.000", "in"], ["02/11/2026", "-500.000", "out"], ["02/11/2026", "0", "zero"]]
    parsed = read(statement_csv(rows, header=header), mapping=mapping_get("signed_amount"))
    assert [line.description for line in parsed.lines] == ["in"]
    assert (parsed.skipped_outgoing, parsed.skipped_zero) == (1, 1)


def test_columns_named_by_hand():
    header = ["Thời gian", "Tiền về", "Ghi chú", "Người gửi", "Số chứng từ"]
    mapping = mapping_from_headers(
        date="thời gian",
        credit="TIỀN VỀ",
        description="Ghi chú",
        counterparty="Người gửi",
        transaction_id="Số chứng từ",
    )
    (line,) = read(statement_csv([["02/11/2026", "75.000", "ung ho", "X", "S1"]], header=header), mapping=mapping).lines
    assert (line.amount, line.counterparty, line.bank_reference) == (Money(75_000, "VND"), "X", "S1")
    with pytest.raises(BankStatementError, match="No header row found"):
        read(statement_csv([["02/11/2026", "75.000", "ung ho"]]), mapping=mapping)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date": "", "description": "d", "amount": "a"}, "date column and the description"),
        ({"date": "d", "description": "x"}, "amount column, or the credit column"),
        ({"date": "d", "description": "x", "amount": "a", "credit": "c"}, "not both"),
        ({"date": "d", "description": "x", "amount": "a", "debit": "c"}, "debit column goes with a credit"),
        ({"date": "d" * 101, "description": "x", "amount": "a"}, "longer than 100"),
    ],
)
def test_bad_hand_mappings(kwargs, message):
    with pytest.raises(BankStatementError, match=message):
        mapping_from_headers(**kwargs)


def test_unknown_preset():
    with pytest.raises(BankStatementError, match="Unknown column preset 'bogus'"):
        mapping_get("bogus")


# --- refused files: a clear error, nothing written ------------------------------------------


def refused(content: bytes, filename: str = "statement.csv", mapping="generic") -> list[str]:
    before = table_counts()
    with pytest.raises(BankStatementError) as exc_info:
        bank_statement_import(filename=filename, content=content, mapping=mapping)
    assert table_counts() == before
    return exc_info.value.messages


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["02/11/2026", "9" * 20, "", "x", ""], "Row 6: the amount '99999999999999999999' is larger than any gift"),
        (["02/11/2026", "-500.000", "", "x", ""], "Row 6: the credit '-500.000' is negative."),
        (["02/11/2026", "năm trăm", "", "x", ""], "Row 6: the amount 'năm trăm' is not a number."),
        (["02/11/2026", "500.000", "", "x" * 10_240, ""], "Row 6: the description can be at most 500 characters"),
        (["02/11/2026", "500.000", "", "<script>alert(1)</script>", ""], "Row 6: the description contains markup"),
        (["02/11/2026", "500.000", "", "x", "<img src=x onerror=alert(1)>"], "Row 6: the counterparty contains markup"),
        (["02/11/2026", "500 USD", "", "x", ""], "Row 6: the amount '500 USD' is in USD, but this statement is in VND"),
        (["31/02/2026", "500.000", "", "x", ""], "Row 6: the date '31/02/2026' is not a date"),
        (["hôm qua", "500.000", "", "x", ""], "Row 6: the date 'hôm qua' is not a date"),
        (["02/11/2026", "500.000", "", "x\x00y", ""], "Row 6: the description contains control characters"),
        (["02/11/2026", "500.000", "300.000", "x", ""], "Row 6: the line has both a credit and a debit"),
    ],
)
def test_a_hostile_row_refuses_the_file_and_names_the_row(db, row, message):
    good = [vn_date(days_ago(1)), "100.000", "", "fine", ""]
    (text,) = refused(statement_csv([good, row, good]))
    assert text.startswith(message), text


def test_every_bad_row_is_named(db):
    rows = [[vn_date(days_ago(1)), "abc", "", "x", ""], [vn_date(days_ago(1)), "1", "", "ok", ""]]
    rows += [["99/99/2026", "1", "", "x", ""]]
    assert refused(statement_csv(rows)) == [
        "Row 5: the amount 'abc' is not a number.",
        "Row 7: the date '99/99/2026' is not a date (write dd/mm/yyyy or yyyy-mm-dd).",
    ]


def test_wrong_currency_column(db):
    header = [*HEADER, "Loại tiền"]
    (message,) = refused(statement_csv([[vn_date(days_ago(1)), "20", "", "x", "", "USD"]], header=header))
    assert message == "Row 5: the currency is 'USD', but this statement is in VND."


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (b"hello,world\r\n1,2\r\n", "a.csv", "No header row found in the first 30 rows"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "a.xls", "Old Excel files (.xls)"),
        (b"<html><table><tr><td>Ngay</td></tr></table></html>", "a.xls", "web page"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "not a readable Excel workbook"),
        (b"Ngay,So tien\r\n", "a.xlsx", "named .xlsx but is not an Excel workbook"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, "a.csv", "not text in UTF-8 or Windows-1258"),
    ],
)
def test_unreadable_files(db, content, filename, message):
    (text,) = refused(content, filename=filename)
    assert message in text


def test_file_size_and_row_count_are_bounded(db):
    (text,) = refused(b"x" * (5 * 1024 * 1024 + 1))
    assert "the limit is 5 MB" in text
    rows = [[vn_date(days_ago(1)), "1.000", "", "x", ""]] * (MAX_ROWS + 1)
    (text,) = refused(statement_csv(rows, preamble=False))
    assert "more than 20,000 rows" in text


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (70 * 1024 * 1024))
    (text,) = refused(buffer.getvalue(), filename="bomb.xlsx")
    assert "unpacks to more than 60 MB" in text
