"""Stripe's objects for monthly gifts in the two API shapes we receive, and a stand-in for the
lookups our webhook makes (Stripe's InvoicePayment list, which localstripe does not have).

The shapes follow Stripe's API reference:
- PINNED, the version stripe-python 16 pins (2026-10-28.endive; the invoice changes date from
  2025-03-31.basil): an invoice names its subscription under ``parent.subscription_details``
  and names no ``payment_intent``, ``charge``, ``paid`` or top-level ``subscription``; webhooks
  leave out the includable ``payments`` list; a charge or PaymentIntent names no ``invoice``.
- OLD, 2024-06-20: the invoice names ``subscription``, ``payment_intent``, ``charge`` and
  ``paid`` at the top level, with ``subscription_details.metadata`` beside them; a charge names
  its ``invoice``.
A dispute names its ``charge`` and ``payment_intent`` (never the invoice) in both.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import stripe

PINNED = stripe.api_version  # "2026-10-28.endive"
OLD = "2024-06-20"
SHAPES = (PINNED, OLD)

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_shape{next(_ids):08d}"


@dataclass
class Month:
    """One paid month of a subscription, as Stripe knows it."""

    subscription_id: str
    amount: int
    currency: str = "vnd"
    reference: str = ""  # the RecurringGift reference in the subscription's metadata
    invoice_id: str = field(default_factory=lambda: new_id("in"))
    intent_id: str = field(default_factory=lambda: new_id("pi"))
    charge_id: str = field(default_factory=lambda: new_id("ch"))
    paid_at: int = field(default_factory=lambda: int(time.time()) - 120)


def event(type: str, obj: dict, shape: str, *, created: int | None = None) -> dict:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": shape,
        "created": created or int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
        "data": {"object": obj},
    }


def invoice(month: Month, shape: str, *, paid: bool = True, attempt_count: int = 1) -> dict:
    """The invoice as a webhook of ``shape`` carries it (paid, or its payment failed)."""
    metadata = {"recurring_gift": month.reference} if month.reference else {}
    obj = {
        "id": month.invoice_id,
        "object": "invoice",
        "account_country": "VN",
        "amount_due": month.amount,
        "amount_paid": month.amount if paid else 0,
        "amount_remaining": 0 if paid else month.amount,
        "attempt_count": attempt_count,
        "attempted": True,
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": month.paid_at - 3600,
        "currency": month.currency,
        "customer": "cus_shape",
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None if paid else month.paid_at + 3 * 86400,
        "status": "paid" if paid else "open",
        "status_transitions": {
            "finalized_at": month.paid_at - 3600,
            "paid_at": month.paid_at if paid else None,
            "voided_at": None,
            "marked_uncollectible_at": None,
        },
        "total": month.amount,
    }
    if shape == OLD:
        obj.update(
            subscription=month.subscription_id,
            subscription_details={"metadata": metadata},
            payment_intent=month.intent_id,
            charge=month.charge_id if paid else None,
            paid=paid,
        )
    else:
        obj.update(
            parent={
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": metadata,
                    "subscription": month.subscription_id,
                    "subscription_proration_date": None,
                },
            },
            confirmation_secret=None,
        )
    return obj


def charge(month: Month, shape: str, *, refunded: int | None = None) -> dict:
    """The month's charge, refunded by ``refunded`` (default: in full)."""
    refunded = month.amount if refunded is None else refunded
    obj = {
        "id": month.charge_id,
        "object": "charge",
        "amount": month.amount,
        "amount_captured": month.amount,
        "amount_refunded": refunded,
        "captured": True,
        "created": month.paid_at,
        "currency": month.currency,
        "customer": "cus_shape",
        # A subscription's PaymentIntent and charge carry none of the subscription's metadata.
        "metadata": {},
        "paid": True,
        "payment_intent": month.intent_id,
        "refunded": refunded >= month.amount,
        "status": "succeeded",
    }
    if shape == OLD:
        obj["invoice"] = month.invoice_id
    return obj


def dispute(month: Month, shape: str, *, status: str) -> dict:
    return {
        "id": "du_" + month.charge_id[3:],  # one dispute per charge: created, then closed
        "object": "dispute",
        "amount": month.amount,
        "charge": month.charge_id,
        "created": month.paid_at + 86400,
        "currency": month.currency,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": month.intent_id,
        "reason": "fraudulent",
        "status": status,
    }


def subscription(subscription_id: str, status: str, *, reference: str = "") -> dict:
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": "cus_shape",
        "status": status,
        "canceled_at": int(time.time()) if status == "canceled" else None,
        "metadata": {"recurring_gift": reference} if reference else {},
    }


# --- a stand-in for Stripe's answers to our lookups ------------------------------------------


class _Answer:
    def __init__(self, data: dict):
        self._data = data

    def to_dict(self) -> dict:
        return self._data


class FakeStripe:
    """Answers ``invoice_payments.list`` and ``invoices.retrieve`` (in the PINNED shape, which
    is what our own calls receive) from the months it was told about, and records each call.
    ``down = True`` makes every call fail as a network error does."""

    def __init__(self):
        self.months: list[Month] = []
        self.calls: list[tuple[str, dict]] = []
        self.down = False
        self.v1 = self
        self.invoice_payments = _Resource(self, "invoice_payments")
        self.invoices = _Resource(self, "invoices")

    def knows(self, *months: Month) -> None:
        self.months.extend(months)

    def _invoice_payment(self, month: Month, *, expand_invoice: bool) -> dict:
        return {
            "id": "inpay_" + month.invoice_id[3:],
            "object": "invoice_payment",
            "amount_paid": month.amount,
            "amount_requested": month.amount,
            "currency": month.currency,
            "invoice": invoice(month, PINNED) if expand_invoice else month.invoice_id,
            "is_default": True,
            "payment": {"type": "payment_intent", "payment_intent": month.intent_id},
            "status": "paid",
            "status_transitions": {"canceled_at": None, "paid_at": month.paid_at},
        }

    def answer(self, resource: str, method: str, args: tuple, params: dict) -> _Answer:
        self.calls.append((f"{resource}.{method}", {"args": args, **params}))
        if self.down:
            raise stripe.APIConnectionError("Network error: Stripe is unreachable")
        if resource == "invoices":
            found = [m for m in self.months if m.invoice_id == args[0]]
            if not found:
                raise stripe.InvalidRequestError(f"No such invoice: '{args[0]}'", "id")
            return _Answer(invoice(found[0], PINNED))
        expand = "data.invoice" in params.get("expand", [])
        if "invoice" in params:
            found = [m for m in self.months if m.invoice_id == params["invoice"]]
        else:
            found = [m for m in self.months if m.intent_id == params["payment"]["payment_intent"]]
        data = [self._invoice_payment(m, expand_invoice=expand) for m in found]
        return _Answer({"object": "list", "data": data, "has_more": False, "url": "/v1/invoice_payments"})


class _Resource:
    def __init__(self, fake: FakeStripe, name: str):
        self.fake, self.name = fake, name

    def list(self, params=None, options=None):
        return self.fake.answer(self.name, "list", (), params or {})

    def retrieve(self, id, params=None, options=None):
        return self.fake.answer(self.name, "retrieve", (id,), params or {})
