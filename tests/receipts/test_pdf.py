"""Receipts as PDF, read back the way a donor's viewer reads them: text with poppler's pdftotext,
the QR code by rasterising page 1 and decoding it with zbar, then opening what it points to."""

import io
import re
import subprocess
import tempfile
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from donors.services import donor_create
from fund.models import Organisation
from fund.services import campaign_create, donation_record, donation_refund
from receipts.models import Receipt, ReceiptSettings
from receipts.pdf import receipt_pdf_bytes, void_reason_text
from receipts.services.receipts import receipt_issue, receipt_reissue, receipt_void

pytestmark = pytest.mark.django_db

ORGANISATION = {
    "name": "Trung tâm Công tác xã hội tỉnh Ví Dụ",
    "address": "12 Đường Hùng Vương, phường Trần Phú, tỉnh Ví Dụ",
    "tax_code": "4300123456",
    "phone": "0255 3822 123",
    "email": "quy@trungtam.example.org",
    "website": "trungtam.example.org",
}
ISSUER = {
    "signatory_name": "Phạm Thị Giám Đốc",
    "signatory_title_vi": "Giám đốc",
    "signatory_title_en": "Director",
    "thanks_vi": "Xin chân thành cảm ơn tấm lòng của quý vị.",
    "thanks_en": "Thank you for standing with the children.",
    "footer_vi": "Biên nhận điện tử, không cần đóng dấu.",
    "footer_en": "Electronic receipt, valid without a stamp.",
}


def run(*command: str, data: bytes | None = None) -> str:
    return subprocess.run(command, input=data, capture_output=True, check=True, timeout=60).stdout.decode()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with whitespace collapsed, so a value wrapped over two lines still matches."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.pdf")
        path.write_bytes(pdf)
        return " ".join(run("pdftotext", str(path), "-").split())


def pdf_info(pdf: bytes, *flags: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.pdf")
        path.write_bytes(pdf)
        return run("pdfinfo", *flags, str(path))


def pdf_images(pdf: bytes) -> list[str]:
    """One row per image drawn (pdfimages -list), headers and transparency masks dropped."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.pdf")
        path.write_bytes(pdf)
        rows = run("pdfimages", "-list", str(path)).splitlines()[2:]
    return [row for row in rows if row.split()[2] == "image"]


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, for searching."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def qr_decode(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.pdf")
        path.write_bytes(pdf)
        run("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(Path(tmp, "page")))
        (page,) = Path(tmp).glob("page*.png")
        return run("zbarimg", "--raw", "-q", str(page)).strip()


def image(title: str, colour: str):
    return get_image_model().objects.create(title=title, file=get_test_image_file(f"{title}.png", colour=colour))


@pytest.fixture(autouse=True)
def issuer(db):
    """Settings > Organisation and Settings > Receipts filled in before any gift is received (each
    receipt copies them)."""
    organisation = Organisation.load()
    for name, value in ORGANISATION.items():
        setattr(organisation, name, value)
    organisation.logo = image("logo", "navy")
    organisation.save()
    settings = ReceiptSettings.load()
    for name, value in ISSUER.items():
        setattr(settings, name, value)
    settings.signature = image("signature", "blue")
    settings.save()
    return settings


def received(**kwargs):
    fields = {"kind": "cash", "channel": "bank_transfer", "received_at": timezone.now(), **kwargs}
    donation = donation_record(**fields)
    return receipt_issue(donation_id=donation.pk)


@pytest.fixture
def english_donor(db):
    return donor_create(kind="person", name="Sarah O'Connor", address="4 Elm Row, Edinburgh", preferred_language="en")


def test_a_vietnamese_receipt_prints_its_letterhead_gift_and_signature(received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    pdf = receipt_pdf_bytes(receipt)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        receipt.number,
        "Nguyễn Thị Hồng Nhung",
        "1.900.000.000 ₫",
        "Một tỷ chín trăm triệu đồng",
        received_gift.reference,
        "Children's Protection Fund",
        ORGANISATION["name"].upper(),  # set in capitals, as letterheads here are
        ORGANISATION["address"],
        ORGANISATION["tax_code"],
        ORGANISATION["phone"],
        ORGANISATION["email"],
        ORGANISATION["website"],
        ISSUER["signatory_name"],
        ISSUER["signatory_title_vi"].upper(),
        ISSUER["thanks_vi"],
        ISSUER["footer_vi"],
        f"tháng {timezone.localdate().month} năm {timezone.localdate().year}",
        # The interface is in Vietnamese too (from the catalogue), not only the data.
        "BIÊN NHẬN ỦNG HỘ",
        "Bằng chữ",
    ):
        assert expected in text, expected
    for english in ("Donation receipt", "DONATION RECEIPT", "In words", "Tax code", "Check this document"):
        assert english not in text, english
    assert "ĐÃ HỦY" not in text and "Thay thế" not in text
    info = pdf_info(pdf)
    assert re.search(r"^Pages: +1$", info, re.M)
    assert re.search(rf"^Title: +{receipt.number}$", info, re.M)
    assert re.search(r"^Page size: .*\(A4\)$", info, re.M)
    metadata = pdf_info(pdf, "-meta")
    assert 'pdfaid:part="2" pdfaid:conformance="B"' in metadata  # PDF/A-2b
    assert b"/Lang (vi)" in pdf_objects(pdf)


def test_the_logo_and_signature_are_embedded_beside_the_qr_code(received_gift):
    pdf = receipt_pdf_bytes(Receipt.objects.get(donation=received_gift))
    sizes = sorted(tuple(int(n) for n in row.split()[3:5]) for row in pdf_images(pdf))
    # The QR code (square, 4 px a module, drawn without smoothing) and the renditions of the two
    # 640x480 uploads, scaled to fit 800x400.
    (qr_width, qr_height), logo, signature = sizes
    assert qr_width == qr_height and qr_width % 4 == 0
    assert logo == signature == (533, 400)
    assert sum(" no " in row for row in pdf_images(pdf)) == 1  # only the QR is not interpolated


def test_a_deleted_logo_or_signature_is_left_out(issuer, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    Organisation.load().logo.delete()
    issuer.signature.delete()
    pdf = receipt_pdf_bytes(receipt)
    assert len(pdf_images(pdf)) == 1  # the QR code
    assert ISSUER["signatory_name"] in pdf_text(pdf)


def test_an_organisation_receipt_names_its_tax_code_contact_and_campaign(fund, organisation):
    campaign = campaign_create(fund=fund, name="Tết ấm cho em 2027", slug="tet-2027", starts_on=timezone.localdate())
    receipt = received(fund=fund, donor=organisation, amount="1000005", campaign=campaign)
    text = pdf_text(receipt_pdf_bytes(receipt))
    for expected in (
        "Công ty TNHH Ví Dụ",
        "0101234565",
        "Lê Văn Mẫu",
        "Tết ấm cho em 2027",
        "1.000.005 ₫",
        "Một triệu không trăm lẻ năm đồng",
    ):
        assert expected in text, expected


def test_a_goods_receipt_lists_its_lines_and_their_total(fund, donor):
    receipt = received(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[
            {"description": "Sữa bột trẻ em 900g", "quantity": "120", "unit": "hộp", "fair_value": "54000000"},
            {"description": "Chăn bông", "quantity": "12.5", "unit": "kg", "fair_value": "3750000"},
        ],
    )
    text = pdf_text(receipt_pdf_bytes(receipt))
    for expected in (
        "Sữa bột trẻ em 900g",
        "120",
        "hộp",
        "54.000.000 ₫",
        "Chăn bông",
        "12,5",  # Vietnamese decimal comma
        "3.750.000 ₫",
        "57.750.000 ₫",
        "Năm mươi bảy triệu bảy trăm năm mươi nghìn đồng",
    ):
        assert expected in text, expected


def test_an_english_receipt_is_in_english_throughout(fund, english_donor):
    receipt = received(fund=fund, donor=english_donor, amount="2500000")
    pdf = receipt_pdf_bytes(receipt)
    text = pdf_text(pdf)
    for expected in (
        "DONATION RECEIPT",
        "Sarah O'Connor",
        "4 Elm Row, Edinburgh",
        "2,500,000 ₫",  # English separators
        "Two million five hundred thousand dong",
        "In words",
        ISSUER["signatory_title_en"].upper(),
        ISSUER["thanks_en"],
        ISSUER["footer_en"],
    ):
        assert expected in text, expected
    assert ISSUER["thanks_vi"] not in text
    assert b"/Lang (en)" in pdf_objects(pdf)
    today = timezone.localdate()
    assert f"{today.day} {today:%B} {today.year}" in text  # English dates day first: 1 December 2026


def test_a_dollar_gift_shows_its_value_to_the_fund_at_the_recorded_rate(fund, donor, english_donor):
    vietnamese = received(fund=fund, donor=donor, amount="25.50", currency="USD", exchange_rate="25432.5")
    text = pdf_text(receipt_pdf_bytes(vietnamese))
    assert "25,50 USD" in text  # Vietnamese: decimal comma, code after the amount
    assert "Hai mươi lăm đô la Mỹ và năm mươi xu" in text
    assert "648.529 ₫" in text  # 25.50 x 25,432.5 = 648,528.75, rounded to whole dong
    assert "25.432,5" in text  # the rate as recorded, in Vietnamese separators

    english = received(fund=fund, donor=english_donor, amount="100", currency="USD", exchange_rate="25000")
    text = pdf_text(receipt_pdf_bytes(english))
    assert "One hundred US dollars" in text
    assert "USD 100.00" in text  # English: decimal point, code before the amount
    assert "2,500,000 ₫" in text and "at 25,000 VND per USD" in text


def test_a_scholarship_receipt_gives_the_count_and_school_year(fund, donor):
    receipt = received(
        fund=fund, donor=donor, kind="scholarship", amount="60000000", scholarship_count=12, school_year="2026-2027"
    )
    text = pdf_text(receipt_pdf_bytes(receipt))
    assert "12 · " in text and "2026-2027" in text


def test_a_replacement_names_the_receipt_it_replaces_and_the_old_one_is_marked_void(received_gift):
    old = Receipt.objects.get(donation=received_gift)
    new = receipt_reissue(receipt=old, reason="Sai địa chỉ", actor=None)
    new_text = pdf_text(receipt_pdf_bytes(new))
    assert f"Thay thế biên nhận số {old.number} (Sai địa chỉ)" in new_text
    assert "ĐÃ HỦY" not in new_text

    old.refresh_from_db()
    old_text = pdf_text(receipt_pdf_bytes(old))
    assert "ĐÃ HỦY Văn bản này đã bị hủy ngày" in old_text  # beside a watermark across the page
    assert "Lý do: Sai địa chỉ" in old_text and old.number in old_text


def test_a_voided_english_receipt_says_why(fund, english_donor):
    receipt = received(fund=fund, donor=english_donor, amount="500000")
    receipt = receipt_void(receipt=receipt, reason="Transfer returned by the bank")
    text = pdf_text(receipt_pdf_bytes(receipt))
    assert "VOID This document was voided on" in text and "Reason: Transfer returned by the bank" in text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_qr_code_opens_the_receipts_verification_page(client, fund, language):
    donor = donor_create(kind="person", name="Người Kiểm Tra", preferred_language=language)
    receipt = received(fund=fund, donor=donor, amount="300000")
    url = qr_decode(receipt_pdf_bytes(receipt))
    assert url.endswith(f"/verify/{receipt.verification_token}/")
    path = urlsplit(url).path
    assert path.startswith("/en/receipts/" if language == "en" else "/receipts/")
    response = client.get(path)
    assert response.status_code == 200
    assert receipt.number in response.content.decode()
    # The same URL is printed under the code for a reader without a phone.
    assert url in pdf_text(receipt_pdf_bytes(receipt))


def test_the_command_writes_a_receipt_to_a_file_or_stdout(received_gift, tmp_path):
    receipt = Receipt.objects.get(donation=received_gift)
    target = tmp_path / "receipt.pdf"
    call_command("receipt_pdf", receipt.number, "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes().startswith(b"%PDF-")
    assert receipt.number in pdf_text(target.read_bytes())

    out = io.BytesIO()
    call_command("receipt_pdf", receipt.number, "-o", "-", stdout=out)
    assert out.getvalue().startswith(b"%PDF-") and out.getvalue().rstrip().endswith(b"%%EOF")


def test_the_command_refuses_an_unknown_number(db, tmp_path):
    with pytest.raises(CommandError, match="No receipt or statement numbered 'CT-1999-000042'"):
        call_command("receipt_pdf", "CT-1999-000042", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_a_refunded_gifts_receipt_labels_its_void_reason_in_the_receipts_language(
    received_gift, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        donation_refund(donation=received_gift, reason="Returned transfer")
    receipt = Receipt.objects.get(donation=received_gift)
    assert receipt.language == "vi" and receipt.void_reason == "Gift refunded: Returned transfer"
    with translation.override("vi"):
        label = gettext("Gift refunded: %(reason)s") % {"reason": "Returned transfer"}
    with translation.override("en"):  # whoever downloads it, the receipt speaks its own language
        text = pdf_text(receipt_pdf_bytes(receipt))
    assert f"Lý do: {label}" in text
    # The label is translated through the catalogue, what follows it is printed as written.
    with translation.override("vi"):
        assert void_reason_text("Gift refunded: x") == gettext("Gift refunded: %(reason)s") % {"reason": "x"}
    assert void_reason_text("Sai địa chỉ") == "Sai địa chỉ"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_receipts_are_tagged_pdf_for_screen_readers(fund, language):
    donor = donor_create(kind="person", name="Người Đọc Màn Hình", preferred_language=language)
    pdf = receipt_pdf_bytes(received(fund=fund, donor=donor, amount="300000"))
    assert re.search(r"^Tagged: +yes$", pdf_info(pdf), re.M)
    objects = pdf_objects(pdf)
    assert b"/StructTreeRoot" in objects
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", objects)
    assert f"/Lang ({language})".encode() in objects


def test_a_receipts_field_cells_name_their_row_header_and_vietnamese_dates_read_once(received_gift):
    old = Receipt.objects.get(donation=received_gift)
    receipt_void(receipt=old, reason="Sai địa chỉ")
    old.refresh_from_db()
    pdf = receipt_pdf_bytes(old)
    text = pdf_text(pdf)
    assert "đã bị hủy ngày Ngày" not in text  # the sentence says "ngày", the date does not again
    assert re.search(r"đã bị hủy ngày \d{2} tháng \d{1,2} năm \d{4}", text)
    # Each value cell points at its row's header (th scope="row"), so a screen reader reads
    # "Gift reference: CT..." rather than a loose value.
    structure = pdf_info(pdf, "-struct-text")
    assert re.search(r"/Headers \[\(\d+-\d+-0\)\]", structure)


def test_the_reasons_the_system_writes_are_worded_through_the_catalogue(monkeypatch):
    # A stand-in catalogue that marks what it translated: the system's own wording goes
    # through it, what staff or Stripe wrote inside it does not, and a typed reason is kept.
    monkeypatch.setattr("receipts.pdf.gettext", lambda message: f"«{message}»")
    assert void_reason_text("Gift refunded: requested_by_customer") == "«Gift refunded: requested_by_customer»"
    assert void_reason_text("Gift CTABC123 was refunded.") == "«Gift CTABC123 was refunded.»"
    assert void_reason_text("Gift CTABC123 was cancelled.") == "«Gift CTABC123 was cancelled.»"
    assert void_reason_text("Sai địa chỉ") == "Sai địa chỉ"
    assert void_reason_text("Gift refunded twice, see ticket 12") == "Gift refunded twice, see ticket 12"
