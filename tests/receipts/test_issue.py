import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from fund.services import donation_record, donation_refund
from receipts.errors import AlreadyVoid, NotReceivable
from receipts.models import Receipt, ReceiptDelivery
from receipts.services.receipts import receipt_issue, receipt_reissue, receipt_void

pytestmark = pytest.mark.django_db


def test_receiving_a_gift_issues_one_numbered_receipt_and_emails_it(received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    year = timezone.localdate().year
    assert receipt.number == f"CT-{year}-000001"
    assert receipt.status == Receipt.Status.VALID
    assert receipt.language == "vi"
    assert receipt.content["donor"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert receipt.content["gift"]["amount"] == "1900000000.00"
    delivery = ReceiptDelivery.objects.get(receipt=receipt)
    assert delivery.status == ReceiptDelivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["nhung@example.org"]]
    assert mail.outbox[0].attachments[0][0] == f"{receipt.number}.pdf"


def test_issuing_again_returns_the_same_receipt(received_gift):
    first = Receipt.objects.get(donation=received_gift)
    assert receipt_issue(donation_id=received_gift.pk) == first
    assert Receipt.objects.count() == 1


def test_a_pledge_gets_no_receipt(fund, donor):
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="500000")
    with pytest.raises(NotReceivable):
        receipt_issue(donation_id=pledge.pk)
    assert not Receipt.objects.exists()


def test_no_email_without_consent(fund, donor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        gift = donation_record(
            fund=fund, donor=donor, kind="cash", channel="cash", amount="500000", received_at=timezone.now()
        )
    assert Receipt.objects.filter(donation=gift).exists()
    assert not ReceiptDelivery.objects.exists()
    assert mail.outbox == []


def test_refund_voids_the_receipt(received_gift, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        donation_refund(donation=received_gift, reason="Returned transfer")
    receipt = Receipt.objects.get(donation=received_gift)
    assert receipt.status == Receipt.Status.VOID
    assert "Returned transfer" in receipt.void_reason
    assert receipt.voided_at is not None


def test_reissue_voids_and_replaces_with_a_new_number(received_gift, admin_user):
    old = Receipt.objects.get(donation=received_gift)
    donor = received_gift.donor
    donor.name = "Nguyễn Thị Hồng Nhung (corrected)"
    donor.save()
    new = receipt_reissue(receipt=old, reason="Name misspelt", actor=admin_user)
    old.refresh_from_db()
    assert old.status == Receipt.Status.VOID and old.voided_by == admin_user
    assert new.replaces == old and new.number != old.number and new.sequence == old.sequence + 1
    assert new.content["replaces"] == {"number": old.number, "reason": "Name misspelt"}
    assert new.content["donor"]["name"].endswith("(corrected)")
    assert old.content["donor"]["name"] == "Nguyễn Thị Hồng Nhung"
    with pytest.raises(AlreadyVoid):
        receipt_void(receipt=old, reason="again")


def test_an_issued_receipt_cannot_be_edited_or_deleted(received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    for change in ({"content": {}}, {"number": "CT-1999-000001"}, {"amount": 1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Receipt.objects.filter(pk=receipt.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).delete()


def test_a_gift_entered_long_after_it_arrived_gets_a_receipt_but_no_automatic_email(
    fund, consenting_donor, settings, django_capture_on_commit_callbacks
):
    import datetime

    settings.RECEIPTS_EMAIL_WITHIN_DAYS = 90
    arrived = timezone.now() - datetime.timedelta(days=91)
    with django_capture_on_commit_callbacks(execute=True):
        old = donation_record(
            fund=fund, donor=consenting_donor, kind="cash", channel="cash", amount="200000", received_at=arrived
        )
        recent = donation_record(
            fund=fund,
            donor=consenting_donor,
            kind="cash",
            channel="cash",
            amount="300000",
            received_at=arrived + datetime.timedelta(days=2),
        )
    assert Receipt.objects.filter(donation__in=[old, recent]).count() == 2
    assert list(ReceiptDelivery.objects.values_list("receipt__donation", flat=True)) == [recent.pk]
