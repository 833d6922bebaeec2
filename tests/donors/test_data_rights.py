"""Donor data rights: the export lists everything held, erasure pseudonymises the person
everywhere they are shown and keeps what accounting law requires (docs/data-rights.md)."""

import csv
import html
import io
import json
import unicodedata
import zipfile

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from donors.errors import DonorError
from donors.models import Donor
from donors.services import donor_update
from donors.services_rights import ERASED_TEXT, donor_choices_update, donor_erase
from fund.models import AccountMapping, Donation
from fund.services import donation_record
from fund.services.journal import account_mappings_default
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import
from receipts.models import PortalSignIn, Receipt, ReceiptDelivery
from receipts.selectors_data_export import donor_data_export, export_csv_zip
from staff.services import roles_sync
from tests.support.leaks import public_site_build, public_urls
from tests.support.roles import role_client
from tests.support.seeding import check_ledger, flush_deferred_checks

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Hồng Nhung"
EMAIL = "nhung@example.org"
PHONE = "0912 345 678"
PUBLIC_NAME = "Gia đình chị Nhung Hồng"
ADDRESS = "12 Phố Huế, Hà Nội"
MESSAGE = "Chúc các em mạnh khoẻ"
ROLES = ("Fund accountant", "Case worker", "Fund manager", "Content editor", "Auditor")


def fold(text: str) -> str:
    """Lower case without diacritics: banks write 'NGUYEN THI HONG NHUNG'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


SECRETS = {"name": NAME, "email": EMAIL, "phone": PHONE, "public name": PUBLIC_NAME, "message": MESSAGE}


def found_in(text: str) -> list[str]:
    plain = fold(html.unescape(text))
    return [what for what, secret in SECRETS.items() if fold(secret) in plain]


def statement_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung", "Tên người chuyển"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def scene(fund):
    """The person of the public site (a named gift, a bank pledge, a receipt), who also has a
    phone, an address and a public name, a card gift with a message, the bank pledge received
    from a statement line naming them, and a goods gift with a message; every receipt emailed."""
    site = public_site_build(fund=fund)
    person = Donor.objects.get(email=EMAIL)
    donor_update(donor=person, phone=PHONE, address=ADDRESS)
    donor_choices_update(
        donor=person,
        consent_news=True,
        consent_receipts_by_email=True,
        anonymous_by_default=False,
        public_name=PUBLIC_NAME,
    )
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        donation_record(
            fund=fund,
            donor=person,
            kind="cash",
            channel="card",
            amount="300000",
            received_at=now,
            is_anonymous=False,
            message=MESSAGE,
        )
        donation_record(
            fund=fund,
            donor=person,
            kind="in_kind",
            channel="in_kind_delivery",
            lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "400000"}],
            received_at=now,
            message=f"{MESSAGE} — {NAME}, {PHONE}",
        )
    pledge = site["pledge"]
    line = [
        timezone.localdate().strftime("%d/%m/%Y"),
        "500.000",
        "",
        f"{pledge.reference} NGUYEN THI HONG NHUNG ung ho",
        "NGUYEN THI HONG NHUNG",
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        bank_statement_import(filename="sao-ke.csv", content=statement_csv([line]))
    flush_deferred_checks()
    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.RECEIVED
    assert BankTransaction.objects.get(donation=pledge).status == BankTransaction.Status.MATCHED
    assert Receipt.objects.filter(donor=person).count() == 4
    assert ReceiptDelivery.objects.filter(receipt__donor=person, status="sent").count() == 4
    return {"person": person, "pledge": pledge, **site}


def admin_pages(fund) -> dict[str, bytes]:
    """Every back-office listing and download that could show a donor, as the administrator."""
    roles_sync()
    if not AccountMapping.objects.exists():
        account_mappings_default()  # the journal export needs the centre's account codes
    client, _ = role_client("Administrator", "root")
    today = timezone.localdate().isoformat()
    pages = {}
    for url in (
        "/admin/donors/",
        "/admin/fund/gifts/",
        "/admin/receipts/all/",
        "/admin/receipts/emails/",
        "/admin/payments/bank-transfers/",
        "/admin/payments/bank-statements/",
        "/admin/payments/card-payments/",
        "/admin/audit/trail/",
        "/admin/reports/site-history/",
    ):
        for suffix in ("", "?export=csv"):
            response = client.get(url + suffix)
            assert response.status_code == 200, f"{url}{suffix}: {response.status_code}"
            pages[url + suffix] = b"".join(response.streaming_content) if response.streaming else response.content
    journal = client.post(
        "/admin/fund/journal-export/", {"starts_on": today, "ends_on": today, "fund": fund.pk, "file_format": "csv"}
    )
    assert journal.status_code == 200 and journal["Content-Disposition"].startswith("attachment")
    pages["journal export"] = journal.content
    statement = client.get(
        "/admin/reports/fund-statement/csv/", {"fund": fund.pk, "date_from": today, "date_to": today}
    )
    assert statement.status_code == 200
    pages["fund statement csv"] = statement.content
    return pages


def public_pages() -> dict[str, bytes]:
    visitor = Client()
    pages = {}
    for url in public_urls():
        response = visitor.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        pages[url] = response.content
    return pages


def leaks(pages: dict[str, bytes]) -> list[tuple[str, list[str]]]:
    return [(url, found) for url, body in pages.items() if (found := found_in(body.decode("utf-8-sig")))]


def test_the_search_finds_the_person_before_erasure(scene, fund):
    # Proof that the crawl looks where the person is shown: before erasure it finds them.
    admin_found = dict(leaks(admin_pages(fund)))
    assert "name" in admin_found["/admin/donors/"] and "email" in admin_found["/admin/donors/"]
    assert "name" in admin_found["/admin/payments/bank-transfers/"]  # the bank's own words
    assert "email" in admin_found["/admin/receipts/emails/"]
    public_found = dict(leaks(public_pages()))
    assert any("public name" in found for found in public_found.values())  # the transparency page


def test_after_erasure_the_person_is_shown_nowhere_and_the_books_are_whole(scene, fund):
    person = scene["person"]
    receipts_before = list(Receipt.objects.order_by("pk").values_list("number", "status", "content"))
    gifts_before = Donation.objects.filter(donor=person).count()
    roles_sync()
    admin, root = role_client("Administrator", "eraser")

    response = admin.post(
        reverse("donor_erase", args=[person.pk]),
        {"reason": f"Email of 3 March from {NAME} ({EMAIL})", "confirm": "on"},
    )
    assert response.status_code == 302

    person.refresh_from_db()
    assert person.erased_at is not None
    assert person.name.startswith("Người ủng hộ đã xoá #") and person.public_id.hex[:8] in person.name
    assert (person.email, person.phone, person.address, person.public_name) == ("", "", "", "")
    assert not (person.consent_news or person.consent_receipts_by_email) and person.anonymous_by_default

    entry = AuditEntry.objects.get(action="donor.erase")
    assert (entry.actor, entry.object_id) == (root, str(person.pk))
    assert found_in(json.dumps(entry.data, ensure_ascii=False)) == []
    assert entry.data["masked"]["bank_lines"] == 1 and entry.data["masked"]["gift_messages"] == 2

    assert leaks(admin_pages(fund)) == []
    assert leaks(public_pages()) == []

    # The verification page of each receipt names the pseudonym, not the person's initials.
    visitor = Client()
    for receipt in Receipt.objects.filter(donor=person):
        page = visitor.get(reverse("receipts:verify", kwargs={"token": receipt.verification_token})).content.decode()
        assert person.name in page and "N. T. H. N." not in page

    # The portal no longer knows the address: no link is sent, the signed-in page shows nothing.
    mail.outbox.clear()
    visitor.post(reverse("receipts:portal"), {"email": EMAIL})
    assert mail.outbox == []
    assert not PortalSignIn.objects.filter(email__iexact=EMAIL).exists()

    # What the bank said is masked, what the books need stays.
    line = BankTransaction.objects.get(donation=scene["pledge"])
    assert line.counterparty == ERASED_TEXT
    assert line.description == f"{scene['pledge'].reference} {ERASED_TEXT}"
    assert set(ReceiptDelivery.objects.filter(receipt__donor=person).values_list("to_email", flat=True)) == {""}

    # The books: clean ledger, the same receipts with the same numbers, as issued.
    flush_deferred_checks()
    assert "Ledger OK" in check_ledger()
    assert list(Receipt.objects.order_by("pk").values_list("number", "status", "content")) == receipts_before
    assert Receipt.objects.get(donation=scene["pledge"]).content["donor"]["name"] == NAME  # the legal document

    # The export still lists every gift and receipt, and names what is kept and why.
    export = donor_data_export([person])
    (record,) = export["donors"]
    assert len(record["gifts"]) == gifts_before == Donation.objects.filter(donor=person).count() == 4
    assert {row["number"] for row in record["receipts"]} == record_numbers(person)
    assert len(record["receipts"]) == 4
    assert found_in(json.dumps(export, ensure_ascii=False)) == []
    assert {row["group"] for row in export["kept_after_erasure"]} >= {"gifts", "receipts", "bank lines"}
    download = admin.get(reverse("donor_data_export", args=[person.pk, "json"]))
    assert found_in(download.content.decode()) == []


def record_numbers(person) -> set[str]:
    return set(Receipt.objects.filter(donor=person).values_list("number", flat=True))


def test_the_export_lists_every_gift_and_receipt_as_json_and_csv(scene):
    person = scene["person"]
    roles_sync()
    admin, root = role_client("Administrator", "exporter")
    response = admin.get(reverse("donor_data_export", args=[person.pk, "json"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    (record,) = document["donors"]
    gifts = Donation.objects.filter(donor=person)
    assert sorted(row["reference"] for row in record["gifts"]) == sorted(gifts.values_list("reference", flat=True))
    assert {row["status"] for row in record["gifts"]} == {"received"}
    receipts = Receipt.objects.filter(donor=person)
    assert sorted(row["number"] for row in record["receipts"]) == sorted(receipts.values_list("number", flat=True))
    assert len(record["emails_sent"]) == ReceiptDelivery.objects.filter(receipt__donor=person).count() == 4
    assert record["details"]["name"] == NAME and record["details"]["phone"] == PHONE
    assert record["consents"]["news_and_appeals"] is True
    assert MESSAGE in {row["message"] for row in record["gifts"]}
    assert AuditEntry.objects.filter(action="donor.data_exported", actor=root, object_id=str(person.pk)).count() == 1

    response = admin.get(reverse("donor_data_export", args=[person.pk, "csv"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"details.csv", "gifts.csv", "receipts.csv", "emails_sent.csv", "kept_after_erasure.csv"} <= set(
        archive.namelist()
    )
    rows = list(csv.DictReader(io.StringIO(archive.read("gifts.csv").decode("utf-8-sig"))))
    assert sorted(row["reference"] for row in rows) == sorted(gifts.values_list("reference", flat=True))
    receipt_rows = list(csv.DictReader(io.StringIO(archive.read("receipts.csv").decode("utf-8-sig"))))
    assert len(receipt_rows) == receipts.count()
    assert export_csv_zip(donor_data_export([person]))[:2] == b"PK"


def test_a_pledge_and_a_refunded_gift_are_in_the_export(fund, donor):
    from fund.services import donation_refund

    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000")
    gift = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="200000", received_at=timezone.now()
    )
    donation_refund(donation=gift, reason="asked back")
    flush_deferred_checks()
    (record,) = donor_data_export([donor])["donors"]
    assert {(row["reference"], row["status"]) for row in record["gifts"]} == {
        (pledge.reference, "pledged"),
        (gift.reference, "refunded"),
    }


def test_an_organisation_is_not_erased(organisation):
    with pytest.raises(DonorError, match="organisation"):
        donor_erase(donor=organisation, actor=None, reason="asked")
    organisation.refresh_from_db()
    assert organisation.name == "Công ty TNHH Ví Dụ" and organisation.erased_at is None
    assert not AuditEntry.objects.filter(action="donor.erase").exists()


def test_erasure_needs_a_reason_and_happens_once(donor):
    with pytest.raises(DonorError):
        donor_erase(donor=donor, actor=None, reason="  ")
    donor_erase(donor=donor, actor=None, reason="asked by phone")
    with pytest.raises(DonorError, match="already"):
        donor_erase(donor=donor, actor=None, reason="again")
    with pytest.raises(DonorError):
        donor_update(donor=donor, name="Trần Thị Demo")  # not typed back in
    assert AuditEntry.objects.filter(action="donor.erase").count() == 1


def refused(response) -> bool:
    # Wagtail answers a PermissionDenied in the admin with a redirect to the dashboard and a
    # message; outside it, 403.
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_administrator_exports_or_erases(role, donor):
    roles_sync()
    client, _ = role_client(role, "someone")
    assert refused(client.get(reverse("donor_data_export", args=[donor.pk, "json"])))
    assert refused(client.get(reverse("donor_data_export", args=[donor.pk, "csv"])))
    assert refused(client.get(reverse("donor_erase", args=[donor.pk])))
    assert refused(client.post(reverse("donor_erase", args=[donor.pk]), {"reason": "x", "confirm": "on"}))
    donor.refresh_from_db()
    assert donor.erased_at is None
    assert not AuditEntry.objects.filter(action="donor.data_exported").exists()


def test_the_administrator_sees_both_actions_on_the_donor_listing(donor, organisation):
    roles_sync()
    admin, _ = role_client("Administrator", "root")
    page = admin.get("/admin/donors/").content.decode()
    assert reverse("donor_erase", args=[donor.pk]) in page
    assert reverse("donor_erase", args=[organisation.pk]) not in page  # organisations are not erased
    assert reverse("donor_data_export", args=[organisation.pk, "csv"]) in page
    accountant, _ = role_client("Fund accountant", "acc")
    page = accountant.get("/admin/donors/").content.decode()
    assert reverse("donor_erase", args=[donor.pk]) not in page
    assert reverse("donor_data_export", args=[donor.pk, "json"]) not in page


def test_a_bank_line_stays_frozen_outside_an_erasure(scene):
    line = BankTransaction.objects.get(donation=scene["pledge"])
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.filter(pk=line.pk).update(counterparty="someone else")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chungtay.erasure', 'on', true)")
    try:
        with pytest.raises(IntegrityError), transaction.atomic():  # even then, the amount is fixed
            BankTransaction.objects.filter(pk=line.pk).update(bank_reference="X")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('chungtay.erasure', 'off', true)")


def test_the_erase_screen_asks_for_the_request_and_a_confirmation(donor):
    roles_sync()
    admin, _ = role_client("Administrator", "root")
    url = reverse("donor_erase", args=[donor.pk])
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"reason": "email of 3 March"})  # not confirmed
    assert response.status_code == 200
    donor.refresh_from_db()
    assert donor.erased_at is None
    assert admin.post(url, {"reason": "email of 3 March", "confirm": "on"}).status_code == 302
    again = admin.get(url)
    assert again.status_code == 302 and again["Location"] == "/admin/donors/"
