"""Reading Stripe's objects as webhooks deliver them, in every API version we may receive.

An endpoint's API version decides the shape of its events, and our own calls use the version
stripe-python pins, so one deployment sees both shapes: before 2025-03-31 an invoice named its
``subscription``, ``payment_intent`` and ``charge`` at the top level and a charge named its
``invoice``; from 2025-03-31 ("basil") the subscription moved under
``parent.subscription_details`` and the payments became InvoicePayment objects that webhook
payloads leave out (docs/decisions/0009-stripe-api-shapes.md). Every reader here accepts both.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone


def id_of(value: Any) -> str | None:
    """Stripe sends a related object as its id, or expanded as a dict (localstripe always
    expands ``latest_charge``); either way we want the id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def moment(timestamp: Any) -> datetime.datetime | None:
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return None


def event_time(event: Mapping[str, Any]) -> datetime.datetime:
    return moment(event.get("created")) or timezone.now()


def _subscription_details(invoice: dict) -> dict:
    # 2025-03-31+: parent.subscription_details; 2023-2025 versions: a top-level copy.
    parent = invoice.get("parent") or {}
    return parent.get("subscription_details") or invoice.get("subscription_details") or {}


def invoice_subscription(invoice: dict) -> str | None:
    """The subscription an invoice bills, from where it lives now or where it used to."""
    details = _subscription_details(invoice)
    return id_of(details.get("subscription")) or id_of(invoice.get("subscription"))


def invoice_metadata(invoice: dict) -> dict:
    """The subscription's metadata as the invoice snapshotted it, then the invoice's own."""
    return {**(_subscription_details(invoice).get("metadata") or {}), **(invoice.get("metadata") or {})}


def invoice_payment_intent(invoice: dict) -> str | None:
    """The PaymentIntent that paid an invoice, if the payload says: the old top-level field, or
    the ``payments`` list when it was included (API reads with expand; never in webhooks)."""
    intent = id_of(invoice.get("payment_intent"))
    if intent:
        return intent
    payments = ((invoice.get("payments") or {}).get("data")) or []
    # A paid payment first: an invoice can list an abandoned attempt too.
    for payment in sorted(payments, key=lambda item: item.get("status") not in (None, "paid")):
        details = payment.get("payment") or {}
        if details.get("type") == "payment_intent":
            return id_of(details.get("payment_intent"))
    return None


def charge_invoice(obj: dict) -> str | None:
    """The invoice a charge paid, where the payload names it (API versions before 2025-03-31)."""
    return id_of(obj.get("invoice"))


class Outcome(str):
    """What a handler did, in words for the back office; ``needs_person`` when someone must act
    (record by hand, refund in Stripe, link a payment). A plain string needs no one."""

    needs_person: bool = False
    settles: str | None = None  # a PaymentIntent whose "refund it" events this settles


def person(text: str) -> Outcome:
    outcome = Outcome(text)
    outcome.needs_person = True
    return outcome


def settling(text: str, intent_id: str | None) -> Outcome:
    """An outcome that settles what earlier events asked a person to do about ``intent_id``."""
    outcome = Outcome(text)
    outcome.settles = intent_id
    return outcome
