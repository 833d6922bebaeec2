import datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from djmoney.money import Money

from fund.services import donation_record
from receipts.models import Receipt
from receipts.selectors import name_initials
from receipts.services.issuing import receipt_create
from receipts.services.receipts import receipt_reissue, receipt_void

pytestmark = pytest.mark.django_db


def verify_path(receipt: Receipt, prefix: str = "") -> str:
    return f"{prefix}/receipts/verify/{receipt.verification_token}/"


@pytest.fixture
def org_gift(fund, organisation, django_capture_on_commit_callbacks):
    """An organisation's gift with everything a public page must not show: tax code, email,
    address, contact person, a message."""
    organisation.address = "12 Phố Hàng Bài, Hà Nội"
    organisation.save()
    with django_capture_on_commit_callbacks(execute=True):
        return donation_record(
            fund=fund,
            donor=organisation,
            kind="cash",
            channel="cash",
            amount="25000000",
            message="Gửi các cháu nhỏ, thân tặng từ phòng kế toán",
            received_at=timezone.now(),
        )


def test_initials_of_people_and_organisations():
    assert name_initials("Nguyễn Thị Hồng Nhung") == "N. T. H. N."
    assert name_initials("Công ty TNHH Ví Dụ") == "C. T. T. V. D."
    assert name_initials("  đặng   văn - an ") == "Đ. V. A."
    assert name_initials("") == ""


def test_valid_gift_receipt_shows_what_proves_it_and_only_initials(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    response = client.get(verify_path(receipt))
    assert response.status_code == 200
    html = response.content.decode()
    assert receipt.number in html
    assert 'data-status="valid"' in html
    assert "1.900.000.000 ₫" in html
    assert "Children&#x27;s Protection Fund" in html or "Children's Protection Fund" in html
    assert timezone.localdate(receipt.issued_at).strftime("%d/%m/%Y") in html
    assert "N. T. H. N." in html
    for secret in ("Nguyễn Thị Hồng Nhung", "Nhung", "nhung@example.org", received_gift.reference):
        assert secret not in html


def test_headers_keep_the_page_out_of_caches_indexes_and_referers(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    response = client.get(verify_path(receipt))
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_organisation_receipt_hides_tax_code_email_address_contact_and_message(client, org_gift):
    receipt = Receipt.objects.get(donation=org_gift)
    html = client.get(verify_path(receipt)).content.decode()
    assert "C. T. T. V. D." in html
    assert "25.000.000 ₫" in html
    for secret in (
        "Công ty TNHH Ví Dụ",
        "0101234565",
        "ketoan@example.org",
        "Hàng Bài",
        "Lê Văn Mẫu",
        "thân tặng",
        org_gift.reference,
    ):
        assert secret not in html, secret


def test_void_receipt_says_void_without_the_reason(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    receipt_void(receipt=receipt, reason="Refunded: donor Nguyễn Thị Hồng Nhung called about card 4242")
    html = client.get(verify_path(receipt)).content.decode()
    assert 'data-status="void"' in html and 'data-status="valid"' not in html
    assert "4242" not in html and "Refunded" not in html and "Nhung" not in html


def test_replaced_receipt_names_its_replacement(client, received_gift):
    old = Receipt.objects.get(donation=received_gift)
    new = receipt_reissue(receipt=old, reason="Name misspelt in the letter from Nhung")
    html = client.get(verify_path(old)).content.decode()
    assert 'data-status="void"' in html
    assert new.number in html
    assert "misspelt" not in html
    replacement = client.get(verify_path(new)).content.decode()
    assert 'data-status="valid"' in replacement and old.number in replacement


def test_statement_shows_its_period_and_total(client, fund, consenting_donor, received_gift):
    gift_receipt = Receipt.objects.get(donation=received_gift)
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    with transaction.atomic():
        statement = receipt_create(
            kind=Receipt.Kind.STATEMENT,
            series=settings.STATEMENT_SERIES,
            donor=consenting_donor,
            period=(start, end),
            amount=Money("2400000000", "VND"),
            content_extra={
                "period": {"start": start.isoformat(), "end": end.isoformat()},
                "gifts": [{**gift_receipt.content["gift"], "receipt_number": gift_receipt.number}],
            },
        )
    html = client.get(verify_path(statement)).content.decode()
    assert statement.number.startswith("CTS-")
    assert statement.number in html
    assert "01/01/2025" in html and "31/12/2025" in html
    assert "2.400.000.000 ₫" in html
    assert "Children" in html and "Protection Fund" in html
    assert "N. T. H. N." in html
    assert received_gift.reference not in html and "Nhung" not in html


def test_statement_in_several_currencies_lists_each_total(client, fund, consenting_donor):
    from fund.services import donation_record
    from receipts.services.statements import statement_issue

    today = timezone.localdate()
    for amount, currency, channel, rate in (("500000", "VND", "cash", None), ("25", "USD", "card", "25000")):
        donation_record(
            fund=fund,
            donor=consenting_donor,
            kind="cash",
            channel=channel,
            amount=amount,
            currency=currency,
            exchange_rate=rate,
            received_at=timezone.now(),
        )
    statement = statement_issue(donor_id=consenting_donor.pk, start=today - datetime.timedelta(days=30), end=today)
    assert statement.amount is None  # two currencies: no single total
    html = client.get(verify_path(statement)).content.decode()
    assert "500.000 ₫" in html and "25,00 USD" in html  # the Vietnamese page's separators


@pytest.mark.parametrize("token", ["A" * 22, "short", "x" * 200, "abc$%25def-ghijklmnopqr"])
def test_unknown_or_malformed_token_is_404(client, received_gift, token):
    response = client.get(f"/receipts/verify/{token}/")
    assert response.status_code == 404
    assert response["X-Robots-Tag"].startswith("noindex")
    assert Receipt.objects.get(donation=received_gift).number not in response.content.decode()


def test_english_version_under_en(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    en = client.get(verify_path(receipt, "/en"))
    vi = client.get(verify_path(receipt))
    assert en.status_code == 200
    assert '<html lang="en"' in en.content.decode()
    assert '<html lang="vi"' in vi.content.decode()
    assert "Gift receipt" in en.content.decode()
    assert receipt.number in en.content.decode()


@override_settings(RECEIPTS_VERIFY_RATE="5/h")
def test_guessing_tokens_is_rate_limited(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    statuses = [client.get(f"/receipts/verify/{'B' * 21}{i}/").status_code for i in range(5)]
    assert statuses == [404] * 5
    # Out of tries: even the right token waits, so the limit cannot be used to tell them apart.
    assert client.get(verify_path(receipt)).status_code == 429
    other = client.get(verify_path(receipt), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
