"""The receipts back office: list, inspect, download, resend, void and reissue, by permission."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from audit.models import AuditEntry
from receipts.models import Receipt, ReceiptDelivery

pytestmark = pytest.mark.django_db


def _staff(client, *codenames):
    user = User.objects.create_user("clerk", "clerk@example.org", "pw")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *[Permission.objects.get(content_type__app_label="receipts", codename=code) for code in codenames],
    )
    client.force_login(user)
    return user


def test_the_receipts_list_finds_a_receipt_by_donor_and_number(admin_client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    response = admin_client.get(reverse("receipts_admin:index"), {"q": "Hồng Nhung"})
    assert response.status_code == 200
    assert receipt.number in response.content.decode()
    response = admin_client.get(reverse("receipts_admin:inspect", args=[receipt.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "nhung@example.org" in page and "Sent" in page  # its email is listed


def test_download_is_a_pdf(admin_client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    response = admin_client.get(reverse("receipts_admin:pdf", args=[receipt.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_resend_makes_a_new_delivery_and_sends_again(client, received_gift, django_capture_on_commit_callbacks):
    user = _staff(client, "view_receipt", "change_receipt")
    receipt = Receipt.objects.get(donation=received_gift)
    url = reverse("receipts_admin:resend", args=[receipt.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"to_email": "accounts@example.org"})
    assert response.status_code == 302
    latest = ReceiptDelivery.objects.filter(receipt=receipt).latest("id")
    assert latest.to_email == "accounts@example.org" and latest.requested_by == user
    assert latest.status == ReceiptDelivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["nhung@example.org"], ["accounts@example.org"]]
    assert AuditEntry.objects.filter(action="receipt.resend", actor=user).exists()


def test_void_and_reissue_from_the_back_office(client, received_gift):
    user = _staff(client, "view_receipt", "change_receipt")
    receipt = Receipt.objects.get(donation=received_gift)
    url = reverse("receipts_admin:reissue", args=[receipt.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert Receipt.objects.get(pk=receipt.pk).status == Receipt.Status.VALID
    response = client.post(url, {"reason": "Donor's name corrected"})
    assert response.status_code == 302
    receipt.refresh_from_db()
    replacement = Receipt.objects.get(replaces=receipt)
    assert receipt.status == Receipt.Status.VOID and receipt.voided_by == user
    assert response["Location"] == reverse("receipts_admin:inspect", args=[replacement.pk])
    # Both receipts' History tabs say who voided and reissued, each naming the other.
    (voided,) = ModelLogEntry.objects.for_instance(receipt)
    assert (voided.action, voided.user, voided.data) == ("receipts.void", user, {"replaced_by": replacement.number})
    (reissued,) = ModelLogEntry.objects.for_instance(replacement)
    assert (reissued.action, reissued.data) == ("receipts.reissue", {"replaces": receipt.number})
    words_of = {receipt: "Đã hủy và được thay thế", replacement: "Được cấp để thay thế một biên nhận đã hủy"}
    for shown, words in words_of.items():
        history = client.get(reverse("receipts_admin:history", args=[shown.pk]))
        assert history.status_code == 200 and words in history.content.decode()
    # A void receipt cannot be reissued a second time.
    again = client.post(url, {"reason": "again"})
    refusal = f"Biên nhận số {receipt.number} đã bị hủy."  # "Receipt … is already void", in Vietnamese
    assert again.status_code == 200 and refusal in again.content.decode()
    assert Receipt.objects.count() == 2


def _refused(response) -> bool:
    # Wagtail's admin turns a PermissionDenied into a redirect to the dashboard with a message.
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def test_viewing_needs_the_view_permission_and_acting_needs_change(client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    _staff(client)
    assert _refused(client.get(reverse("receipts_admin:pdf", args=[receipt.pk])))
    assert _refused(client.get(reverse("receipts_admin:index")))
    client.logout()
    User.objects.all().delete()
    _staff(client, "view_receipt")
    assert client.get(reverse("receipts_admin:index")).status_code == 200
    assert client.get(reverse("receipts_admin:pdf", args=[receipt.pk])).status_code == 200
    assert _refused(client.post(reverse("receipts_admin:reissue", args=[receipt.pk]), {"reason": "x"}))
    assert _refused(client.post(reverse("receipts_admin:resend", args=[receipt.pk]), {"to_email": "a@b.c"}))
    assert ReceiptDelivery.objects.filter(receipt=receipt).count() == 1
    assert Receipt.objects.get(pk=receipt.pk).status == Receipt.Status.VALID


def test_receipts_cannot_be_added_edited_or_deleted_by_form(admin_client, received_gift):
    receipt = Receipt.objects.get(donation=received_gift)
    assert admin_client.get(f"/admin/receipts/all/edit/{receipt.pk}/").status_code in (302, 403, 404)
    assert admin_client.get(f"/admin/receipts/all/delete/{receipt.pk}/").status_code in (302, 403, 404)
    assert admin_client.get("/admin/receipts/all/new/").status_code in (302, 403, 404)
