"""The Stripe webhook: only signed, recent events are let in; each is stored once with its
effects; handlers are idempotent and do not care in which order events arrive."""

import json
import time
from decimal import Decimal
from functools import partial

import pytest
from django.test import Client
from djmoney.money import Money
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.models import Donation, Posting, RecurringGift
from fund.selectors import fund_balance
from fund.selectors.ledger_checks import ledger_problems
from fund.services import donation_record
from payments.models import CardPayment, StripeEvent
from payments.services import stripe_events as stripe_events_module
from payments.services.stripe_queue import stripe_events_apply
from tests.support.concurrency import run_together

from .conftest import WEBHOOK_SECRET, charge, dispute, event, invoice, new_id, payment_intent, post_event, sign

pytestmark = pytest.mark.usefixtures("webhook_secret", "fake_stripe")


def succeeded(gift, intent_id, amount=500000, **kw):
    return event("payment_intent.succeeded", payment_intent(donation=gift, intent_id=intent_id, amount=amount, **kw))


def refunded(gift, intent_id, amount=500000, refunded_amount=None):
    refunded_amount = amount if refunded_amount is None else refunded_amount
    return event("charge.refunded", charge(donation=gift, intent_id=intent_id, amount=amount, refunded=refunded_amount))


def deliver(evt) -> int:
    return post_event(Client(), evt).status_code


def ledger_rows() -> tuple[int, int, int]:
    return Posting.objects.count(), Transaction.objects.count(), Leg.objects.count()


def postings_of(gift) -> list[str]:
    return sorted(Posting.objects.filter(donation=gift).values_list("kind", flat=True))


def outcome_of(evt) -> str:
    return StripeEvent.objects.get(stripe_id=evt["id"]).outcome


# --- only signed, recent, well-formed events get in ------------------------------------------


def _body(gift):
    return json.dumps(succeeded(gift, new_id("pi"))).encode()


BAD_DELIVERIES = {
    "unsigned": lambda body: (body, ""),
    "tampered": lambda body: (body.replace(b"500000", b"900000"), sign(body)),
    "stale": lambda body: (body, sign(body, timestamp=int(time.time()) - 301)),
    "another-secret": lambda body: (body, sign(body, "whsec_someone_else")),
    "garbage-header": lambda body: (body, "t=abc,v1="),
    "no-v1": lambda body: (body, sign(body).replace("v1=", "v0=")),
    "not-json": lambda body: (b"not json at all", sign(b"not json at all")),
    "not-utf8": lambda body: (b"\xff\xfe", sign(b"\xff\xfe")),
    "not-an-event": lambda body: (b'{"id": "evt_1"}', sign(b'{"id": "evt_1"}')),
    "array": lambda body: (b"[1, 2]", sign(b"[1, 2]")),
}


@pytest.mark.parametrize("kind", BAD_DELIVERIES)
def test_bad_delivery_is_refused_and_writes_nothing(client, card_gift, kind):
    body, signature = BAD_DELIVERIES[kind](_body(card_gift))
    audit_before = AuditEntry.objects.count()
    response = post_event(client, body, signature=signature)
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    assert ledger_rows() == (0, 0, 0)
    assert AuditEntry.objects.count() == audit_before
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED


def test_signature_just_within_tolerance_is_accepted(client, card_gift):
    body = _body(card_gift)
    assert post_event(client, body, signature=sign(body, timestamp=int(time.time()) - 290)).status_code == 200


def test_without_a_webhook_secret_the_endpoint_answers_503_and_writes_nothing(client, card_gift, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = _body(card_gift)
    assert post_event(client, body, signature=sign(body, "")).status_code == 503
    assert StripeEvent.objects.count() == 0


def test_only_post(client):
    assert client.get("/payments/stripe/webhook/").status_code == 405


# --- payments -------------------------------------------------------------------------------


def test_succeeded_receives_the_gift_found_by_its_metadata(client, card_gift):
    evt = succeeded(card_gift, "pi_meta")
    response = post_event(client, evt)
    assert response.status_code == 200
    assert response.json()["duplicate"] is False

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.RECEIVED
    assert gift.channel == "card"
    assert postings_of(gift) == ["donation_received"]
    payment = CardPayment.objects.get(donation=gift)
    assert (payment.stripe_payment_intent_id, payment.status) == ("pi_meta", CardPayment.Status.SUCCEEDED)
    row = StripeEvent.objects.get(stripe_id=evt["id"])
    assert row.type == "payment_intent.succeeded"
    assert row.payload == evt
    assert row.processed_at is not None
    assert AuditEntry.objects.filter(action="stripe_event.process", object_id=str(row.pk)).count() == 1

    again = post_event(client, evt)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert StripeEvent.objects.count() == 1
    assert postings_of(gift) == ["donation_received"]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [pytest.param(400000, "vnd", id="less"), pytest.param(500000, "usd", id="other-currency")],
)
def test_amount_or_currency_mismatch_is_not_received_and_kept_for_the_back_office(client, card_gift, amount, currency):
    evt = succeeded(card_gift, "pi_mismatch", amount=amount, currency=currency)
    assert post_event(client, evt).status_code == 200
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED
    assert ledger_rows() == (0, 0, 0)
    assert outcome_of(evt).startswith("Not received")


def test_failed_then_succeeded_then_a_late_failure(client, card_gift):
    failed = event(
        "payment_intent.payment_failed",
        payment_intent(
            donation=card_gift,
            intent_id="pi_f",
            amount=500000,
            status="requires_payment_method",
            error="Your card has insufficient funds.",
        ),
    )
    assert post_event(client, failed).status_code == 200
    payment = CardPayment.objects.get(donation=card_gift)
    assert (payment.status, payment.last_error) == (CardPayment.Status.FAILED, "Your card has insufficient funds.")
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED

    assert post_event(client, succeeded(card_gift, "pi_f")).status_code == 200
    late = event("payment_intent.payment_failed", failed["data"]["object"])
    assert post_event(client, late).status_code == 200
    assert CardPayment.objects.get(donation=card_gift).status == CardPayment.Status.SUCCEEDED
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED
    assert "late failure" in outcome_of(late)


# --- refunds --------------------------------------------------------------------------------


def test_full_refund_reverses_the_gift(client, card_gift, fund):
    post_event(client, succeeded(card_gift, "pi_r"))
    assert post_event(client, refunded(card_gift, "pi_r")).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    assert postings_of(gift) == ["donation_received", "reversal"]
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.REFUNDED
    assert fund_balance(fund).cash == Money(0, "VND")
    assert ledger_problems().problems == []


def test_refund_before_the_success_event_receives_then_refunds(client, card_gift):
    refund = refunded(card_gift, "pi_rb")
    assert post_event(client, refund).status_code == 200
    success = succeeded(card_gift, "pi_rb")
    assert post_event(client, success).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    assert postings_of(gift) == ["donation_received", "reversal"]
    assert "already refunded" in outcome_of(success)
    assert ledger_problems().problems == []


def test_partial_refund_changes_nothing_in_the_ledger(client, card_gift):
    post_event(client, succeeded(card_gift, "pi_p"))
    partial = refunded(card_gift, "pi_p", refunded_amount=100000)
    assert post_event(client, partial).status_code == 200
    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.RECEIVED
    assert postings_of(gift) == ["donation_received"]
    assert "Partial refund" in outcome_of(partial) and "by hand" in outcome_of(partial)


def test_partial_refund_before_success_leaves_the_pledge(client, card_gift):
    assert post_event(client, refunded(card_gift, "pi_pb", refunded_amount=100000)).status_code == 200
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED
    assert ledger_rows() == (0, 0, 0)


# --- disputes -------------------------------------------------------------------------------


def test_lost_dispute_reverses_the_gift(client, card_gift):
    post_event(client, succeeded(card_gift, "pi_d"))
    opened = event("charge.dispute.created", dispute(intent_id="pi_d", amount=500000, status="needs_response"))
    assert post_event(client, opened).status_code == 200
    assert CardPayment.objects.get(donation=card_gift).status == CardPayment.Status.DISPUTED
    assert postings_of(card_gift) == ["donation_received"]

    lost = event("charge.dispute.closed", dispute(intent_id="pi_d", amount=500000, status="lost"))
    assert post_event(client, lost).status_code == 200
    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    assert postings_of(gift) == ["donation_received", "reversal"]
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.DISPUTE_LOST
    assert ledger_problems().problems == []


def test_won_dispute_changes_nothing_in_the_ledger(client, card_gift):
    post_event(client, succeeded(card_gift, "pi_w"))
    won = event("charge.dispute.closed", dispute(intent_id="pi_w", amount=500000, status="won"))
    assert post_event(client, won).status_code == 200
    # The dispute's opening arrives after its close: it must not reopen it.
    opened = event("charge.dispute.created", dispute(intent_id="pi_w", amount=500000, status="needs_response"))
    assert post_event(client, opened).status_code == 200
    assert CardPayment.objects.get(donation=card_gift).status == CardPayment.Status.DISPUTE_WON
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED
    assert postings_of(card_gift) == ["donation_received"]


def test_lost_dispute_before_the_success_event(client, card_gift):
    lost = event("charge.dispute.closed", dispute(intent_id="pi_lb", amount=500000, status="lost"))
    # No CardPayment and a dispute carries no metadata: the gift is found once its payment is known.
    assert post_event(client, lost).status_code == 200
    assert "check it in Stripe" in outcome_of(lost)

    post_event(client, succeeded(card_gift, "pi_lb"))
    again = event("charge.dispute.closed", dispute(intent_id="pi_lb", amount=500000, status="lost"))
    assert post_event(client, again).status_code == 200
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.REFUNDED


def test_lost_dispute_on_a_started_payment_receives_then_reverses(client, card_gift):
    CardPayment.objects.create(donation=card_gift, stripe_payment_intent_id="pi_ls")
    lost = event("charge.dispute.closed", dispute(intent_id="pi_ls", amount=500000, status="lost"))
    assert post_event(client, lost).status_code == 200
    assert postings_of(card_gift) == ["donation_received", "reversal"]
    assert ledger_problems().problems == []


# --- monthly gifts --------------------------------------------------------------------------


@pytest.fixture
def monthly_gift(fund, donor):
    return RecurringGift.objects.create(
        donor=donor, fund=fund, amount=Money(Decimal("200000"), "VND"), stripe_subscription_id="sub_test"
    )


def test_each_paid_invoice_is_one_received_gift(client, monthly_gift):
    first = invoice(subscription_id="sub_test", amount=200000)
    second = invoice(subscription_id="sub_test", amount=200000)
    for inv in (first, first, second):
        assert post_event(client, event("invoice.payment_succeeded", inv)).status_code == 200
    # Stripe also sends invoice.paid for the same invoice.
    assert post_event(client, event("invoice.paid", first)).status_code == 200

    gifts = Donation.objects.filter(recurring_gift=monthly_gift)
    assert gifts.count() == 2
    assert set(gifts.values_list("status", flat=True)) == {"received"}
    assert set(CardPayment.objects.values_list("stripe_invoice_id", flat=True)) == {first["id"], second["id"]}
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.ACTIVE
    assert ledger_problems().problems == []


def test_invoice_found_by_metadata_when_the_subscription_id_is_not_stored_yet(client, fund, donor):
    gift = RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal("50000"), "VND"))
    inv = invoice(subscription_id="sub_unknown", amount=50000, reference=gift.reference)
    assert post_event(client, event("invoice.payment_succeeded", inv)).status_code == 200
    assert Donation.objects.get(recurring_gift=gift).amount == Money(50000, "VND")


def test_invoice_for_a_closed_fund_is_stored_with_its_refusal(client, monthly_gift, fund):
    fund.is_active = False
    fund.save(update_fields=["is_active"])
    evt = event("invoice.payment_succeeded", invoice(subscription_id="sub_test", amount=200000))
    assert post_event(client, evt).status_code == 200
    assert outcome_of(evt).startswith("Refused:")
    assert Donation.objects.count() == 0


def test_deleted_subscription_cancels_the_monthly_gift(client, monthly_gift):
    sub = {"id": "sub_test", "object": "subscription", "status": "canceled", "canceled_at": int(time.time())}
    assert post_event(client, event("customer.subscription.deleted", sub)).status_code == 200
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.CANCELLED
    assert monthly_gift.cancelled_at is not None


# --- the inbox ------------------------------------------------------------------------------


def test_unknown_event_types_are_stored_and_ignored(client, db):
    evt = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, evt).status_code == 200
    assert outcome_of(evt).startswith("Ignored")


def test_unexpected_error_rolls_back_everything_and_asks_stripe_to_retry(client, card_gift, monkeypatch):
    # Applied in the request (a refund): a 500 makes Stripe deliver it again.
    post_event(client, succeeded(card_gift, "pi_boom"))
    before = ledger_rows()

    def broken(obj, evt, lookup):
        stripe_events_module.donation_refund(donation=Donation.objects.get(pk=card_gift.pk), reason="half way")
        raise RuntimeError("disk on fire")

    evt = refunded(card_gift, "pi_boom")
    monkeypatch.setitem(stripe_events_module.HANDLERS, "charge.refunded", broken)
    assert post_event(client, evt).status_code == 500
    assert not StripeEvent.objects.filter(stripe_id=evt["id"]).exists()
    assert ledger_rows() == before
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED

    monkeypatch.undo()
    assert post_event(client, evt).status_code == 200  # Stripe's retry
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.REFUNDED


def test_unexpected_error_applying_a_stored_event_leaves_it_stored_for_the_next_run(
    client, card_gift, other_fund, donor, monkeypatch, caplog
):
    # Applied by a worker (a card payment): the webhook has answered 200 already, so the event
    # waits, whole and unapplied, and the next run of the worker applies it; the others go on.
    other = donation_record(fund=other_fund, donor=donor, kind="cash", channel="card", amount="500000")
    real = stripe_events_module.HANDLERS["payment_intent.succeeded"]

    def broken(obj, evt, lookup):
        real(obj, evt, lookup)
        if obj["id"] == "pi_boom":
            raise RuntimeError("disk on fire")
        return "fine"

    monkeypatch.setitem(stripe_events_module.HANDLERS, "payment_intent.succeeded", broken)
    evt, fine = succeeded(card_gift, "pi_boom"), succeeded(other, "pi_fine")
    # Both stored first, then one run of the worker: one batch.
    assert post_event(client, evt, apply=False).status_code == 200
    assert post_event(client, fine, apply=False).status_code == 200
    assert stripe_events_apply() == 1
    assert "disk on fire" in caplog.text
    stored = StripeEvent.objects.get(stripe_id=evt["id"])
    assert stored.processed_at is None and stored.outcome == ""
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED
    assert postings_of(card_gift) == []
    assert Donation.objects.get(pk=other.pk).status == Donation.Status.RECEIVED

    monkeypatch.undo()
    assert stripe_events_apply() == 1  # beat's next run, or the next event's
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED
    assert postings_of(card_gift) == ["donation_received"]
    assert ledger_problems().problems == []


# --- concurrent and out-of-order deliveries --------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_deliveries_of_one_event_have_one_effect(restore_migrated_rows_after_flush, card_gift):
    evt = succeeded(card_gift, "pi_conc")
    assert run_together(*[partial(deliver, evt) for _ in range(10)]) == [200] * 10

    assert StripeEvent.objects.filter(stripe_id=evt["id"]).count() == 1
    assert postings_of(card_gift) == ["donation_received"]
    assert Transaction.objects.count() == 1
    assert AuditEntry.objects.filter(action="donation.receive").count() == 1
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_out_of_order_success_and_refund(restore_migrated_rows_after_flush, fund, donor):
    gifts = [donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000") for _ in range(3)]
    deliveries, events = [], []
    for number, gift in enumerate(gifts):
        success, refund = succeeded(gift, f"pi_ooo{number}"), refunded(gift, f"pi_ooo{number}")
        events += [success, refund]
        # Each event several times, the refund first, all at once.
        deliveries += [refund] * 3 + [success] * 4
    assert run_together(*[partial(deliver, d) for d in deliveries]) == [200] * len(deliveries)

    assert StripeEvent.objects.count() == len(events)
    for gift in gifts:
        gift.refresh_from_db()
        assert gift.status == Donation.Status.REFUNDED
        assert postings_of(gift) == ["donation_received", "reversal"]
        assert AuditEntry.objects.filter(action="donation.receive", object_id=str(gift.pk)).count() == 1
        assert AuditEntry.objects.filter(action="donation.refund", object_id=str(gift.pk)).count() == 1
    assert fund_balance(fund).cash == Money(0, "VND")
    assert ledger_problems().problems == []


def test_signature_header_from_stripe_python_is_accepted(client, card_gift):
    """Our signing helper and stripe-python's agree (so the tests sign as Stripe does)."""
    import stripe

    body = _body(card_gift)
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)
    assert post_event(client, body, signature=header).status_code == 200


def test_card_success_after_the_gift_arrived_by_transfer_asks_for_a_card_refund(client, card_gift):
    from fund.services import donation_receive

    donation_receive(donation=card_gift, channel="bank_transfer")
    evt = succeeded(card_gift, "pi_late_card")
    assert post_event(client, evt).status_code == 200
    gift = Donation.objects.get(pk=card_gift.pk)
    assert (gift.status, gift.channel) == (Donation.Status.RECEIVED, "bank_transfer")
    assert postings_of(gift) == ["donation_received"]
    assert "Refund that payment in Stripe" in outcome_of(evt)


# --- a second payment of a gift already paid ---------------------------------------------------


def _paid_by_transfer_then_by_card(client, gift, intent_id):
    from fund.services import donation_receive

    donation_receive(donation=gift, channel="bank_transfer")
    assert post_event(client, succeeded(gift, intent_id)).status_code == 200


def test_refund_of_the_card_payment_after_a_transfer_leaves_the_gift_received(client, card_gift, fund):
    _paid_by_transfer_then_by_card(client, card_gift, "pi_dup_card")
    refund = refunded(card_gift, "pi_dup_card")
    assert post_event(client, refund).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert (gift.status, gift.channel) == (Donation.Status.RECEIVED, "bank_transfer")
    assert postings_of(gift) == ["donation_received"]
    assert fund_balance(fund).cash == Money(500000, "VND")
    assert outcome_of(refund) == (
        f"Refund of a duplicate card payment (PaymentIntent pi_dup_card) for gift {gift.reference}, which was "
        "paid by bank_transfer; ledger unchanged."
    )
    assert ledger_problems().problems == []


def test_refund_of_a_second_paymentintent_leaves_the_gift_received(client, card_gift):
    CardPayment.objects.create(donation=card_gift, stripe_payment_intent_id="pi_first_paid")
    assert post_event(client, succeeded(card_gift, "pi_first_paid")).status_code == 200
    second = succeeded(card_gift, "pi_second_paid")
    assert post_event(client, second).status_code == 200
    assert "Refund that payment in Stripe" in outcome_of(second)

    # Found by the reference in its metadata, but the gift's CardPayment names the first one.
    refund = refunded(card_gift, "pi_second_paid")
    assert post_event(client, refund).status_code == 200
    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.RECEIVED
    assert postings_of(gift) == ["donation_received"]
    payment = CardPayment.objects.get(donation=gift)
    assert (payment.stripe_payment_intent_id, payment.status) == ("pi_first_paid", CardPayment.Status.SUCCEEDED)
    assert "duplicate card payment (PaymentIntent pi_second_paid)" in outcome_of(refund)
    assert "paid by PaymentIntent pi_first_paid; ledger unchanged" in outcome_of(refund)

    # The refund of the payment that paid it still reverses it.
    assert post_event(client, refunded(card_gift, "pi_first_paid")).status_code == 200
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.REFUNDED
    assert postings_of(gift) == ["donation_received", "reversal"]
    assert ledger_problems().problems == []


def test_lost_dispute_on_the_card_payment_after_a_transfer_changes_nothing(client, card_gift):
    _paid_by_transfer_then_by_card(client, card_gift, "pi_dup_disputed")
    status_before = CardPayment.objects.get(donation=card_gift).status
    opened = event("charge.dispute.created", dispute(intent_id="pi_dup_disputed", amount=500000, status="warning"))
    lost = event("charge.dispute.closed", dispute(intent_id="pi_dup_disputed", amount=500000, status="lost"))
    assert post_event(client, opened).status_code == 200
    assert post_event(client, lost).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.RECEIVED
    assert postings_of(gift) == ["donation_received"]
    assert CardPayment.objects.get(donation=gift).status == status_before
    assert "duplicate card payment (PaymentIntent pi_dup_disputed)" in outcome_of(lost)
    assert "ledger unchanged" in outcome_of(lost)
    assert ledger_problems().problems == []


def test_refund_before_success_of_the_paymentintent_that_replaced_an_abandoned_one(client, card_gift):
    CardPayment.objects.create(donation=card_gift, stripe_payment_intent_id="pi_abandoned")
    assert post_event(client, refunded(card_gift, "pi_replacement")).status_code == 200
    success = succeeded(card_gift, "pi_replacement")
    assert post_event(client, success).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    assert postings_of(gift) == ["donation_received", "reversal"]
    payment = CardPayment.objects.get(donation=gift)
    assert (payment.stripe_payment_intent_id, payment.status) == ("pi_replacement", CardPayment.Status.REFUNDED)
    assert "already refunded; nothing to do" in outcome_of(success)
    assert ledger_problems().problems == []
