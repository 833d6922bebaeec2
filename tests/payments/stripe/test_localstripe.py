"""Card payments against localstripe, a Stripe-compatible server: the PaymentIntent we create,
the donor paying it, and Stripe's event turning the pledge into a received gift."""

import json
import logging
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money
from hordak.models import Transaction

from fund.errors import FundError, InvalidTransition
from fund.models import Donation, Posting, RecurringGift
from fund.selectors.ledger_checks import ledger_problems
from fund.services import donation_record, fund_create
from payments.errors import PaymentUnavailable
from payments.models import CardPayment, StripeEvent
from payments.services.card_payments import card_payment_refresh, card_payment_start, recurring_gift_start
from payments.stripe_client import stripe_client
from tests.support.localstripe import CARD_3DS, CARD_DECLINED_ON_CHARGE, WEBHOOK_SECRET

from .conftest import post_event, sign


def deliver(client, event: dict, **kw):
    """Deliver one of localstripe's stored events to our webhook, signed as localstripe signs."""
    body = json.dumps(event).encode()
    return post_event(client, body, signature=sign(body, WEBHOOK_SECRET, event["created"]), **kw)


def only_event(localstripe, type: str) -> dict:
    events = localstripe.events(type)
    assert len(events) == 1, [e["type"] for e in events]
    return events[0]


@pytest.fixture
def monthly_gift(fund, donor):
    # The public pages create these through their own service; here only the row is needed.
    return RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal("200000"), "VND"))


def test_start_creates_a_card_payment_intent_for_the_gift(localstripe, card_gift):
    start = card_payment_start(donation=card_gift)

    intent = stripe_client().v1.payment_intents.retrieve(start.payment_intent_id)
    assert intent.amount == 500000
    assert intent.currency == "vnd"
    assert intent.metadata.to_dict() == {"donation": card_gift.reference}
    assert intent.status == "requires_payment_method"
    assert start.client_secret == intent.client_secret
    assert start.publishable_key == "pk_test_localstripe"
    payment = CardPayment.objects.get(donation=card_gift)
    assert payment.stripe_payment_intent_id == start.payment_intent_id
    assert payment.status == CardPayment.Status.STARTED


def test_usd_gift_is_sent_in_cents(localstripe, donor):
    usd_fund = fund_create(name="Scholarship Dollar Fund", code="SDF", currency="USD")
    gift = donation_record(fund=usd_fund, donor=donor, kind="cash", channel="card", amount="12.34", currency="USD")
    intent = stripe_client().v1.payment_intents.retrieve(card_payment_start(donation=gift).payment_intent_id)
    assert (intent.amount, intent.currency) == (1234, "usd")


def test_starting_twice_returns_the_same_payment_intent(localstripe, card_gift):
    first = card_payment_start(donation=card_gift)
    second = card_payment_start(donation=Donation.objects.get(pk=card_gift.pk))
    assert second == first
    assert CardPayment.objects.count() == 1
    assert len(stripe_client().v1.payment_intents.list().data) == 1


def test_paying_and_the_event_receive_the_gift_once(localstripe, card_gift, client):
    start = card_payment_start(donation=card_gift)
    assert localstripe.pay(start.payment_intent_id)["status"] == "succeeded"
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED  # until Stripe tells us

    event = only_event(localstripe, "payment_intent.succeeded")
    for _ in range(2):  # Stripe may deliver twice
        assert deliver(client, event).status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.RECEIVED
    assert gift.received_at >= gift.pledged_at
    assert Posting.objects.filter(donation=gift).count() == 1
    assert Transaction.objects.count() == 1
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.SUCCEEDED
    assert StripeEvent.objects.get(stripe_id=event["id"]).outcome.startswith(f"Gift {gift.reference} received")
    assert ledger_problems().problems == []


def test_thank_you_page_refresh_receives_before_the_webhook(localstripe, card_gift, client):
    start = card_payment_start(donation=card_gift)
    assert card_payment_refresh(donation=card_gift).status == CardPayment.Status.STARTED
    localstripe.pay(start.payment_intent_id)

    payment = card_payment_refresh(donation=card_gift)
    assert payment.status == CardPayment.Status.SUCCEEDED
    assert payment.donation.status == Donation.Status.RECEIVED

    event = only_event(localstripe, "payment_intent.succeeded")
    assert deliver(client, event).status_code == 200
    assert "already received" in StripeEvent.objects.get(stripe_id=event["id"]).outcome
    assert Posting.objects.filter(donation=card_gift).count() == 1


def test_declined_card_leaves_the_gift_pledged(localstripe, card_gift, client):
    start = card_payment_start(donation=card_gift)
    with pytest.raises(Exception, match="402"):
        localstripe.pay(start.payment_intent_id, CARD_DECLINED_ON_CHARGE)

    assert deliver(client, only_event(localstripe, "payment_intent.payment_failed")).status_code == 200
    payment = CardPayment.objects.get(donation=card_gift)
    assert payment.status == CardPayment.Status.FAILED
    assert payment.last_error == "Your card was declined."
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.PLEDGED
    # The donor tries again: the same PaymentIntent.
    assert card_payment_start(donation=card_gift).payment_intent_id == start.payment_intent_id


def test_only_pledged_card_gifts_of_money_start_a_payment(localstripe, fund, donor, now):
    transfer = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000")
    received = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="100000", received_at=now)
    with pytest.raises(FundError, match="not a card gift"):
        card_payment_start(donation=transfer)
    with pytest.raises(InvalidTransition):
        card_payment_start(donation=received)
    assert CardPayment.objects.count() == 0


def test_stripe_not_configured_or_unreachable_is_a_clear_error_and_writes_nothing(
    localstripe, card_gift, settings, caplog
):
    settings.STRIPE_PUBLISHABLE_KEY = ""
    with translation.override("en"), pytest.raises(PaymentUnavailable, match="bank transfer"):
        card_payment_start(donation=card_gift)

    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    with caplog.at_level(logging.WARNING), pytest.raises(PaymentUnavailable):
        card_payment_start(donation=card_gift)
    assert card_gift.reference in caplog.text
    assert CardPayment.objects.count() == 0


def test_monthly_gift_first_invoice_becomes_a_received_gift(localstripe, monthly_gift, client):
    card = localstripe.card()
    start = recurring_gift_start(recurring_gift=monthly_gift, payment_method=card)

    monthly_gift.refresh_from_db()
    assert monthly_gift.stripe_subscription_id.startswith("sub_")
    assert monthly_gift.stripe_customer_id.startswith("cus_")
    intent = stripe_client().v1.payment_intents.retrieve(start.payment_intent_id)
    assert (intent.amount, intent.currency, intent.status) == (200000, "vnd", "succeeded")
    # Asking again does not subscribe the donor twice.
    assert recurring_gift_start(recurring_gift=monthly_gift, payment_method=card) == start
    assert len(stripe_client().v1.subscriptions.list().data) == 1

    # The PaymentIntent's own event concerns no one-off gift; the invoice's makes the gift.
    assert deliver(client, only_event(localstripe, "payment_intent.succeeded")).status_code == 200
    invoice_event = only_event(localstripe, "invoice.payment_succeeded")
    for _ in range(2):
        assert deliver(client, invoice_event).status_code == 200

    gift = Donation.objects.get(recurring_gift=monthly_gift)
    assert gift.status == Donation.Status.RECEIVED
    assert (gift.amount, gift.channel, gift.donor, gift.fund) == (
        Money(200000, "VND"),
        "card",
        monthly_gift.donor,
        monthly_gift.fund,
    )
    assert CardPayment.objects.get(donation=gift).stripe_invoice_id == invoice_event["data"]["object"]["id"]
    assert Posting.objects.filter(donation=gift).count() == 1
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.ACTIVE
    assert ledger_problems().problems == []


def test_monthly_gift_with_3d_secure_waits_for_the_browser(localstripe, monthly_gift):
    start = recurring_gift_start(recurring_gift=monthly_gift, payment_method=localstripe.card(CARD_3DS))
    intent = stripe_client().v1.payment_intents.retrieve(start.payment_intent_id)
    assert intent.status == "requires_action"
    assert start.client_secret == intent.client_secret


def test_monthly_gift_in_another_currency_than_its_fund_is_refused(localstripe, fund, donor):
    gift = RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal("10.00"), "USD"))
    with pytest.raises(FundError, match="fund's currency"):
        recurring_gift_start(recurring_gift=gift, payment_method="pm_x")


# --- end to end: localstripe's own signed webhook reaches our endpoint ----------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_end_to_end_payment_webhook_ledger(restore_migrated_rows_after_flush, localstripe, live_server, fund, donor):
    localstripe.register_webhook(live_server.url + reverse("payments:stripe_webhook"))
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="750000")

    start = card_payment_start(donation=gift)
    localstripe.pay(start.payment_intent_id)

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Donation.objects.get(pk=gift.pk).status == Donation.Status.PLEDGED:
        time.sleep(0.2)
    gift.refresh_from_db()
    assert gift.status == Donation.Status.RECEIVED
    assert Posting.objects.filter(donation=gift).count() == 1
    event = StripeEvent.objects.get(type="payment_intent.succeeded")  # only this test's events arrive
    assert event.payload["data"]["object"]["id"] == start.payment_intent_id
    assert event.processed_at is not None
    assert ledger_problems().problems == []


# --- a monthly payment refunded (localstripe has no charge events and no invoice payments) ----


def _signed_now(client, event: dict, **kw):
    body = json.dumps(event).encode()
    return post_event(client, body, signature=sign(body, WEBHOOK_SECRET), **kw)


def test_monthly_payment_refunded_in_stripe_reverses_its_month(
    localstripe, monthly_gift, client, django_capture_on_commit_callbacks
):
    from receipts.models import Receipt

    recurring_gift_start(recurring_gift=monthly_gift, payment_method=localstripe.card())
    invoice_event = only_event(localstripe, "invoice.payment_succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, invoice_event).status_code == 200
    month = Donation.objects.get(recurring_gift=monthly_gift)
    intent_id = invoice_event["data"]["object"]["payment_intent"]
    assert CardPayment.objects.get(donation=month).stripe_payment_intent_id == intent_id
    assert Receipt.objects.get(donation=month).status == Receipt.Status.VALID

    client_ = stripe_client()
    client_.v1.refunds.create(params={"payment_intent": intent_id})
    charge_id = client_.v1.payment_intents.retrieve(intent_id).to_dict()["latest_charge"]
    charge_id = charge_id["id"] if isinstance(charge_id, dict) else charge_id
    charge = client_.v1.charges.retrieve(charge_id).to_dict()
    assert charge["refunded"] is True and charge["metadata"] == {}  # nothing on the charge names the month
    refund = {
        "id": "evt_refund_" + charge_id,
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": charge},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert _signed_now(client, refund).status_code == 200
    month.refresh_from_db()
    assert month.status == Donation.Status.REFUNDED
    assert Receipt.objects.get(donation=month).status == Receipt.Status.VOID
    assert ledger_problems().problems == []


def test_a_pinned_shape_invoice_waits_when_stripe_cannot_list_its_payments(localstripe, monthly_gift, client):
    """localstripe answers GET /v1/invoice_payments with 404, as an outage or a too-old server
    would: the real client's error keeps the event waiting (500, stored), not dropped."""
    recurring_gift_start(recurring_gift=monthly_gift, payment_method=localstripe.card())
    invoice_event = only_event(localstripe, "invoice.payment_succeeded")
    pinned = json.loads(json.dumps(invoice_event))
    for field in ("payment_intent", "charge", "subscription", "paid"):
        pinned["data"]["object"].pop(field, None)
    pinned["id"] = invoice_event["id"] + "_pinned"
    assert _signed_now(client, pinned).status_code == 500
    row = StripeEvent.objects.get(stripe_id=pinned["id"])
    assert row.attention == StripeEvent.Attention.RETRY and row.processed_at is None
    assert "invoice_payments" not in row.outcome and row.outcome.startswith("Waiting for Stripe")
    assert not Donation.objects.filter(recurring_gift=monthly_gift).exists()
    assert any(pinned["id"] in problem for problem in ledger_problems().problems)
