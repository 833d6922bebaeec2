"""Cells of a bank statement read into values: Vietnamese amounts ("1.500.000", "1.500.000,00",
"+500.000 VND"), dates (dd/mm/yyyy, yyyy-mm-dd, spreadsheet dates) and bounded plain text.

A cell that cannot be read raises ``BadValue``; the caller adds the row number.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.formats import number_display
from fund.errors import FundError
from fund.money import MAX_AMOUNT, currency_exponent

EARLIEST_DATE = datetime.date(2000, 1, 1)


class BankStatementError(FundError):
    """A statement file or bank notification cannot be read; the messages name each bad row."""


_CURRENCY_WORDS = {
    **dict.fromkeys(("VND", "VNĐ", "Đ", "₫", "ĐỒNG"), "VND"),
    **dict.fromkeys(("USD", "US$", "$"), "USD"),
}
_CURRENCY_TOKEN = re.compile(r"[^\d\s.,+\-()'\u00a0\u202f]+")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_THOUSANDS = {".": re.compile(r"^\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(,\d{3})+$")}


class BadValue(Exception):
    """A cell that cannot be read; turned into a message naming the row."""


def amount_parse(value: Any, currency: str) -> Decimal:
    """A signed amount from a cell: "1.500.000", "1,500,000", "1500000", "1.500.000,00",
    "+500.000 VND", "(500.000)", or a spreadsheet number. Decimal, never float."""
    if isinstance(value, bool):
        raise BadValue(_("the amount %(value)s is not a number") % {"value": repr(value)})
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # A spreadsheet stores numbers as binary floats; its shortest repr is the number shown.
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        number = _amount_from_text(str(value), currency)
    if not number.is_finite():
        raise BadValue(_("the amount must be a finite number"))
    if abs(number) >= MAX_AMOUNT:
        raise BadValue(
            _("the amount %(value)s is larger than any gift this platform accepts") % {"value": shown(value)}
        )
    places = currency_exponent(currency)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise BadValue(
            _("the amount %(value)s has more than %(places)s decimal places for %(currency)s")
            % {"value": shown(value), "places": places, "currency": currency}
        )
    return number.quantize(Decimal(1).scaleb(-places))


def _amount_from_text(text: str, currency: str) -> Decimal:
    raw = unicodedata.normalize("NFC", text).strip()
    if raw in ("", "-", "–", "—"):
        return Decimal(0)  # an empty cell, or the dash some banks print for "nothing"
    for token in _CURRENCY_TOKEN.findall(raw):
        code = _CURRENCY_WORDS.get(token.upper())
        if code is None:
            raise BadValue(_("the amount %(value)s is not a number") % {"value": shown(raw)})
        if code != currency:
            raise BadValue(
                _("the amount %(value)s is in %(given)s, but this statement is in %(currency)s")
                % {"value": shown(raw), "given": code, "currency": currency}
            )
    body = _SPACES.sub("", _CURRENCY_TOKEN.sub("", raw))
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    if body[:1] in "+-" and body:
        negative, body = body[0] == "-", body[1:]
    if not body or len(body) > 40 or not re.fullmatch(r"[\d.,]+", body) or not body[0].isdigit():
        raise BadValue(_("the amount %(value)s is not a number") % {"value": shown(raw)})
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        # Both: the later one is the decimal mark ("1.500.000,00" or "1,500,000.00").
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _mark, fraction = body.rpartition(decimal_mark)
        if body.count(decimal_mark) != 1 or not _THOUSANDS[thousands].match(whole):
            raise BadValue(_("the amount %(value)s is not a number") % {"value": shown(raw)})
        digits = whole.replace(thousands, "") + "." + fraction
    elif dots + commas == 0:
        digits = body
    else:
        mark = "." if dots else ","
        whole, _mark, fraction = body.rpartition(mark)
        if _THOUSANDS[mark].match(body):
            # "1.500.000", "1,500,000", and a single "1.500" (a thousand: three digits after the
            # mark are never decimals for VND, and never cents for USD).
            digits = body.replace(mark, "")
        elif dots + commas == 1 and fraction:
            digits = whole + "." + fraction
        else:
            raise BadValue(_("the amount %(value)s is not a number") % {"value": shown(raw)})
    try:
        number = Decimal(digits)
    except InvalidOperation:
        raise BadValue(_("the amount %(value)s is not a number") % {"value": shown(raw)}) from None
    return -number if negative else number


_DATE_FORMATS = (
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("day", "month", "year")),
    (re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$"), ("year", "month", "day")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("year", "month", "day")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$"), ("day", "month", "year2")),
)
_TIME_TAIL = re.compile(r"^([^\sT]+)(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?$")


def date_parse(value: Any) -> datetime.date:
    """A booking date: dd/mm/yyyy (the Vietnamese order), dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd,
    with or without a time, or a spreadsheet date (a date cell or Excel's day number)."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _excel_serial(value)
    else:
        day = _date_from_text(str(value))
    if day < EARLIEST_DATE:
        raise BadValue(_("the date %(value)s is before %(year)s") % {"value": shown(value), "year": EARLIEST_DATE.year})
    if day > timezone.localdate() + datetime.timedelta(days=1):
        raise BadValue(_("the date %(value)s is in the future") % {"value": shown(value)})
    return day


def _excel_serial(number: float) -> datetime.date:
    from openpyxl.utils.datetime import from_excel  # lazy: openpyxl costs about 150 ms, only XLSX dates need it

    if not 1 <= number < 2958466:  # Excel's range: 1900-01-01 to 9999-12-31
        raise BadValue(_("the date %(value)s is not a date") % {"value": shown(number)})
    moment = from_excel(number)
    return moment.date() if isinstance(moment, datetime.datetime) else moment


def _date_from_text(text: str) -> datetime.date:
    raw = " ".join(text.split())
    match = _TIME_TAIL.match(raw)
    if raw.isdigit() and len(raw) == 5:
        return _excel_serial(int(raw))  # a spreadsheet date saved to CSV without its format
    if match:
        day_text = match[1]
        for pattern, parts in _DATE_FORMATS:
            found = pattern.match(day_text)
            if not found:
                continue
            values = dict(zip(parts, (int(group) for group in found.groups()), strict=True))
            year = values.get("year") or 2000 + values["year2"]
            try:
                return datetime.date(year, values["month"], values["day"])
            except ValueError:
                break
    raise BadValue(_("the date %(value)s is not a date (write dd/mm/yyyy or yyyy-mm-dd)") % {"value": shown(raw)})


_MARKUP = re.compile(r"<[a-zA-Z/!?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def text_parse(value: Any, *, label: Any, max_length: int) -> str:
    """Free text from a bank: whitespace collapsed, bounded, no control characters and no markup.
    Bank systems never put markup in a transfer note; a file that has some was edited or forged."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed into a spreadsheet cell as a number
    text = unicodedata.normalize("NFC", str(value))
    if _CONTROL.search(text):
        raise BadValue(_("the %(label)s contains control characters") % {"label": label})
    text = " ".join(text.split())
    if len(text) > max_length:
        raise BadValue(
            _("the %(label)s can be at most %(max)s characters (got %(length)s)")
            % {
                "label": label,
                "max": number_display(max_length, places=0),
                "length": number_display(len(text), places=0),
            }
        )
    if _MARKUP.search(text):
        raise BadValue(
            _("the %(label)s contains markup (%(text)s); bank text never does") % {"label": label, "text": shown(text)}
        )
    return text


def shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")
