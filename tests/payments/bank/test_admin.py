"""The bank screens in the back office, used as the demo accountant would: import a statement,
work the review queue, see pledges due. Others do not see them."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money
from wagtail.models import ModelLogEntry

from demo.roles import ROLES, _role_group
from fund.models import Donation
from fund.services import donation_record
from payments.models import BankImportJob, BankStatement, BankTransaction
from payments.services.bank_import import bank_statement_import

from .conftest import days_ago, statement_csv, table_counts, vn_date

IMPORT_URL = "/admin/payments/bank-import/"
LINES_URL = "/admin/payments/bank-transfers/"


def client_for_role(client, role: str, username: str):
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(_role_group(role, ROLES[role]))
    client.force_login(user)
    return client


@pytest.fixture
def accountant(client, db):
    return client_for_role(client, "Fund accountant", "acc")


def refused(response) -> bool:
    """Wagtail answers a refused permission by sending the user to the admin home page."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] in ("/admin/",))


def upload(client, content: bytes, name: str = "sao-ke.csv", **fields):
    data = {"file": SimpleUploadedFile(name, content), "preset": "generic", "currency": "VND"} | fields
    return client.post(IMPORT_URL, data)


def test_the_accountant_imports_a_statement_and_sees_the_review_queue_first(
    accountant, pledge, django_capture_on_commit_callbacks
):
    gift = pledge("500000")
    day = vn_date(days_ago(1))
    content = statement_csv([[day, "500.000", "", f"UNG HO {gift.reference}", "A"], [day, "90.000", "", "LAI", "B"]])
    assert accountant.get(IMPORT_URL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = upload(accountant, content)

    assert response.status_code == 302, response.content.decode()[:3000]
    job = BankImportJob.objects.get()
    assert response["Location"] == f"{IMPORT_URL}{job.pk}/"
    assert queued[0].func.__name__ == "_job_send"  # the job went to the (eager) worker after the commit
    job.refresh_from_db()
    assert (job.status, job.created_by.username) == ("done", "acc")
    statement = BankStatement.objects.get()
    assert job.statement == statement
    assert (statement.new_count, statement.matched_count, statement.review_count) == (2, 1, 1)
    assert statement.imported_by.username == "acc"
    progress = accountant.get(f"{IMPORT_URL}{job.pk}/progress/").json()
    assert {key: progress[key] for key in ("status", "active", "lines_read", "new", "matched", "review")} == {
        "status": "done",
        "active": False,
        "lines_read": 2,
        "new": 2,
        "matched": 1,
        "review": 1,
    }
    page = accountant.get(f"{IMPORT_URL}{job.pk}/").content.decode()
    assert '<progress data-field="bar" value="2" max="2"' in page
    assert 'http-equiv="refresh"' not in page  # done: nothing to follow
    page = accountant.get(LINES_URL).content.decode()
    assert page.index("LAI") < page.index(f"UNG HO {gift.reference}")  # the review queue first
    assert "Khớp với khoản đăng ký ủng hộ" in page
    queue = accountant.get(LINES_URL + "?status=review").content.decode()
    assert "LAI" in queue and gift.reference not in queue


def test_a_bad_file_is_a_form_error_naming_the_row_and_writes_nothing(accountant):
    before = table_counts()
    content = statement_csv([[vn_date(days_ago(1)), "năm trăm", "", "x", ""]])
    response = upload(accountant, content)
    assert response.status_code == 200
    assert (
        "Dòng 5: số tiền &#x27;năm trăm&#x27; không phải là số." in response.content.decode()
    )  # the admin speaks Vietnamese
    assert table_counts() == before


def test_columns_named_by_hand(accountant, db, django_capture_on_commit_callbacks):
    content = statement_csv([["02/11/2026", "75.000", "ung ho"]], header=["Thời gian", "Tiền về", "Ghi chú"])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            accountant,
            content,
            preset="custom",
            date_column="Thời gian",
            credit_column="Tiền về",
            description_column="Ghi chú",
        )
    assert response.status_code == 302
    assert BankTransaction.objects.get().amount == Money(75_000, "VND")
    response = upload(accountant, content, preset="custom", date_column="Thời gian")
    assert "Vui lòng nhập tên cột ngày và cột nội dung giao dịch." in response.content.decode()


def import_line(amount: str, description: str) -> BankTransaction:
    bank_statement_import(content=statement_csv([[vn_date(days_ago(1)), amount, "", description, "X"]]))
    return BankTransaction.objects.order_by("-pk").first()


def test_match_a_partial_transfer_by_hand(accountant, pledge):
    gift = pledge("1000000")
    line = import_line("600.000", f"{gift.reference} dot 1")
    url = f"{LINES_URL}match/{line.pk}/"
    page = accountant.get(url).content.decode()
    assert gift.reference in page and "600.000 ₫" in page

    refused = accountant.post(url, {"donation": gift.pk})
    assert refused.status_code == 200
    assert "hãy xác nhận ghi nhận theo số tiền đã chuyển" in refused.content.decode()  # "confirm receiving it at …"
    assert Donation.objects.get(pk=gift.pk).status == "pledged"

    response = accountant.post(url, {"donation": gift.pk, "accept_amount": "on"})
    assert response.status_code == 302
    gift.refresh_from_db()
    assert (gift.status, gift.amount) == ("received", Money(600_000, "VND"))
    line.refresh_from_db()
    assert (line.status, line.resolved_by.username) == ("matched", "acc")
    # A matched line offers no actions, and its action pages send the user back.
    assert accountant.get(url).status_code == 302
    # The line's History tab says who matched it, as Wagtail's own saves would.
    (entry,) = ModelLogEntry.objects.for_instance(line)
    assert (entry.action, entry.user.username, entry.data) == ("payments.line_match", "acc", {"gift": gift.reference})
    history = accountant.get(f"{LINES_URL}history/{line.pk}/")
    assert history.status_code == 200
    assert "Đã khớp với khoản đăng ký ủng hộ" in history.content.decode()  # "Matched to a pledge"


def test_goods_and_received_gifts_are_not_offered_as_pledges(accountant, pledge, fund, donor):
    goods = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Rice", "quantity": "1", "unit": "kg", "fair_value": "100000"}],
    )
    received = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="100000", received_at=timezone.now()
    )
    offered = pledge("100000")
    line = import_line("150.000", "x")
    page = accountant.get(f"{LINES_URL}match/{line.pk}/").content.decode()
    assert offered.reference in page
    assert goods.reference not in page and received.reference not in page
    response = accountant.post(f"{LINES_URL}match/{line.pk}/", {"donation": goods.pk})
    assert response.status_code == 200
    assert BankTransaction.objects.get(pk=line.pk).status == "review"


def test_record_an_unannounced_transfer_and_ignore_interest(accountant, fund, donor):
    gift_line = import_line("3.000.000", "CONG TY ABC UNG HO")
    response = accountant.post(f"{LINES_URL}record-gift/{gift_line.pk}/", {"donor": donor.pk, "fund": fund.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    gift_line.refresh_from_db()
    assert gift_line.donation.status == "received"
    assert gift_line.donation.amount == Money(3_000_000, "VND")

    interest = import_line("12.000", "LAI TIEN GUI")
    response = accountant.post(f"{LINES_URL}ignore/{interest.pk}/", {"reason": "Bank interest"})
    assert response.status_code == 302
    assert BankTransaction.objects.get(pk=interest.pk).status == "ignored"
    response = accountant.post(f"{LINES_URL}ignore/{interest.pk}/", {"reason": "again"})
    assert "đã được đánh dấu không phải khoản ủng hộ" in response.content.decode()  # "already marked not a gift"


@pytest.mark.parametrize("role", ["Case worker", "Content editor"])
def test_other_roles_do_not_see_or_use_the_bank_screens(client, pledge, role):
    line = import_line("500.000", "x")
    other = client_for_role(client, role, "other")
    home = other.get("/admin/").content.decode()
    assert "Chuyển khoản ngân hàng" not in home
    for url in (IMPORT_URL, LINES_URL, f"{LINES_URL}match/{line.pk}/", f"{LINES_URL}ignore/{line.pk}/"):
        assert refused(other.get(url)), url
    before = table_counts()
    other.post(f"{LINES_URL}ignore/{line.pk}/", {"reason": "not mine"})
    other.post(IMPORT_URL, {"preset": "generic"})
    assert table_counts() == before


def test_the_auditor_sees_the_lines_but_cannot_act(client, pledge):
    line = import_line("500.000", "x")
    auditor = client_for_role(client, "Auditor", "aud")
    page = auditor.get(LINES_URL).content.decode()
    assert auditor.get(LINES_URL).status_code == 200
    assert "Khớp với khoản đăng ký ủng hộ" not in page and "Nhập sao kê ngân hàng" not in page
    for url in (f"{LINES_URL}match/{line.pk}/", IMPORT_URL):
        assert refused(auditor.get(url)), url


def test_statements_list_and_line_details(accountant, pledge):
    line = import_line("500.000", "LAI TIEN GUI")
    statements = accountant.get("/admin/payments/bank-statements/")
    assert statements.status_code == 200
    assert "Nhập sao kê ngân hàng" in statements.content.decode()
    assert accountant.get(f"/admin/payments/bank-statements/inspect/{line.statement_id}/").status_code == 200
    details = accountant.get(f"{LINES_URL}inspect/{line.pk}/")
    assert details.status_code == 200
    assert "LAI TIEN GUI" in details.content.decode()
    # Lines and statements are never edited or deleted by form, whatever the permissions say.
    for url in (f"{LINES_URL}edit/{line.pk}/", f"{LINES_URL}delete/{line.pk}/", f"{LINES_URL}new/"):
        assert refused(accountant.get(url)), url
