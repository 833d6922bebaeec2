"""The sweep: work a lost task left undone (a gift with no receipt, a delivery never sent) is
found and queued again, and nothing is queued before its time or after the attempt limit."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from fund.services import donation_record, donation_refund
from receipts import tasks
from receipts.models import Receipt, ReceiptDelivery
from receipts.services.delivery import deliveries_due
from receipts.services.sweep import gifts_without_receipt, receipts_sweep

pytestmark = pytest.mark.django_db

LOST = datetime.timedelta(minutes=11)  # past RECEIPTS_LOST_TASK_MINUTES (10)


def _broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def receive(fund, consenting_donor, django_capture_on_commit_callbacks):
    def receive(amount="500000"):
        with django_capture_on_commit_callbacks(execute=True):
            return donation_record(
                fund=fund,
                donor=consenting_donor,
                kind="cash",
                channel="cash",
                amount=amount,
                received_at=timezone.now(),
            )

    return receive


def test_a_gift_whose_receipt_task_was_lost_gets_its_receipt_and_email_from_the_sweep(
    receive, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.receipt_issue_for_gift, "delay", _broker_down)
    gift = receive()
    assert not Receipt.objects.filter(donation=gift).exists()
    monkeypatch.undo()

    # Just received: its task may only be late.
    assert receipts_sweep() == {"receipts": 0, "deliveries": 0}
    later = timezone.now() + LOST
    with django_capture_on_commit_callbacks(execute=True):  # the issue's commit queues its email
        assert receipts_sweep(now=later) == {"receipts": 1, "deliveries": 0}
    assert receipts_sweep(now=later) == {"receipts": 0, "deliveries": 0}

    receipt = Receipt.objects.get(donation=gift)
    assert ReceiptDelivery.objects.get(receipt=receipt).status == ReceiptDelivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["nhung@example.org"]]


def test_only_received_gifts_without_a_valid_receipt_are_missing_one(
    fund, donor, receive, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.receipt_issue_for_gift, "delay", _broker_down)
    missing = receive()
    refunded = receive()
    with django_capture_on_commit_callbacks(execute=True):
        donation_refund(donation=refunded, reason="Returned transfer")
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000")  # a pledge
    monkeypatch.undo()
    has_one = receive()

    later = timezone.now() + LOST
    assert list(gifts_without_receipt(settled_before=later)) == [missing]
    assert Receipt.objects.filter(donation=has_one).exists()


def test_due_deliveries(receive, settings):
    receipt = Receipt.objects.get(donation=receive())
    now = timezone.now()
    old = now - LOST

    def row(**fields):
        return ReceiptDelivery.objects.create(receipt=receipt, to_email="nhung@example.org", **fields)

    failed_due = row(status="failed", attempts=2, next_attempt_at=now - datetime.timedelta(seconds=1))
    queued_lost = row(queued_at=old, next_attempt_at=old)
    row(status="failed", attempts=2, next_attempt_at=now + datetime.timedelta(minutes=5))  # waiting
    row(status="failed", attempts=settings.RECEIPTS_DELIVERY_MAX_ATTEMPTS, next_attempt_at=old)  # gave up
    row(queued_at=now, next_attempt_at=now)  # its task is on the way
    row(status="sent", attempts=1, sent_at=old, queued_at=old, next_attempt_at=old)

    due = set(deliveries_due(now=now))
    # The gift's own automatic delivery was sent when it was received.
    assert due == {failed_due, queued_lost}


def test_a_delivery_queued_twice_is_sent_once(receive, monkeypatch):
    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", lambda *args: None)  # lost
    delivery = ReceiptDelivery.objects.get(receipt__donation=receive())
    queued = []
    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", lambda delivery_id: queued.append(delivery_id))

    # Two runs before any worker picked the first one up.
    later = timezone.now() + LOST
    receipts_sweep(now=later)
    receipts_sweep(now=later)
    assert queued == [delivery.pk, delivery.pk]
    outcomes = [tasks.receipt_delivery_send.apply(args=[pk]).get() for pk in queued]

    assert outcomes == ["sent", "already sent"]
    assert len(mail.outbox) == 1


def test_with_the_broker_down_the_sweep_fails_loudly_and_loses_nothing(receive, monkeypatch):
    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", _broker_down)
    delivery = ReceiptDelivery.objects.get(receipt__donation=receive())
    later = timezone.now() + LOST

    with pytest.raises(OperationalError):
        receipts_sweep(now=later)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (ReceiptDelivery.Status.QUEUED, 0)

    monkeypatch.undo()
    assert receipts_sweep(now=later) == {"receipts": 0, "deliveries": 1}
    delivery.refresh_from_db()
    assert delivery.status == ReceiptDelivery.Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_takes_at_most_limit_items_a_run(receive, monkeypatch):
    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", lambda *args: None)
    for _ in range(3):
        receive()
    later = timezone.now() + LOST
    assert receipts_sweep(now=later, limit=2)["deliveries"] == 2


def test_beat_runs_the_sweep_task(settings, receive, monkeypatch):
    assert settings.CELERY_BEAT_SCHEDULE["receipts-sweep"]["task"] == tasks.receipts_sweep_run.name
    monkeypatch.setattr(tasks.receipt_issue_for_gift, "delay", _broker_down)
    gift = receive()
    monkeypatch.undo()
    settings.RECEIPTS_LOST_TASK_MINUTES = 0  # any gift received before this run counts as lost

    assert tasks.receipts_sweep_run.apply().get() == {"receipts": 1, "deliveries": 0}
    assert Receipt.objects.filter(donation=gift).count() == 1
