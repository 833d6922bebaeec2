"""A gift received in a committed transaction: the real worker issues its receipt and emails it
over SMTP (aiosmtpd on 127.0.0.1), and a mail server that was down gets the email once it is back."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from donors.services import donor_create
from fund.services import donation_record
from receipts.models import Receipt, ReceiptDelivery
from receipts.tasks import receipts_sweep_run

from .conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def celery_worker_env(smtp_server):
    # The worker is configured the way production is: by EMAIL_URL.
    return {"EMAIL_URL": smtp_server.url}


@pytest.fixture
def consenting_donor(transactional_db):
    return donor_create(
        kind="person",
        name="Nguyễn Thị Hồng Nhung",
        email="nhung@example.org",
        preferred_language="vi",
        consent_receipts_by_email=True,
    )


def _receive(fund, donor):
    with transaction.atomic():
        gift = donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="2500000", received_at=timezone.now()
        )
        assert not Receipt.objects.filter(donation=gift).exists()  # nothing happens before the commit
    return gift


def test_the_worker_issues_and_emails_the_receipt_of_a_received_gift(
    smtp_server, celery_worker_process, fund, consenting_donor
):
    gift = _receive(fund, consenting_donor)

    messages = smtp_server.wait_for(1, timeout=60)
    assert len(messages) == 1, "the worker sent no receipt email"
    receipt = Receipt.objects.get(donation=gift)
    delivery = wait_for(lambda: ReceiptDelivery.objects.filter(receipt=receipt, status="sent").first())
    assert delivery is not None and delivery.attempts == 1
    [received] = messages
    assert received.rcpt_tos == ["nhung@example.org"]
    assert received.message["Message-ID"].startswith(f"<receipt-delivery-{delivery.pk}@")
    assert receipt.number in received.subject
    [(name, content_type, data)] = received.attachments
    assert (name, content_type) == (f"{receipt.number}.pdf", "application/pdf")
    assert data.startswith(b"%PDF")
    # Nothing else is on its way: still exactly one message a moment later.
    assert len(smtp_server.wait_for(2, timeout=3)) == 1


def test_with_the_mail_server_down_the_worker_records_the_failure_and_the_sweep_sends_it_later(
    smtp_server, celery_worker_process, fund, consenting_donor
):
    smtp_server.stop()
    gift = _receive(fund, consenting_donor)

    failed = wait_for(
        lambda: ReceiptDelivery.objects.filter(receipt__donation=gift, status="failed").first(), timeout=60
    )
    assert failed is not None, "the worker never recorded the failed sending"
    assert failed.attempts == 1 and "Connection refused" in failed.last_error
    assert failed.next_attempt_at > timezone.now()

    smtp_server.start()
    # Time passes (rather than waiting out the retry): the row is due, and beat's sweep runs.
    ReceiptDelivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    receipts_sweep_run.delay()

    messages = smtp_server.wait_for(1, timeout=60)
    assert len(messages) == 1 and messages[0].rcpt_tos == ["nhung@example.org"]
    sent = wait_for(lambda: ReceiptDelivery.objects.filter(pk=failed.pk, status="sent").first())
    assert sent is not None and sent.attempts == 2
    assert len(smtp_server.wait_for(2, timeout=3)) == 1
