"""VietQR payloads: structure read back by an independent TLV reader, and a valid CRC."""

import subprocess
from decimal import Decimal

import pytest
import segno
from djmoney.money import Money

from fund.errors import FundError
from payments.vietqr import amount_fits, emv_crc16, vietqr_payload, vietqr_svg


def read_tlv(text: str) -> dict[str, str]:
    """A separate, minimal reader: tag, two-digit length, value, repeated."""
    fields, i = {}, 0
    while i < len(text):
        tag, length = text[i : i + 2], int(text[i + 2 : i + 4])
        fields[tag] = text[i + 4 : i + 4 + length]
        i += 4 + length
    return fields


def test_crc_matches_the_standard_check_value():
    # CRC-16/CCITT-FALSE of "123456789" is 0x29B1 in every catalogue of CRC algorithms.
    assert emv_crc16("123456789") == "29B1"


def test_dynamic_payload_carries_bank_account_amount_and_reference():
    payload = vietqr_payload(
        bank_bin="970436", account_number="0071000123456", note="CT7EEFKZTZ", amount=Money(Decimal("500000"), "VND")
    )
    fields = read_tlv(payload)
    assert fields["00"] == "01"
    assert fields["01"] == "12"
    merchant = read_tlv(fields["38"])
    assert merchant["00"] == "A000000727"
    assert read_tlv(merchant["01"]) == {"00": "970436", "01": "0071000123456"}
    assert merchant["02"] == "QRIBFTTA"
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "500000", "VN")
    assert read_tlv(fields["62"]) == {"08": "CT7EEFKZTZ"}
    assert payload[-8:-4] == "6304"
    assert fields["63"] == emv_crc16(payload[:-4])


def test_static_payload_has_no_amount():
    fields = read_tlv(vietqr_payload(bank_bin="970436", account_number="0071000123456", note="CT7EEFKZTZ"))
    assert fields["01"] == "11"
    assert "54" not in fields


def test_a_changed_character_breaks_the_crc():
    payload = vietqr_payload(bank_bin="970436", account_number="0071000123456", note="CTAAAA2222")
    tampered = payload.replace("0071000123456", "0071000123457")
    assert emv_crc16(tampered[:-4]) != tampered[-4:]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bank_bin": "97043"},
        {"bank_bin": "97043A"},
        {"account_number": ""},
        {"account_number": "1" * 20},
        {"note": "Chúc mừng"},
        {"note": "X" * 26},
        {"amount": Money("20.50", "USD")},
        {"amount": Money("1000.5", "VND")},
        {"amount": Money("0", "VND")},
        {"amount": Money("10000000000000", "VND")},  # 14 digits: EMVCo's amount field holds 13
    ],
)
def test_bad_input_is_refused(kwargs):
    args = {"bank_bin": "970436", "account_number": "0071000123456", "note": "CTAAAA2222"} | kwargs
    with pytest.raises(FundError):
        vietqr_payload(**args)


def test_the_rendered_qr_decodes_with_a_standard_reader(tmp_path):
    """zbar, the reader behind many scanning apps, must read back exactly the payload."""
    payload = vietqr_payload(
        bank_bin="970436", account_number="0071000123456", note="CT7EEFKZTZ", amount=Money(Decimal("1500000"), "VND")
    )
    image = tmp_path / "vietqr.png"
    segno.make(payload, error="m", micro=False).save(image, scale=6, border=4)
    result = subprocess.run(
        ["zbarimg", "--raw", "--quiet", str(image)], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == payload
    svg = vietqr_svg(payload)
    assert svg.startswith("<svg") and "</svg>" in svg


def test_the_largest_amount_a_code_carries_has_thirteen_digits():
    assert amount_fits(Money("9999999999999", "VND"))
    assert not amount_fits(Money("10000000000000", "VND"))
    assert not amount_fits(Money("25", "USD"))
    fields = read_tlv(
        vietqr_payload(
            bank_bin="970436", account_number="0071000123456", note="CTAAAA2222", amount=Money("9999999999999", "VND")
        )
    )
    assert fields["54"] == "9999999999999"


def test_the_svg_scales_instead_of_cropping():
    """A fixed width and height with no viewBox make CSS crop the code instead of shrinking it."""
    svg = vietqr_svg(vietqr_payload(bank_bin="970436", account_number="0071000123456", note="CTAAAA2222"))
    opening = svg[: svg.index(">")]
    assert "viewBox=" in opening
    assert " width=" not in opening and " height=" not in opening
    assert 'role="img"' in opening and "<title>" in svg
