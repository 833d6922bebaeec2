"""Stripe-shaped events, signed as Stripe signs them, and the gifts they are about."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

import pytest
from django.test import TestCase
from django.urls import reverse

from fund.services import donation_record
from payments.services.stripe_queue import stripe_events_apply_soon

WEBHOOK_SECRET = "whsec_test_signed_payloads"
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):08d}"


def sign(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(type: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": type,
        "data": {"object": obj},
    }


def payment_intent(
    *, donation, intent_id: str, amount: int, currency: str = "vnd", status: str = "succeeded", error: str = ""
) -> dict:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": currency,
        "status": status,
        "latest_charge": "ch_" + intent_id[3:],
        "metadata": {"donation": donation.reference},
        "last_payment_error": {"message": error, "code": "card_declined"} if error else None,
    }


def charge(*, donation, intent_id: str, amount: int, refunded: int = 0, currency: str = "vnd") -> dict:
    return {
        "id": "ch_" + intent_id[3:],
        "object": "charge",
        "amount": amount,
        "amount_refunded": refunded,
        "refunded": refunded >= amount,
        "currency": currency,
        "created": int(time.time()) - 60,
        "payment_intent": intent_id,
        "metadata": {"donation": donation.reference},
        "status": "succeeded",
    }


def dispute(*, intent_id: str, amount: int, status: str, currency: str = "vnd") -> dict:
    return {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "currency": currency,
        "charge": "ch_" + intent_id[3:],
        "payment_intent": intent_id,
        "status": status,
        "reason": "fraudulent",
    }


def invoice(*, subscription_id: str, amount: int, currency: str = "vnd", reference: str = "") -> dict:
    return {
        "id": new_id("in"),
        "object": "invoice",
        "amount_paid": amount,
        "amount_due": amount,
        "currency": currency,
        "status": "paid",
        "status_transitions": {"paid_at": int(time.time())},
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_id, "metadata": {"recurring_gift": reference}},
        },
    }


def post_event(
    client,
    payload: dict | bytes,
    *,
    secret: str = WEBHOOK_SECRET,
    signature: str | None = None,
    apply: bool = True,
    **kw,
):
    """POST an event to the webhook, then (unless ``apply`` is False) apply what it stored for
    the worker: card payment events are applied once the webhook's transaction commits
    (payments.services.stripe_queue), and inside a test's own transaction nothing commits, so
    that step is run here. Other work the commit would queue (receipts) stays unrun, as it did
    when events were applied in the request."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or sign(body, secret)}
    with TestCase.captureOnCommitCallbacks() as callbacks:
        response = client.post(
            reverse("payments:stripe_webhook"), data=body, content_type="application/json", **headers, **kw
        )
    for callback in callbacks:
        if apply and callback is stripe_events_apply_soon:
            callback()
    return response


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


@pytest.fixture
def card_gift(fund, donor):
    """A pledged card gift of 500,000 VND."""
    return donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000")


@pytest.fixture
def fake_stripe(monkeypatch):
    """Stripe's answers to the webhook's lookups (see tests/payments/stripe/shapes.py)."""
    from payments import stripe_client

    from .shapes import FakeStripe

    fake = FakeStripe()
    monkeypatch.setattr(stripe_client, "stripe_lookup_client", lambda: fake)
    return fake
