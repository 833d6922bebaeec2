"""VietQR: the EMVCo merchant-presented QR that Vietnamese banking apps scan to prefill a transfer.

The payload is a string of TLV fields (two-digit tag, two-digit length, value) ending in a
CRC-16/CCITT-FALSE over everything before it, including the CRC's own tag and length "6304".
NAPAS puts the beneficiary under tag 38: GUID A000000727, then the bank's BIN and the account,
then the service code QRIBFTTA (transfer to an account). The donation's reference travels as the
transfer note (tag 62, sub-tag 08), which is how a bank statement line finds its pledge.
"""

import re

import segno
from django.utils.translation import gettext as _
from djmoney.money import Money

from fund.errors import FundError

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"  # ISO 4217 numeric
_BIN = re.compile(r"^\d{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")
_NOTE = re.compile(r"^[0-9A-Za-z ]{1,25}$")  # banks strip diacritics and symbols; keep it plain
# EMVCo caps the transaction amount (tag 54) at 13 characters: 9.999.999.999.999 ₫ is the most a
# code can carry. Larger gifts get a code without an amount (see ``amount_fits``).
AMOUNT_MAX_LENGTH = 13


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:  # only our own fixed fields can reach this, already bounded: English
        raise FundError(f"VietQR field {tag} is longer than 99 characters.")
    return f"{tag}{len(value):02d}{value}"


def emv_crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return f"{crc:04X}"


def amount_fits(amount: Money) -> bool:
    """Whether a code can carry ``amount``: whole VND, positive, at most 13 digits."""
    value = amount.amount
    return (
        amount.currency.code == "VND"
        and value > 0
        and value == value.to_integral_value()
        and len(f"{value:.0f}") <= AMOUNT_MAX_LENGTH
    )


def vietqr_payload(*, bank_bin: str, account_number: str, note: str, amount: Money | None = None) -> str:
    """The text to encode in the QR. With ``amount`` the code is "dynamic" (amount prefilled,
    tag 01 = 12); without it, static (11). Only VND: VietQR transfers are domestic."""
    if not _BIN.match(bank_bin or ""):
        raise FundError(_("The bank BIN is the bank's six-digit NAPAS code, e.g. 970436."))
    if not _ACCOUNT.match(account_number or ""):
        raise FundError(_("The account number has 1 to 19 letters or digits."))
    if not _NOTE.match(note or ""):
        raise FundError(_("The transfer note has 1 to 25 plain letters, digits or spaces."))
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account_number)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TRANSFER_TO_ACCOUNT)
    fields = _tlv("00", "01") + _tlv("01", "12" if amount is not None else "11") + _tlv("38", merchant)
    fields += _tlv("53", CURRENCY_VND)
    if amount is not None:
        if not amount_fits(amount):
            raise FundError(_("A VietQR amount is a positive whole number of VND of at most 13 digits."))
        fields += _tlv("54", f"{amount.amount:.0f}")
    fields += _tlv("58", "VN") + _tlv("62", _tlv("08", note)) + "6304"
    return fields + emv_crc16(fields)


def vietqr_svg(payload: str, *, title: str = "VietQR") -> str:
    """The QR as inline SVG for a page: no image file, no third-party QR service. Error
    correction M survives a phone screen's glare and a printed copy's smudges.

    A viewBox and no width or height, so the stylesheet scales the whole code to the space it
    has: an SVG with fixed width and height is cropped, not shrunk, when CSS makes it smaller,
    and a longer payload (a larger amount) makes a larger symbol. The four-module quiet zone
    that readers need is part of the drawing, painted white so a tinted page cannot eat it."""
    svg = segno.make(payload, error="m", micro=False).svg_inline(
        scale=1, border=4, omitsize=True, light="#fff", title=title, svgclass="vietqr-code"
    )
    # Whole modules, no anti-aliased seams between rows, at any scale.
    return svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)
