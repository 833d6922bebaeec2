"""A service's refusal speaks the language of whoever reads it: Vietnamese for the centre's staff
and Vietnamese donors, English for English readers. The words are taken when the refusal is
raised, so the active language of the request decides; the bank's notification endpoint answers
the bank in English whatever the request says."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from care.services import beneficiary_admit
from demo.roles import ROLES, _role_group
from donors.errors import DonorError
from donors.services import donor_create
from fund.errors import FundError
from fund.services import donation_cancel, donation_record, fund_update
from payments.bank_statements import BankStatementError, mapping_get, statement_read
from receipts.errors import NotReceivable
from receipts.services.receipts import receipt_issue
from tests.payments.bank.conftest import SECRET, notification, signed_headers, statement_csv

pytestmark = pytest.mark.django_db


def refusal(language: str, call, error=Exception) -> str:
    """The words of what ``call`` raises with ``language`` active."""
    with translation.override(language), pytest.raises(error) as raised:
        call()
    exc = raised.value
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def pledge(fund, donor, **changes):
    values = {"fund": fund, "donor": donor, "kind": "cash", "channel": "bank_transfer", "amount": "500000"}
    return donation_record(**(values | changes))


def test_a_fund_refusal(fund, donor):
    fund_update(fund=fund, name=fund.name, restricted_purpose="", is_active=False)
    call = lambda: pledge(fund, donor)  # noqa: E731
    assert refusal("vi", call, FundError) == "Quỹ CPF đã đóng, không nhận khoản ủng hộ mới."
    assert refusal("en", call, FundError) == "Fund CPF is closed to new gifts."


def test_a_text_refusal_names_its_field_and_writes_numbers_the_readers_way(fund, donor):
    call = lambda: pledge(fund, donor, message="x" * 1001)  # noqa: E731
    assert refusal("vi", call, FundError) == "Tối đa 1.000 ký tự cho lời nhắn (hiện có 1.001)."
    assert refusal("en", call, FundError) == "The message can be at most 1,000 characters (got 1,001)."


def test_a_refusal_with_the_gifts_status(fund, donor):
    gift = pledge(fund, donor)
    donation_cancel(donation=gift, reason="Nhà hảo tâm đổi ý")
    call = lambda: donation_cancel(donation=gift, reason="again")  # noqa: E731
    assert refusal("vi", call, FundError) == (
        f"Chỉ có thể hủy khoản đăng ký ủng hộ; khoản ủng hộ {gift.reference} đang ở trạng thái đã hủy."
    )
    assert refusal("en", call, FundError) == f"Only a pledge can be cancelled; gift {gift.reference} is cancelled."


def test_a_bank_statement_row(db):
    content = statement_csv([["02/11/2026", "năm trăm", "", "UNG HO", "A"]])

    def call():
        statement_read(content=content, filename="sao-ke.csv", mapping=mapping_get("generic"), currency="VND")

    assert refusal("vi", call, BankStatementError) == "Dòng 5: số tiền 'năm trăm' không phải là số."
    assert refusal("en", call, BankStatementError) == "Row 5: the amount 'năm trăm' is not a number."


def test_a_receipt_refusal(fund, donor):
    gift = pledge(fund, donor)
    call = lambda: receipt_issue(donation_id=gift.pk)  # noqa: E731
    assert refusal("vi", call, NotReceivable) == (
        f"Khoản ủng hộ {gift.reference} đang ở trạng thái đã đăng ký; chỉ khoản ủng hộ đã nhận mới được cấp biên nhận."
    )
    assert refusal("en", call, NotReceivable) == (
        f"Gift {gift.reference} is pledged; only received gifts get a receipt."
    )


def test_a_donor_refusal(db):
    call = lambda: donor_create(kind="person", name="Nguyễn Văn A", tax_code="0101234565")  # noqa: E731
    assert refusal("vi", call, DonorError) == "Mã số thuế và người liên hệ chỉ áp dụng cho tổ chức, doanh nghiệp."
    assert refusal("en", call, DonorError) == "Tax code and contact person apply to organisations only."


@pytest.mark.parametrize(
    ("changes", "vietnamese", "english"),
    [
        ({"date_of_birth": datetime.date(2999, 1, 1)}, "Ngày sinh không thể ở tương lai.", "cannot be in the future"),
        ({"case_number": " "}, "Vui lòng nhập số hồ sơ.", "The case number is required."),
    ],
    ids=["date-of-birth", "case-number-named-as-on-screen"],
)
def test_a_case_file_refusal(db, changes, vietnamese, english):
    values = {
        "case_number": "TE-0009",
        "full_name": "Demo Bé Chín",
        "date_of_birth": datetime.date(2016, 3, 1),
        "group": "child",
        "programme": "orphan",
        "admitted_on": datetime.date(2022, 1, 10),
    }
    call = lambda: beneficiary_admit(**(values | changes))  # noqa: E731
    # Text is checked by fund's cleaner (FundError), dates by care (CareError, a FundError too).
    assert refusal("vi", call, FundError) == vietnamese
    assert english in refusal("en", call, FundError)


def test_a_vietnamese_accountant_reads_the_refusal_on_the_import_form(client, db):
    user = User.objects.create_user("ketoan", "ketoan@example.org", "pw")
    user.groups.add(_role_group("Fund accountant", ROLES["Fund accountant"]))
    client.force_login(user)  # no language chosen: the back office's own, Vietnamese
    content = statement_csv([["02/11/2026", "năm trăm", "", "UNG HO", "A"]])
    response = client.post(
        "/admin/payments/bank-import/",
        {"file": SimpleUploadedFile("sao-ke.csv", content), "preset": "generic", "currency": "VND"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dòng 5: số tiền &#x27;năm trăm&#x27; không phải là số." in page
    assert "is not a number" not in page


def test_the_bank_is_answered_in_english_even_when_it_asks_for_vietnamese(settings, db):
    settings.BANK_WEBHOOK_SECRET = SECRET
    body = notification({"id": "FT1", "booked_at": "2026-11-20T09:15:00+07:00", "amount": "năm", "currency": "VND"})
    response = Client().post(
        "/payments/bank/webhook/",
        data=body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="vi",
        **signed_headers(body),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Transaction 1: the amount 'năm' is not a number."}
