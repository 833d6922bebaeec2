"""Exports and filters of the receipts, receipt emails, statements, donors and audit trail
listings: amounts as number cells with the currency beside them, times in the centre's time
zone, booleans as words, and the filters an accountant or auditor narrows a file with."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from wagtail.users.models import UserProfile

from audit.models import AuditEntry
from fund.services import donation_record
from receipts.models import ReceiptDelivery
from receipts.services.receipts import receipt_issue
from receipts.services.statements import statement_issue

pytestmark = pytest.mark.django_db

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
EARLY = datetime.datetime(2026, 3, 4, 6, 0, tzinfo=VIETNAM)  # 23:00 UTC on the 3rd


@pytest.fixture(autouse=True)
def _admin_in_english(admin_user):
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "en"
    profile.save()


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def xlsx_rows(response) -> list[dict]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def local_wall_time(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, VIETNAM).replace(tzinfo=None, microsecond=0)


def seconds(value: datetime.datetime) -> datetime.datetime:
    return value.replace(microsecond=0)


# --- Receipts ---------------------------------------------------------------------------------


@pytest.fixture
def receipts(fund, donor):
    """A VND gift receipt, a USD one emailed and failed, and a statement covering both: in two
    currencies, so it has no single total."""
    vnd = donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="1900000", received_at=EARLY)
    usd = donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="card",
        amount="25.50",
        currency="USD",
        exchange_rate="25400",
        received_at=EARLY,
    )
    gift_receipts = [receipt_issue(donation_id=gift.pk) for gift in (vnd, usd)]
    ReceiptDelivery.objects.create(receipt=gift_receipts[1], to_email="a@example.org", status="failed", attempts=3)
    statement = statement_issue(donor_id=donor.pk, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    return gift_receipts, statement


def test_receipts_export_as_xlsx_with_number_cells_currency_and_local_times(admin_client, receipts):
    (vnd, usd), statement = receipts
    rows = {row["Number"]: row for row in xlsx_rows(admin_client.get("/admin/receipts/all/?export=xlsx"))}
    assert set(rows) == {vnd.number, usd.number, statement.number}

    assert rows[vnd.number]["Amount"] == 1900000 and rows[vnd.number]["Currency"] == "VND"
    assert isinstance(rows[usd.number]["Amount"], int | float | Decimal)  # a number cell, not text
    assert Decimal(str(rows[usd.number]["Amount"])) == Decimal("25.5") and rows[usd.number]["Currency"] == "USD"
    # Two currencies, no single total: no amount, and no currency claiming one.
    assert rows[statement.number]["Amount"] is None and rows[statement.number]["Currency"] is None
    assert rows[statement.number]["Period from"] == datetime.date(2026, 3, 1)  # a date cell
    assert seconds(rows[vnd.number]["Issued at"]) == local_wall_time(vnd.issued_at)
    assert rows[vnd.number]["Gift reference"] == vnd.donation.reference
    assert rows[usd.number]["Email"] == "failed"
    assert rows[vnd.number]["Status"] == "valid" and rows[vnd.number]["Language"] == "vi"


def test_receipts_export_as_csv_with_plain_numbers_and_local_times(admin_client, receipts):
    (vnd, usd), statement = receipts
    rows = {row["Number"]: row for row in csv_rows(admin_client.get("/admin/receipts/all/?export=csv"))}
    assert Decimal(rows[usd.number]["Amount"]) == Decimal("25.50")
    assert rows[vnd.number]["Issued at"] == timezone.localtime(vnd.issued_at, VIETNAM).isoformat(
        sep=" ", timespec="seconds"
    )
    assert rows[vnd.number]["Issued at"].endswith("+07:00")
    assert rows[statement.number]["Currency"] == ""


def test_receipts_filter_by_kind_date_issued_email_and_void(admin_client, receipts):
    (vnd, usd), statement = receipts

    def numbers(**query):
        return {row["Number"] for row in csv_rows(admin_client.get("/admin/receipts/all/", {**query, "export": "csv"}))}

    assert numbers(kind="statement") == {statement.number}
    assert numbers(delivery_status="failed") == {usd.number}
    today = timezone.localdate(vnd.issued_at, VIETNAM)
    assert numbers(issued_from=today.isoformat()) == {vnd.number, usd.number, statement.number}
    assert numbers(issued_to=(today - datetime.timedelta(days=1)).isoformat()) == set()
    assert numbers(status="void") == set()


def test_a_statement_period_links_to_the_export_of_its_statements(admin_client, admin_user, receipts, donor):
    _, statement = receipts
    page = admin_client.get("/admin/receipts/statements/").content.decode()
    link = "/admin/receipts/all/?kind=statement&amp;period_start=2026-03-01&amp;period_end=2026-03-31&amp;export=xlsx"
    assert link in page
    rows = xlsx_rows(admin_client.get(link.replace("&amp;", "&")))
    assert [row["Number"] for row in rows] == [statement.number]
    # Another period's statement stays out of this one's file.
    other = statement_issue(donor_id=donor.pk, start=datetime.date(2026, 3, 4), end=datetime.date(2026, 3, 4))
    rows = xlsx_rows(admin_client.get(link.replace("&amp;", "&")))
    assert other.number not in {row["Number"] for row in rows}


def test_receipt_emails_export_with_numbers_and_local_times(admin_client, receipts):
    (_, usd), _statement = receipts
    delivery = ReceiptDelivery.objects.get(receipt=usd)
    (row,) = xlsx_rows(admin_client.get("/admin/receipts/emails/?export=xlsx&status=failed"))
    assert row["Receipt"] == usd.number and row["Attempts"] == 3
    assert seconds(row["Queued at"]) == local_wall_time(delivery.queued_at)
    assert row["Sent at"] is None
    (row,) = csv_rows(admin_client.get("/admin/receipts/emails/?export=csv&status=failed"))
    assert row["Queued at"].endswith("+07:00")


# --- Donors -----------------------------------------------------------------------------------


def test_donors_export_booleans_as_words_and_gift_counts(admin_client, receipts, donor, organisation):
    rows = {row["Name"]: row for row in xlsx_rows(admin_client.get("/admin/donors/?export=xlsx"))}
    person, company = rows[donor.name], rows[organisation.name]
    assert (person["Organisation"], company["Organisation"]) == ("No", "Yes")
    assert person["Receipts by email"] == "No" and person["Anonymous by default"] == "Yes"
    assert person["Gifts received"] == 2 and company["Gifts received"] == 0  # number cells
    assert company["Tax code"] == organisation.tax_code
    assert person["Donor id"] == str(donor.public_id)
    # A list of givers for the accounts, not a mailing list.
    assert donor.email not in str(rows) and organisation.email not in str(rows)
    values = [value for row in rows.values() for value in row.values()]
    assert not [value for value in values if isinstance(value, bool) or value in ("True", "False")]


def test_donors_export_in_the_users_language_and_filtered_by_kind(admin_client, admin_user, donor, organisation):
    rows = csv_rows(admin_client.get("/admin/donors/", {"kind": "organisation", "export": "csv"}))
    assert [(row["Name"], row["Organisation"]) for row in rows] == [(organisation.name, "Yes")]

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "vi"
    profile.save()
    (row,) = csv_rows(admin_client.get("/admin/donors/", {"kind": "person", "export": "csv"}))
    assert "Yes" not in row.values() and "No" not in row.values()


# --- Audit trail ------------------------------------------------------------------------------


def test_audit_trail_exports_who_did_what_and_never_a_childs_data(admin_client, admin_user):
    AuditEntry.objects.create(
        at=EARLY,
        actor=admin_user,
        action="beneficiary.admit",
        object_type="fund.beneficiary",
        object_id="7",
        data={"case_number": "C-SECRET-042", "group": "child", "programme": "hiv"},
    )
    AuditEntry.objects.create(at=EARLY, action="donation.record", object_type="fund.donation", object_id="8")

    response = admin_client.get("/admin/audit/trail/?export=csv")
    body = b"".join(response.streaming_content).decode()
    assert "C-SECRET-042" not in body and "hiv" not in body
    rows = {row["Action"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows["beneficiary.admit"]["At"] == "2026-03-04 06:00:00+07:00"
    assert rows["beneficiary.admit"]["Who"] == admin_user.username
    assert rows["beneficiary.admit"]["Object type"] == "fund.beneficiary"
    assert rows["beneficiary.admit"]["Object id"] == "7"
    assert rows["donation.record"]["Who"] == ""

    (row,) = xlsx_rows(admin_client.get("/admin/audit/trail/?export=xlsx&action=beneficiary.admit"))
    assert row["At"] == datetime.datetime(2026, 3, 4, 6, 0)
    assert "data" not in {key.lower() for key in row}


def test_audit_trail_filters_by_date_actor_and_action(admin_client, admin_user):
    AuditEntry.objects.create(at=EARLY, actor=admin_user, action="fund.create", object_type="fund.fund", object_id="1")
    AuditEntry.objects.create(
        at=EARLY - datetime.timedelta(days=30), action="donation.record", object_type="fund.donation", object_id="2"
    )

    def actions(**query):
        return {row["Action"] for row in csv_rows(admin_client.get("/admin/audit/trail/", {**query, "export": "csv"}))}

    # The 4th in Vietnam, though still the 3rd in UTC.
    assert actions(period_from="2026-03-04", period_to="2026-03-04") == {"fund.create"}
    assert actions(actor=admin_user.pk) == {"fund.create"}
    assert actions(system="true") == {"donation.record"}
    assert actions(action="donation.record") == {"donation.record"}
    page = admin_client.get("/admin/audit/trail/").content.decode()
    assert '<option value="fund.create">' in page  # actions to pick from, not to remember
