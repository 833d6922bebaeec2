"""The organisation's one identity and the site's bank account, edited by an administrator in
Settings: what is typed once shows on the public pages and on the receipts alike."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from wagtail.models import Site

from cms.models import BankAccountSettings
from donors.services import donor_create
from fund.models import Organisation
from fund.services import donation_record
from receipts.models import ReceiptSettings
from receipts.pdf import receipt_pdf_bytes
from receipts.services.receipts import receipt_issue
from tests.receipts.test_pdf import pdf_text


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def bank_url(site):
    return f"/admin/settings/cms/bankaccountsettings/{site.pk}/"


def organisation_url():
    return f"/admin/settings/fund/organisation/{Organisation.load().pk}/"


BANK = {
    "bank_name": "Demo Bank",
    "bank_bin": "970436",
    "bank_account_number": "0071000123456",
    "bank_account_holder": "TRUNG TAM BAO TRO XA HOI DEMO",
}

IDENTITY = {
    "name": "Trung tâm Bảo trợ xã hội tỉnh Ví Dụ",
    "short_name": "",
    "address": "1 Đường Demo, Tỉnh Demo",
    "tax_code": "9900000001",
    "phone": "0200 000 000",
    "email": "lienhe@example.org",
    "website": "trungtam.example.org",
}


def test_administrator_sets_the_bank_account_for_transfers(admin_client):
    site = Site.objects.get(is_default_site=True)
    assert admin_client.get(bank_url(site)).status_code == 200
    response = admin_client.post(bank_url(site), BANK)
    assert response.status_code == 302
    saved = BankAccountSettings.for_site(site)
    assert (saved.bank_bin, saved.bank_account_number) == ("970436", "0071000123456")
    assert saved.accepts_bank_transfers


@pytest.mark.parametrize(
    ("field", "value"),
    [("bank_bin", "97043"), ("bank_bin", "ABCDEF"), ("bank_account_number", "0071 000 123")],
)
def test_bank_details_a_banking_app_cannot_read_are_refused(admin_client, field, value):
    site = Site.objects.get(is_default_site=True)
    response = admin_client.post(bank_url(site), BANK | {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not BankAccountSettings.for_site(site).accepts_bank_transfers


def test_an_email_address_a_mail_client_cannot_use_is_refused(admin_client):
    response = admin_client.post(organisation_url(), IDENTITY | {"email": "a@b\nc"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Organisation.load().name == ""


def test_the_identity_screen_says_where_its_details_appear(admin_client):
    response = admin_client.get(organisation_url())
    assert response.status_code == 200
    assert (
        "Các thông tin này hiển thị trên trang công khai và trên mọi biên nhận, bảng kê ủng hộ."
        in response.content.decode()
    )


def test_the_identity_is_kept_in_one_place_only():
    """No other settings screen can hold a second copy of who the centre is."""
    identity = {"name", "organisation_name", "short_name", "address", "tax_code", "phone", "hotline", "email", "logo"}
    for model in (BankAccountSettings, ReceiptSettings):
        assert identity & {field.name for field in model._meta.get_fields()} == set(), model


def _home_page(client) -> str:
    response = client.get("/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _new_receipt_text(fund, donor) -> str:
    donation = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="500000", received_at=timezone.now()
    )
    return pdf_text(receipt_pdf_bytes(receipt_issue(donation_id=donation.pk)))


def test_a_change_to_the_identity_shows_on_the_public_pages_and_on_the_next_receipt(admin_client, client, fund):
    donor = donor_create(kind="person", name="Nguyễn Văn An")
    before = IDENTITY
    after = IDENTITY | {
        "name": "Trung tâm Công tác xã hội tỉnh Mới",
        "address": "99 Đường Mới, Tỉnh Mới",
        "tax_code": "4300999999",
    }
    assert admin_client.post(organisation_url(), before).status_code == 302
    first_receipt = _new_receipt_text(fund, donor)
    assert admin_client.post(organisation_url(), after).status_code == 302

    page = _home_page(client)
    receipt = _new_receipt_text(fund, donor)
    for field in ("name", "address", "tax_code"):
        assert after[field] in page, field
        assert before[field] not in page, field
        assert after[field].upper() in receipt.upper(), field
        assert before[field].upper() not in receipt.upper(), field
        # A receipt already issued keeps what it was issued with.
        assert before[field].upper() in first_receipt.upper(), field


def test_pages_use_the_display_name_where_short_and_receipts_the_legal_name(admin_client, client, fund):
    identity = IDENTITY | {"short_name": "Chung Tay Ví Dụ"}
    assert admin_client.post(organisation_url(), identity).status_code == 302
    page = _home_page(client)
    assert 'class="brand">Chung Tay Ví Dụ</a>' in page
    assert f"<strong>{identity['name']}</strong>" in page  # the footer names the legal body
    receipt = _new_receipt_text(fund, donor_create(kind="person", name="Trần Thị Bình"))
    assert identity["name"].upper() in receipt
    assert "CHUNG TAY VÍ DỤ" not in receipt.upper()
