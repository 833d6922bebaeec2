"""Card payment events stored by the webhook and applied by a worker
(payments.services.stripe_queue): nothing but the storing happens in the request; a batch
applies each event as its handler would, receiving the plain payments together in a few
queries; several workers at once apply each event once; a run is asked for once per burst; and
check_ledger names an event no worker has applied."""

import datetime
from functools import partial

import pytest
import weasyprint
from django.core import mail
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from donors.services import donor_create
from fund.models import Donation, Posting
from fund.selectors.ledger_checks import ledger_problems
from fund.services import donation_receive, donation_record
from payments import tasks as payment_tasks
from payments.models import CardPayment, StripeEvent
from payments.services import stripe_queue
from payments.services.stripe_queue import stripe_events_apply, stripe_events_apply_soon
from receipts.models import Receipt
from tests.support.concurrency import run_together

from .conftest import event, payment_intent, post_event

pytestmark = pytest.mark.usefixtures("webhook_secret", "fake_stripe")


def started(fund, donor, intent_id, amount="500000", **kw):
    """A pledged card gift whose payment has started (its CardPayment names the PaymentIntent)."""
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount=amount, **kw)
    CardPayment.objects.create(donation=gift, stripe_payment_intent_id=intent_id)
    return gift


def succeeded(gift, intent_id, amount=500000, **kw):
    return event("payment_intent.succeeded", payment_intent(donation=gift, intent_id=intent_id, amount=amount, **kw))


def store(evt) -> dict:
    """Deliver an event and leave it for the worker (nothing commits inside a test)."""
    response = post_event(Client(), evt, apply=False)
    assert response.status_code == 200
    return response.json()


def outcome(evt) -> str:
    return StripeEvent.objects.get(stripe_id=evt["id"]).outcome


def test_the_webhook_stores_a_card_event_and_applies_nothing_in_the_request(fund, donor):
    gift = started(fund, donor, "pi_store")
    evt = succeeded(gift, "pi_store")

    answer = store(evt)

    assert answer == {"received": True, "event": evt["id"], "duplicate": False, "outcome": "Stored; applied shortly."}
    row = StripeEvent.objects.get(stripe_id=evt["id"])
    assert (row.payload, row.processed_at, row.outcome) == (evt, None, "")
    assert AuditEntry.objects.filter(action="stripe_event.store", object_id=str(row.pk)).count() == 1
    assert Donation.objects.get(pk=gift.pk).status == Donation.Status.PLEDGED
    assert not Posting.objects.exists()
    assert store(evt)["duplicate"] is True  # a redelivery before the worker ran: still stored once
    assert StripeEvent.objects.count() == 1

    assert stripe_events_apply() == 1
    row.refresh_from_db()
    assert row.processed_at is not None and row.outcome == f"Gift {gift.reference} received (₫500,000)."
    assert Donation.objects.get(pk=gift.pk).status == Donation.Status.RECEIVED
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.SUCCEEDED
    assert AuditEntry.objects.filter(action="stripe_event.process", object_id=str(row.pk)).count() == 1
    assert stripe_events_apply() == 0  # applied once
    assert Posting.objects.filter(donation=gift).count() == 1
    assert ledger_problems().problems == []


def test_a_batch_applies_every_event_as_its_handler_would(fund, donor):
    plain = [started(fund, donor, f"pi_plain{n}") for n in range(3)]
    short = started(fund, donor, "pi_short")
    by_metadata = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000")
    failing = started(fund, donor, "pi_declined")
    transferred = started(fund, donor, "pi_late_card")
    donation_receive(donation=transferred, channel="bank_transfer")
    events = {
        "plain": [succeeded(gift, f"pi_plain{n}") for n, gift in enumerate(plain)],
        "again": succeeded(plain[0], "pi_plain0"),  # another event for the same payment
        "short": succeeded(short, "pi_short", amount=400000),
        "metadata": succeeded(by_metadata, "pi_metadata"),
        "failed": event(
            "payment_intent.payment_failed",
            payment_intent(
                donation=failing, intent_id="pi_declined", amount=500000, status="requires_payment_method", error="No."
            ),
        ),
        "elsewhere": event(
            "payment_intent.succeeded",
            {**payment_intent(donation=plain[0], intent_id="pi_elsewhere", amount=1000), "metadata": {}},
        ),
        "transferred": succeeded(transferred, "pi_late_card"),
    }
    for evt in [*events["plain"], *[e for name, e in events.items() if name != "plain"]]:
        store(evt)

    assert stripe_events_apply() == 9

    for gift, evt in zip(plain, events["plain"], strict=True):
        assert Donation.objects.get(pk=gift.pk).status == Donation.Status.RECEIVED
        assert outcome(evt) == f"Gift {gift.reference} received (₫500,000)."
    assert "already received" in outcome(events["again"])
    assert outcome(events["short"]).startswith("Not received: Stripe reports ₫400,000 paid")
    assert Donation.objects.get(pk=by_metadata.pk).status == Donation.Status.RECEIVED
    assert CardPayment.objects.get(donation=by_metadata).stripe_payment_intent_id == "pi_metadata"
    assert CardPayment.objects.get(donation=failing).status == CardPayment.Status.FAILED
    assert outcome(events["elsewhere"]).startswith("No one-off gift is paid by PaymentIntent pi_elsewhere")
    assert "was already received by Bank transfer" in outcome(events["transferred"])
    assert set(StripeEvent.objects.filter(attention="person").values_list("stripe_id", flat=True)) == {
        events["short"]["id"],
        events["transferred"]["id"],
    }
    assert AuditEntry.objects.filter(action="stripe_event.process").count() == 9
    assert Posting.objects.count() == 5  # three plain, by metadata, and the transfer
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    assert len(ledger_problems().problems) == 2  # the two events a person must look at


def test_plain_payments_cost_the_same_few_queries_however_many_there_are(fund, donor, django_assert_max_num_queries):
    gifts = [started(fund, donor, f"pi_many{n}") for n in range(60)]
    for n, gift in enumerate(gifts):
        store(succeeded(gift, f"pi_many{n}"))
    # One batch: the claim, the gifts and payments locked, one UPDATE, the ledger, the audit,
    # and the rows marked; never a query or more per event.
    with django_assert_max_num_queries(30):
        assert stripe_events_apply(batch_size=100) == 60
    assert Donation.objects.filter(status=Donation.Status.RECEIVED).count() == 60
    assert ledger_problems().problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_at_once_apply_each_event_once(restore_migrated_rows_after_flush, fund, donor, monkeypatch):
    # Stored now (the hand-over to the broker recorded, not run), applied by the racing workers.
    monkeypatch.setattr(payment_tasks.stripe_events_apply_run, "delay", lambda: None)
    gifts = [started(fund, donor, f"pi_race{n}") for n in range(60)]
    for n, gift in enumerate(gifts):
        store(succeeded(gift, f"pi_race{n}"))
    assert StripeEvent.objects.filter(processed_at__isnull=True).count() == 60

    applied = run_together(*[partial(stripe_events_apply, batch_size=7) for _ in range(4)])

    assert sum(applied) == 60
    assert Donation.objects.filter(status=Donation.Status.RECEIVED).count() == 60
    assert Posting.objects.count() == 60
    assert AuditEntry.objects.filter(action="stripe_event.process").count() == 60
    assert ledger_problems().problems == []


def test_a_run_is_asked_for_once_until_it_starts(db, monkeypatch):
    asked = []
    monkeypatch.setattr(payment_tasks.stripe_events_apply_run, "delay", lambda: asked.append(1))
    stripe_events_apply_soon()
    stripe_events_apply_soon()
    assert len(asked) == 1
    stripe_events_apply()  # the run starts: events stored from now on ask again
    stripe_events_apply_soon()
    assert len(asked) == 2


def test_with_the_broker_down_the_next_event_asks_again(monkeypatch, caplog):
    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(payment_tasks.stripe_events_apply_run, "delay", down)
    stripe_events_apply_soon()
    assert "beat will run it" in caplog.text
    asked = []
    monkeypatch.setattr(payment_tasks.stripe_events_apply_run, "delay", lambda: asked.append(1))
    stripe_events_apply_soon()
    assert asked == [1]


def test_check_ledger_names_an_event_no_worker_has_applied(fund, donor, monkeypatch):
    gift = started(fund, donor, "pi_waiting")
    evt = succeeded(gift, "pi_waiting")
    store(evt)
    assert ledger_problems().problems == []  # just stored
    monkeypatch.setattr(stripe_queue, "APPLY_WAIT", datetime.timedelta(0))
    [problem] = ledger_problems().problems
    assert evt["id"] in problem and "no worker has applied it" in problem
    stripe_events_apply()
    assert ledger_problems().problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_pdf_or_email_in_the_webhook_request_only_in_the_worker(
    restore_migrated_rows_after_flush, fund, monkeypatch
):
    """Production hands the run to a worker through the broker; here that hand-over is recorded
    instead, so what the request itself did can be told from what the worker does."""
    asked = []
    monkeypatch.setattr(payment_tasks.stripe_events_apply_run, "delay", lambda: asked.append(1))
    rendered = []
    real_write_pdf = weasyprint.HTML.write_pdf

    def counting_write_pdf(self, *args, **kwargs):
        rendered.append(timezone.now())
        return real_write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting_write_pdf)
    donor = donor_create(
        kind="person",
        name="Nguyễn Văn An",
        email="an@example.org",
        preferred_language="vi",
        consent_receipts_by_email=True,
    )
    gift = started(fund, donor, "pi_in_request")

    response = post_event(Client(), succeeded(gift, "pi_in_request"))

    assert response.status_code == 200 and asked == [1]
    assert rendered == [] and mail.outbox == []
    assert not Receipt.objects.exists()
    assert Donation.objects.get(pk=gift.pk).status == Donation.Status.PLEDGED

    payment_tasks.stripe_events_apply_run()  # the worker; the receipt's tasks follow its commit
    assert Donation.objects.get(pk=gift.pk).status == Donation.Status.RECEIVED
    assert Receipt.objects.filter(donation=gift).count() == 1
    assert len(rendered) == 1 and len(mail.outbox) == 1
