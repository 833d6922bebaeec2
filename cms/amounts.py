"""Amounts as donors type them. Services take plain decimals only; this is the one place that
reads "500.000" or "1,500,000" (Vietnamese and English habits) and refuses anything ambiguous."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_VND = re.compile(r"^(\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+|\d+)$")
_USD = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_NOISE = re.compile(r"[\s\u00a0₫$]|đồng|đ|VND|USD", re.IGNORECASE)
MAX_INPUT = 40


def amount_from_input(text: str, currency: str) -> Decimal:
    """A Decimal from a typed amount in ``currency``. VND: whole đồng, thousands grouped by dots
    or commas ("1.500.000", "1,500,000"). USD: thousands by commas, cents after a dot."""
    text = (text or "").strip()
    if len(text) > MAX_INPUT:
        raise ValidationError(_("That amount is too long."), code="invalid")
    cleaned = _NOISE.sub("", text)
    pattern = _VND if currency == "VND" else _USD
    if not cleaned or not pattern.match(cleaned):
        example = "500.000" if currency == "VND" else "25.00"
        raise ValidationError(_("Enter an amount in numbers, like %(example)s.") % {"example": example}, code="invalid")
    if currency == "VND":
        return Decimal(cleaned.replace(".", "").replace(",", ""))
    return Decimal(cleaned.replace(",", ""))
