"""Receipt emails over real SMTP (aiosmtpd on 127.0.0.1): sent once, in the donor's language,
with the PDF; kept and sent later when the mail server or the broker is down."""

import datetime

import pytest
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from donors.services import donor_create
from fund.models import Organisation
from fund.services import donation_record
from receipts import emails, tasks
from receipts.links import receipt_verification_url
from receipts.models import Receipt, ReceiptDelivery, ReceiptSettings
from receipts.services.delivery import delivery_queue, delivery_send
from receipts.services.receipts import receipt_reissue
from receipts.services.statements import statement_issue
from receipts.services.sweep import receipts_sweep
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db

THANKS_VI = "Cảm ơn tấm lòng của quý vị đối với các em."
THANKS_EN = "Thank you for standing with the children."


@pytest.fixture
def issuer(db):
    organisation = Organisation.load()
    organisation.name = "Quỹ Bảo trợ trẻ em tỉnh"
    organisation.address = "12 Đường Lê Lợi, Huế"
    organisation.phone = "0234 3822 000"
    organisation.email = "quy@example.org"
    organisation.website = "https://quy.example.org"
    organisation.save()
    settings = ReceiptSettings.load()
    settings.thanks_vi = THANKS_VI
    settings.thanks_en = THANKS_EN
    settings.save()
    return settings


@pytest.fixture
def english_donor(db):
    return donor_create(
        kind="person",
        name="Jane O'Neil",
        email="jane@example.org",
        preferred_language="en",
        consent_receipts_by_email=True,
    )


@pytest.fixture
def receive(fund, django_capture_on_commit_callbacks):
    """Receive a cash gift and run what its commit queues (the receipt, then its email)."""

    def receive(donor, amount="1900000000"):
        with django_capture_on_commit_callbacks(execute=True):
            return donation_record(
                fund=fund, donor=donor, kind="cash", channel="cash", amount=amount, received_at=timezone.now()
            )

    return receive


@pytest.fixture
def lose_send_tasks(monkeypatch):
    """The broker is up but the sending task never arrives (a worker lost it)."""
    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", lambda *args, **kwargs: None)
    return monkeypatch


def _only_delivery(gift) -> ReceiptDelivery:
    return ReceiptDelivery.objects.select_related("receipt").get(receipt__donation=gift)


def _pdf(received) -> tuple[str, bytes]:
    [(name, content_type, data)] = received.attachments
    assert content_type == "application/pdf"
    return name, data


def test_a_vietnamese_donor_gets_one_email_over_smtp_with_the_pdf(
    smtp_email_settings, issuer, consenting_donor, receive
):
    gift = receive(consenting_donor)

    [received] = smtp_email_settings.messages
    delivery = _only_delivery(gift)
    receipt = delivery.receipt
    assert delivery.status == ReceiptDelivery.Status.SENT
    assert delivery.attempts == 1 and delivery.sent_at is not None and delivery.last_error == ""
    assert received.rcpt_tos == ["nhung@example.org"]
    message = received.message
    assert message["Message-ID"].startswith(f"<receipt-delivery-{delivery.pk}@")
    assert message["Content-Language"] == "vi"
    assert receipt.number in received.subject and "Quỹ Bảo trợ trẻ em tỉnh" in received.subject
    assert message["Reply-To"] == "quy@example.org"
    text = received.text
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "1.900.000.000 ₫" in text
    assert "Children's Protection Fund" in text
    url = receipt_verification_url(receipt)
    assert url in text and "/en/" not in url
    assert THANKS_VI in text and THANKS_EN not in text
    assert "0234 3822 000" in text and "12 Đường Lê Lợi, Huế" in text
    assert url in received.html and THANKS_VI in received.html
    name, data = _pdf(received)
    assert name == f"{receipt.number}.pdf"
    assert data.startswith(b"%PDF")


def test_an_english_donor_gets_the_email_in_english(smtp_email_settings, issuer, english_donor, receive):
    gift = receive(english_donor, amount="500000")

    [received] = smtp_email_settings.messages
    receipt = Receipt.objects.get(donation=gift)
    assert receipt.language == "en"
    assert received.rcpt_tos == ["jane@example.org"]
    assert received.message["Content-Language"] == "en"
    assert received.subject == f"Receipt {receipt.number} from Quỹ Bảo trợ trẻ em tỉnh"
    text = received.text
    assert text.startswith("Dear Jane O'Neil,")
    received_on = timezone.localdate(gift.received_at)
    assert f"We received your gift of 500,000 ₫ for Children's Protection Fund on {received_on:%-d %B %Y}." in text
    assert f"Your receipt {receipt.number} is attached" in text
    assert "/en/receipts/" in receipt_verification_url(receipt) and receipt_verification_url(receipt) in text
    assert THANKS_EN in text and THANKS_VI not in text
    assert _pdf(received)[1].startswith(b"%PDF")
    assert _only_delivery(gift).status == ReceiptDelivery.Status.SENT


def test_the_html_part_escapes_donor_data_and_loads_nothing_remote(smtp_email_settings, issuer, fund, receive):
    donor = donor_create(
        kind="person",
        name='Lê <b onclick="x()">Văn</b> & Co',
        email="le@example.org",
        preferred_language="en",
        consent_receipts_by_email=True,
    )
    receive(donor, amount="200000")

    [received] = smtp_email_settings.messages
    html = received.html
    assert "Lê &lt;b onclick=&quot;x()&quot;&gt;Văn&lt;/b&gt; &amp; Co" in html
    assert "<b onclick" not in html
    assert "<img" not in html and "src=" not in html and "<link" not in html
    # The plain text is text: the name as written, not HTML-escaped.
    assert 'Dear Lê <b onclick="x()">Văn</b> & Co,' in received.text


def test_with_the_mail_server_down_the_delivery_waits_and_the_sweep_sends_it_once(
    smtp_email_settings, issuer, consenting_donor, receive
):
    smtp_email_settings.stop()
    before = timezone.now()
    gift = receive(consenting_donor)

    delivery = _only_delivery(gift)
    assert delivery.status == ReceiptDelivery.Status.FAILED
    assert delivery.attempts == 1
    assert "Connection refused" in delivery.last_error
    assert delivery.next_attempt_at > before
    assert Receipt.objects.filter(donation=gift, status=Receipt.Status.VALID).count() == 1

    # Before its time the sweep leaves it alone, even with the server back.
    smtp_email_settings.start()
    assert receipts_sweep()["deliveries"] == 0
    assert smtp_email_settings.messages == []

    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert receipts_sweep(now=later) == {"receipts": 0, "deliveries": 1}
    assert receipts_sweep(now=later) == {"receipts": 0, "deliveries": 0}

    [received] = smtp_email_settings.messages
    assert received.rcpt_tos == ["nhung@example.org"]
    delivery.refresh_from_db()
    assert delivery.status == ReceiptDelivery.Status.SENT and delivery.attempts == 2


def test_a_sweep_while_the_server_is_still_down_records_each_failure_and_carries_on(
    smtp_email_settings, issuer, consenting_donor, english_donor, receive
):
    smtp_email_settings.stop()
    gifts = [receive(consenting_donor), receive(english_donor)]
    later = timezone.now() + datetime.timedelta(hours=1)

    assert receipts_sweep(now=later)["deliveries"] == 2

    rows = ReceiptDelivery.objects.filter(receipt__donation__in=gifts)
    assert sorted((row.status, row.attempts) for row in rows) == [(ReceiptDelivery.Status.FAILED, 2)] * 2
    assert all(row.next_attempt_at > timezone.now() for row in rows)


def test_the_send_task_run_twice_sends_one_email(
    smtp_email_settings, issuer, consenting_donor, receive, lose_send_tasks
):
    gift = receive(consenting_donor)
    delivery = _only_delivery(gift)
    assert delivery.status == ReceiptDelivery.Status.QUEUED

    first = tasks.receipt_delivery_send.apply(args=[delivery.pk]).get()
    second = tasks.receipt_delivery_send.apply(args=[delivery.pk]).get()

    assert (first, second) == ("sent", "already sent")
    assert len(smtp_email_settings.messages) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_with_the_broker_down_the_row_stays_queued_and_the_sweep_sends_it(
    smtp_email_settings, issuer, consenting_donor, receive, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.receipt_delivery_send, "delay", broker_down)
    gift = receive(consenting_donor)

    delivery = _only_delivery(gift)
    assert delivery.status == ReceiptDelivery.Status.QUEUED and delivery.attempts == 0
    assert smtp_email_settings.messages == []
    assert "the sweep will send it" in caplog.text

    monkeypatch.undo()  # the broker is back
    # A queued row is the sending task's for a while (it may only be late) ...
    assert receipts_sweep()["deliveries"] == 0
    # ... then the sweep takes it over.
    assert receipts_sweep(now=timezone.now() + datetime.timedelta(minutes=11))["deliveries"] == 1

    [received] = smtp_email_settings.messages
    assert received.rcpt_tos == ["nhung@example.org"]
    delivery.refresh_from_db()
    assert delivery.status == ReceiptDelivery.Status.SENT and delivery.attempts == 1


def test_a_resend_is_a_new_row_and_a_second_email(
    smtp_email_settings, issuer, consenting_donor, receive, admin_user, django_capture_on_commit_callbacks
):
    gift = receive(consenting_donor)
    receipt = Receipt.objects.get(donation=gift)

    with django_capture_on_commit_callbacks(execute=True):
        resend = delivery_queue(receipt=receipt, requested_by=admin_user)

    first, second = smtp_email_settings.messages
    assert resend.requested_by == admin_user
    rows = ReceiptDelivery.objects.filter(receipt=receipt).order_by("id")
    assert [row.status for row in rows] == [ReceiptDelivery.Status.SENT] * 2
    assert first.message["Message-ID"] != second.message["Message-ID"]
    assert second.message["Message-ID"].startswith(f"<receipt-delivery-{resend.pk}@")
    assert _pdf(second) == _pdf(first)


def test_no_consent_or_no_address_means_no_row_and_no_email(smtp_email_settings, issuer, donor, receive):
    no_address = donor_create(
        kind="person", name="Phạm Văn Không Thư", email="", preferred_language="vi", consent_receipts_by_email=True
    )
    assert not donor.consent_receipts_by_email

    gifts = [receive(donor), receive(no_address)]

    assert Receipt.objects.filter(donation__in=gifts).count() == 2
    assert not ReceiptDelivery.objects.exists()
    assert smtp_email_settings.messages == []


def test_a_delivery_at_the_attempt_limit_is_not_retried(
    smtp_email_settings, issuer, consenting_donor, receive, settings
):
    settings.RECEIPTS_DELIVERY_MAX_ATTEMPTS = 3
    smtp_email_settings.stop()
    gift = receive(consenting_donor)
    delivery = _only_delivery(gift)
    far = timezone.now() + datetime.timedelta(days=1)

    assert receipts_sweep(now=far)["deliveries"] == 1
    assert receipts_sweep(now=far)["deliveries"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (ReceiptDelivery.Status.FAILED, 3)

    smtp_email_settings.start()
    assert receipts_sweep(now=far + datetime.timedelta(days=30))["deliveries"] == 0
    # A task that still carries it gives up too.
    assert delivery_send(delivery_id=delivery.pk) == "gave up"
    assert smtp_email_settings.messages == []
    delivery.refresh_from_db()
    assert delivery.attempts == 3


def test_the_replacement_of_a_void_receipt_says_which_it_replaces(
    smtp_email_settings, issuer, english_donor, receive, admin_user, django_capture_on_commit_callbacks
):
    gift = receive(english_donor, amount="300000")
    old = Receipt.objects.get(donation=gift)

    with django_capture_on_commit_callbacks(execute=True):
        new = receipt_reissue(receipt=old, reason="Name misspelt", actor=admin_user)

    first, second = smtp_email_settings.messages
    assert first.subject == f"Receipt {old.number} from Quỹ Bảo trợ trẻ em tỉnh"
    assert second.subject == f"Receipt {new.number} from Quỹ Bảo trợ trẻ em tỉnh (replaces {old.number})"
    assert f"This receipt replaces receipt {old.number}, which is no longer valid." in second.text
    assert f"replaces receipt {old.number}" in second.html
    assert _pdf(second)[0] == f"{new.number}.pdf"


def test_a_statement_email_names_its_period(
    smtp_email_settings, issuer, english_donor, receive, django_capture_on_commit_callbacks
):
    receive(english_donor, amount="300000")
    receive(english_donor, amount="200000")
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_issue(
            donor_id=english_donor.pk, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31)
        )

    *gift_emails, received = smtp_email_settings.wait_for(3)
    assert len(gift_emails) == 2
    assert received.subject == f"Statement of gifts {statement.number} from Quỹ Bảo trợ trẻ em tỉnh"
    assert f"Your statement of gifts for {year} is attached" in received.text
    assert "Total of your gifts: 500,000 ₫" in received.text
    assert f"Your statement of gifts for {year}" in received.html
    name, data = _pdf(received)
    assert name == f"{statement.number}.pdf" and data.startswith(b"%PDF")


def test_a_part_year_period_is_written_with_both_dates():
    july_to_june = (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    with translation.override("en"):
        assert emails.period_text(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)) == "2025"
        assert emails.period_text(*july_to_june) == "1 July 2025 – 30 June 2026"
    with translation.override("vi"):
        assert "July" not in emails.period_text(*july_to_june)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_sends_of_one_delivery_send_one_email(
    restore_migrated_rows_after_flush, smtp_email_settings, issuer, consenting_donor, fund, lose_send_tasks
):
    gift = donation_record(
        fund=fund, donor=consenting_donor, kind="cash", channel="cash", amount="700000", received_at=timezone.now()
    )
    delivery = _only_delivery(gift)
    assert delivery.status == ReceiptDelivery.Status.QUEUED
    # A slow server keeps the first sender inside its locked row while the second arrives.
    smtp_email_settings.handler.delay = 1.0

    def send():
        # The service the task calls; two Celery eager runs in threads would trip Celery's
        # "result.get() within a task" guard, which says nothing about the row lock.
        return delivery_send(delivery_id=delivery.pk)

    outcomes = run_together(send, send)

    assert outcomes == ["busy", "sent"]
    assert len(smtp_email_settings.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (ReceiptDelivery.Status.SENT, 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_delivery_is_sent_while_another_transaction_holds_its_donor_or_receipt(
    restore_migrated_rows_after_flush, smtp_email_settings, issuer, consenting_donor, fund, lose_send_tasks
):
    """Only the delivery row is the sender's lock. Another gift of the same donor being received,
    or the receipt being read for update, must not make the task think another worker is
    sending it ("busy"): that left the row queued until the sweep, minutes later."""
    from threading import Event, Thread

    from django.db import connection, transaction

    from donors.models import Donor

    gift = donation_record(
        fund=fund, donor=consenting_donor, kind="cash", channel="cash", amount="700000", received_at=timezone.now()
    )
    delivery = _only_delivery(gift)
    held, release = Event(), Event()

    def hold():
        try:
            with transaction.atomic():
                Donor.objects.select_for_update().get(pk=consenting_donor.pk)
                Receipt.objects.select_for_update().get(pk=delivery.receipt_id)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=10)
        outcome = delivery_send(delivery_id=delivery.pk)
    finally:
        release.set()
        holder.join(timeout=30)
    assert outcome == "sent"
    assert len(smtp_email_settings.messages) == 1
