"""Which column of a bank export holds what: built-in presets with the Vietnamese and English
header names banks use, or names typed by the user. The header row is found by these names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .bank_values import BankStatementError

FIELDS = ("date", "description", "amount", "credit", "debit", "counterparty", "transaction_id", "currency")
# How a refusal names each column, in the reader's language.
COLUMN_LABELS = {
    "date": gettext_lazy("date"),
    "description": gettext_lazy("description"),
    "amount": gettext_lazy("amount"),
    "credit": gettext_lazy("credit"),
    "debit": gettext_lazy("debit"),
    "counterparty": gettext_lazy("counterparty"),
    "transaction_id": gettext_lazy("transaction id"),
    "currency": gettext_lazy("currency"),
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what, by header name. Each field lists the names it accepts, in order
    of preference. Money is either one signed ``amount`` column or ``credit``/``debit`` columns."""

    label: str
    date: tuple[str, ...]
    description: tuple[str, ...]
    amount: tuple[str, ...] = ()
    credit: tuple[str, ...] = ()
    debit: tuple[str, ...] = ()
    counterparty: tuple[str, ...] = ()
    transaction_id: tuple[str, ...] = ()
    currency: tuple[str, ...] = ()


_DATE_NAMES = (
    "ngày giao dịch",
    "ngày gd",
    "ngày hạch toán",
    "ngày ghi sổ",
    "ngày",
    "transaction date",
    "booking date",
    "posting date",
    "date",
    "ngày hiệu lực",
    "value date",
)
_DESCRIPTION_NAMES = (
    "nội dung",
    "nội dung giao dịch",
    "nội dung chuyển khoản",
    "diễn giải",
    "mô tả",
    "chi tiết giao dịch",
    "description",
    "transaction details",
    "details",
    "narrative",
    "remarks",
    "memo",
)
_CREDIT_NAMES = (
    "số tiền ghi có",
    "ghi có",
    "số tiền có",
    "phát sinh có",
    "tiền vào",
    "có",
    "credit",
    "credit amount",
    "money in",
    "deposit",
    "deposits",
)
_DEBIT_NAMES = (
    "số tiền ghi nợ",
    "ghi nợ",
    "số tiền nợ",
    "phát sinh nợ",
    "tiền ra",
    "nợ",
    "debit",
    "debit amount",
    "money out",
    "withdrawal",
    "withdrawals",
)
_AMOUNT_NAMES = ("số tiền", "số tiền giao dịch", "amount", "transaction amount")
_COUNTERPARTY_NAMES = (
    "tên người chuyển",
    "người chuyển",
    "tên tài khoản đối ứng",
    "tên đối ứng",
    "đối tác",
    "counterparty",
    "remitter",
    "sender",
    "payer",
)
_TRANSACTION_ID_NAMES = (
    "mã giao dịch",
    "mã gd",
    "số giao dịch",
    "số tham chiếu",
    "số bút toán",
    "transaction id",
    "transaction no",
    "reference no",
    "ref no",
    "reference",
)
_CURRENCY_NAMES = ("loại tiền", "tiền tệ", "currency", "ccy")

MAPPING_PRESETS: dict[str, ColumnMapping] = {
    "generic": ColumnMapping(
        label=gettext_lazy("Any bank: Vietnamese or English headers, credit column or signed amount"),
        date=_DATE_NAMES,
        description=_DESCRIPTION_NAMES,
        amount=_AMOUNT_NAMES,
        credit=_CREDIT_NAMES,
        debit=_DEBIT_NAMES,
        counterparty=_COUNTERPARTY_NAMES,
        transaction_id=_TRANSACTION_ID_NAMES,
        currency=_CURRENCY_NAMES,
    ),
    "credit_debit": ColumnMapping(
        label=gettext_lazy("Separate credit and debit columns (Ghi có / Ghi nợ)"),
        date=_DATE_NAMES,
        description=_DESCRIPTION_NAMES,
        credit=_CREDIT_NAMES,
        debit=_DEBIT_NAMES,
        counterparty=_COUNTERPARTY_NAMES,
        transaction_id=_TRANSACTION_ID_NAMES,
        currency=_CURRENCY_NAMES,
    ),
    "signed_amount": ColumnMapping(
        label=gettext_lazy("One signed amount column (money out is negative)"),
        date=_DATE_NAMES,
        description=_DESCRIPTION_NAMES,
        amount=_AMOUNT_NAMES,
        counterparty=_COUNTERPARTY_NAMES,
        transaction_id=_TRANSACTION_ID_NAMES,
        currency=_CURRENCY_NAMES,
    ),
}


def mapping_get(preset: str) -> ColumnMapping:
    try:
        return MAPPING_PRESETS[preset]
    except KeyError:
        raise BankStatementError(
            _("Unknown column preset %(preset)r; expected one of: %(presets)s.")
            % {"preset": preset, "presets": ", ".join(MAPPING_PRESETS)}
        ) from None


def mapping_from_headers(
    *,
    date: str,
    description: str,
    amount: str = "",
    credit: str = "",
    debit: str = "",
    counterparty: str = "",
    transaction_id: str = "",
    currency: str = "",
) -> ColumnMapping:
    """A mapping typed by the user: the exact header of each column (case and spacing aside)."""
    given = {
        "date": date,
        "description": description,
        "amount": amount,
        "credit": credit,
        "debit": debit,
        "counterparty": counterparty,
        "transaction_id": transaction_id,
        "currency": currency,
    }
    names: dict[str, tuple[str, ...]] = {}
    for name, header in given.items():
        header = _header_key(header or "")
        if len(header) > 100:
            raise BankStatementError(
                _("The %(column)s column name is longer than 100 characters.") % {"column": COLUMN_LABELS[name]}
            )
        names[name] = (header,) if header else ()
    if not names["date"] or not names["description"]:
        raise BankStatementError(_("Name the date column and the description column."))
    if not names["amount"] and not names["credit"]:
        raise BankStatementError(_("Name the amount column, or the credit column (money in)."))
    if names["amount"] and names["credit"]:
        raise BankStatementError(_("Name either an amount column or credit/debit columns, not both."))
    if names["debit"] and not names["credit"]:
        raise BankStatementError(_("A debit column goes with a credit column."))
    return ColumnMapping(label=gettext_lazy("Columns named by hand"), **names)


def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    return " ".join(text.split()).strip(" :*").casefold()


def _header_parts(value: Any) -> set[str]:
    """A header and its parts: banks write "Ngày giao dịch/Transaction date" or "Số tiền (VND)"."""
    key = _header_key(value)
    parts = {key}
    for part in re.split(r"[/|\n(]", key):
        part = part.strip(" :*)")
        if part:
            parts.add(part)
    return parts


def resolve_columns(header: Sequence[Any], mapping: ColumnMapping) -> dict[str, int] | None:
    """Column index of each field, or None when this row is not the header."""
    cells = [_header_parts(cell) for cell in header]
    used: set[int] = set()
    found: dict[str, int] = {}
    for name in FIELDS:
        for wanted in getattr(mapping, name):
            index = next((i for i, parts in enumerate(cells) if i not in used and wanted in parts), None)
            if index is not None:
                found[name] = index
                used.add(index)
                break
    if "date" not in found or "description" not in found:
        return None
    if "credit" in found:
        found.pop("amount", None)  # a credit column says "money in" without a sign to read
    elif "amount" not in found:
        return None
    else:
        found.pop("debit", None)
    return found


def mapping_summary(mapping: ColumnMapping) -> str:
    def names(values: tuple[str, ...]) -> str:
        return ", ".join(f'"{value}"' for value in values[:4]) + (", …" if len(values) > 4 else "")

    money = names(mapping.credit or mapping.amount)
    return _("a date column (%(date)s), a description (%(description)s) and money in (%(money)s)") % {
        "date": names(mapping.date),
        "description": names(mapping.description),
        "money": money,
    }
