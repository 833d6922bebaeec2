"""Statement emails in batches over real SMTP (aiosmtpd on 127.0.0.1): one connection for a
batch, each row still sent once, a refused address failing only its own row, and a mail server
that is down leaving the rows queued for later."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from donors.services import donor_create
from fund.services import donation_record
from receipts import tasks
from receipts.fiscal import fiscal_year_bounds, fiscal_year_of
from receipts.models import Receipt, ReceiptDelivery
from receipts.services import statements as statement_services
from receipts.services.delivery import deliveries_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(smtp_server, monkeypatch):
    """The SMTP connections messages arrived on (one peer address and port per connection)."""
    seen: list[tuple] = []
    handle_data = smtp_server.handler.handle_DATA

    async def counting(server, session, envelope):
        seen.append(session.peer)
        return await handle_data(server, session, envelope)

    monkeypatch.setattr(smtp_server.handler, "handle_DATA", counting)
    return seen


@pytest.fixture
def donors_with_gifts(fund):
    """Five donors who agreed to email, each with a gift received last year."""
    start, _ = fiscal_year_bounds(fiscal_year_of(timezone.localdate()) - 1)
    received_at = datetime.datetime.combine(start, datetime.time(10), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    donors = []
    for index in range(5):
        donor = donor_create(
            kind="person", name=f"Donor {index}", email=f"donor{index}@example.org", consent_receipts_by_email=True
        )
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000", received_at=received_at
        )
        donors.append(donor)
    return donors


def _issue_statements(capture, *, emails_per_task: int, monkeypatch) -> list[ReceiptDelivery]:
    monkeypatch.setattr(statement_services, "STATEMENT_EMAILS_PER_TASK", emails_per_task)
    start, end = fiscal_year_bounds(fiscal_year_of(timezone.localdate()) - 1)
    with capture(execute=True):  # the chunk, then its email batches, run in this process
        statement_services.statements_issue_period(start=start, end=end)
    return list(ReceiptDelivery.objects.order_by("id"))


def test_a_periods_statement_emails_go_out_in_batches_one_connection_each(
    smtp_email_settings, sessions, donors_with_gifts, django_capture_on_commit_callbacks, monkeypatch
):
    batches = []
    send_batch = tasks.receipt_deliveries_send.delay
    monkeypatch.setattr(tasks.receipt_deliveries_send, "delay", lambda ids: batches.append(ids) or send_batch(ids))

    deliveries = _issue_statements(django_capture_on_commit_callbacks, emails_per_task=2, monkeypatch=monkeypatch)

    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(pk for batch in batches for pk in batch) == [d.pk for d in deliveries]
    assert [(d.status, d.attempts) for d in deliveries] == [(ReceiptDelivery.Status.SENT, 1)] * 5
    messages = smtp_email_settings.messages
    assert sorted(m.rcpt_tos[0] for m in messages) == [f"donor{i}@example.org" for i in range(5)]
    assert len({m.message["Message-ID"] for m in messages}) == 5
    assert len(set(sessions)) == 3  # one connection per batch, not one per message
    for message in messages:
        [(name, content_type, data)] = message.attachments
        assert content_type == "application/pdf" and data.startswith(b"%PDF")
        assert Receipt.objects.filter(kind="statement", number=name.removesuffix(".pdf")).exists()


def test_a_batch_sends_each_row_once(
    smtp_email_settings, donors_with_gifts, django_capture_on_commit_callbacks, monkeypatch
):
    deliveries = _issue_statements(django_capture_on_commit_callbacks, emails_per_task=10, monkeypatch=monkeypatch)
    assert len(smtp_email_settings.messages) == 5

    outcomes = deliveries_send(delivery_ids=[d.pk for d in deliveries])  # a duplicate task

    assert set(outcomes.values()) == {"already sent"}
    assert len(smtp_email_settings.messages) == 5


def test_a_refused_address_fails_only_its_own_row(
    smtp_server, smtp_email_settings, sessions, donors_with_gifts, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks.receipt_deliveries_send, "delay", lambda ids: None)  # sent by hand below
    deliveries = _issue_statements(django_capture_on_commit_callbacks, emails_per_task=10, monkeypatch=monkeypatch)

    async def refuse_donor2(server, session, envelope, address, rcpt_options):
        if address == "donor2@example.org":
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(smtp_server.handler, "handle_RCPT", refuse_donor2, raising=False)
    outcomes = deliveries_send(delivery_ids=[d.pk for d in deliveries])

    refused = ReceiptDelivery.objects.get(to_email="donor2@example.org")
    assert outcomes[refused.pk].startswith("failed: SMTPRecipientsRefused")
    assert refused.status == ReceiptDelivery.Status.FAILED and refused.attempts == 1
    assert refused.next_attempt_at > timezone.now()
    others = ReceiptDelivery.objects.exclude(pk=refused.pk)
    assert set(others.values_list("status", flat=True)) == {ReceiptDelivery.Status.SENT}
    assert sorted(m.rcpt_tos[0] for m in smtp_email_settings.messages) == [
        f"donor{i}@example.org" for i in (0, 1, 3, 4)
    ]
    assert len(set(sessions)) == 2  # a fresh connection after the refusal


def test_with_the_mail_server_down_a_batch_leaves_its_rows_queued_and_sends_them_once_it_is_back(
    smtp_server, smtp_email_settings, donors_with_gifts, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks.receipt_deliveries_send, "delay", lambda ids: None)  # sent by hand below
    deliveries = _issue_statements(django_capture_on_commit_callbacks, emails_per_task=10, monkeypatch=monkeypatch)
    ids = [d.pk for d in deliveries]
    smtp_server.stop()

    assert set(deliveries_send(delivery_ids=ids).values()) == {"deferred"}
    assert set(ReceiptDelivery.objects.values_list("status", "attempts")) == {(ReceiptDelivery.Status.QUEUED, 0)}

    smtp_server.start()
    assert set(deliveries_send(delivery_ids=ids).values()) == {"sent"}
    assert len(smtp_email_settings.messages) == 5
