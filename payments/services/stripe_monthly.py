"""Monthly gifts (Stripe Subscriptions) in Stripe's events: each paid invoice is one month's
received gift, linked to the PaymentIntent that paid it so that its refund or lost dispute
reverses exactly that month; failed payments and subscription changes set the gift's state.

From API version 2025-03-31 an invoice event does not say which PaymentIntent paid it, and a
charge, PaymentIntent or dispute does not say which invoice it paid. ``event_lookups`` asks
Stripe (the InvoicePayment list, both ways) before the event's transaction starts, so no row
stays locked while Stripe answers; the handlers then read its answer. See
docs/decisions/0009-stripe-api-shapes.md.

Lock order (as in payments.services.stripe_events): the inbox row, then the ``RecurringGift``, then
the month's ``Donation``, then its ``CardPayment``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from fund.models import Donation, RecurringGift
from fund.services.donations import donation_record
from fund.services.locks import gift_lock

from ..models import CardPayment
from ..stripe_client import (
    money_from_stripe,
    stripe_invoice,
    stripe_invoice_paid_by,
    stripe_invoice_payments,
)
from .stripe_objects import (
    Outcome,
    charge_invoice,
    event_time,
    id_of,
    invoice_metadata,
    invoice_payment_intent,
    invoice_subscription,
    moment,
    person,
)

logger = logging.getLogger(__name__)

INVOICE_PAID_TYPES = ("invoice.paid", "invoice.payment_succeeded")
CHARGE_TYPES = ("charge.refunded", "charge.dispute.created", "charge.dispute.closed")


# --- locking ----------------------------------------------------------------------------------


def set_payment(payment: CardPayment, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*fields, "updated_at"])


def lock_recurring_gift(subscription_id: str | None, metadata: Mapping[str, Any]) -> RecurringGift | None:
    """The monthly gift, locked: by its subscription id, else by the reference we put in the
    subscription's metadata (an invoice can arrive before the start stored the id)."""
    gifts = RecurringGift.objects.select_for_update(of=("self",)).select_related("fund")
    gift = gifts.filter(stripe_subscription_id=subscription_id).first() if subscription_id else None
    reference = metadata.get("recurring_gift")
    if gift is None and isinstance(reference, str) and reference:
        gift = gifts.filter(reference=reference).first()
    return gift


def _intent_is_free(intent_id: str | None) -> bool:
    return bool(intent_id) and not CardPayment.objects.filter(stripe_payment_intent_id=intent_id).exists()


# --- asking Stripe, before the transaction --------------------------------------------------


def event_lookups(event: Mapping[str, Any]) -> dict:
    """What Stripe must tell us before ``event`` can be linked to a month, asked now, outside
    any transaction. Empty when the payload or our records already say. Raises
    StripeLookupFailed if Stripe cannot be reached (the event then waits for a retry)."""
    obj = event["data"]["object"]
    if event["type"] in INVOICE_PAID_TYPES:
        invoice_id = id_of(obj)
        if not invoice_id or not obj.get("amount_paid") or invoice_payment_intent(obj):
            return {}
        if CardPayment.objects.filter(stripe_invoice_id=invoice_id, stripe_payment_intent_id__isnull=False).exists():
            return {}  # a redelivery, or a refund that arrived first and linked it
        return {"invoice_payments": stripe_invoice_payments(invoice_id=invoice_id)}
    if event["type"] in CHARGE_TYPES:
        intent_id = id_of(obj.get("payment_intent"))
        if intent_id and CardPayment.objects.filter(stripe_payment_intent_id=intent_id).exists():
            return {}  # a one-off gift's payment, or a month linked already
        invoice_id = charge_invoice(obj)
        if invoice_id:  # an older API version names the invoice
            if CardPayment.objects.filter(stripe_invoice_id=invoice_id).exists():
                return {}
            return {"invoice": stripe_invoice(invoice_id=invoice_id)}
        if not intent_id or (obj.get("metadata") or {}).get("donation"):
            return {}  # nothing to ask by, or a one-off gift's own charge (its metadata says)
        payment, invoice = stripe_invoice_paid_by(payment_intent_id=intent_id)
        return {"paid_invoice": payment, "invoice": invoice}
    return {}


def lookup_summary(lookup: Mapping[str, Any]) -> str:
    """What the lookup found, in a sentence for the event's outcome."""
    if "invoice_payments" in lookup:
        found = [
            f"{item['payment_intent'] or item['charge']} ({item['status']})" for item in lookup["invoice_payments"]
        ]
        return "Stripe lists its payments: " + (", ".join(found) or "none") + "."
    if "paid_invoice" in lookup:
        paid = lookup["paid_invoice"]
        if paid is None:
            return "Stripe says the PaymentIntent paid no invoice."
        return f"Stripe says PaymentIntent {paid['payment_intent']} paid invoice {paid['invoice']}."
    if lookup.get("invoice"):
        return f"Stripe's copy of invoice {id_of(lookup['invoice'])} was read."
    return ""


def _paid_intent_from(lookup: Mapping[str, Any]) -> str | None:
    for item in lookup.get("invoice_payments") or []:
        if item["status"] == "paid" and item["type"] == "payment_intent":
            return item["payment_intent"]
    return None


# --- a month received ---------------------------------------------------------------------


def _newer(gift: RecurringGift, at: datetime.datetime) -> bool:
    """Whether an event of time ``at`` may set the gift's state: not older than the last one
    that did (Stripe counts whole seconds, so the same second counts as newer)."""
    return gift.status_changed_at is None or at >= gift.status_changed_at


def _set_state(gift: RecurringGift, status: str, at: datetime.datetime, **fields: Any) -> None:
    gift.status = status
    gift.status_changed_at = at
    for name, value in fields.items():
        setattr(gift, name, value)
    gift.save(update_fields=["status", "status_changed_at", *fields])


def _receive_month(gift: RecurringGift, invoice: dict, *, intent_id: str | None, at: datetime.datetime) -> Donation:
    paid = money_from_stripe(invoice["amount_paid"], invoice.get("currency") or "")
    paid_at = moment((invoice.get("status_transitions") or {}).get("paid_at")) or at
    paid_at = min(paid_at, timezone.now())
    donation = donation_record(
        fund=gift.fund,
        donor=gift.donor,
        payer=gift.payer,
        campaign=gift.campaign,
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CARD,
        amount=paid.amount,
        currency=paid.currency.code,
        is_anonymous=gift.is_anonymous,
        receipt_language=gift.receipt_language,
        receipt_by_email=gift.receipt_by_email,
        recurring_gift=gift,
        pledged_at=paid_at,
        received_at=paid_at,
        late_into_open_period=True,  # Stripe's time of payment is a fact, as in stripe_events
    )
    CardPayment.objects.create(
        donation=donation,
        stripe_invoice_id=id_of(invoice),
        # Someone else's already (a one-off gift's, by mistake): the invoice id names the month.
        stripe_payment_intent_id=intent_id if _intent_is_free(intent_id) else None,
        status=CardPayment.Status.SUCCEEDED,
    )
    # The month was paid when Stripe says, even if a later refund is what told us.
    if gift.status in (RecurringGift.Status.INCOMPLETE, *RecurringGift.TROUBLE) and _newer(gift, paid_at):
        _set_state(gift, RecurringGift.Status.ACTIVE, paid_at)
    return donation


def invoice_paid(invoice: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    """``invoice.paid`` / ``invoice.payment_succeeded``: the month becomes a received gift."""
    invoice_id = id_of(invoice)
    subscription_id = invoice_subscription(invoice)
    gift = lock_recurring_gift(subscription_id, invoice_metadata(invoice))
    intent_id = invoice_payment_intent(invoice) or _paid_intent_from(lookup)
    if gift is None:
        if not invoice.get("amount_paid"):
            return f"No monthly gift for subscription {subscription_id}; invoice {invoice_id} paid nothing."
        logger.warning("Invoice %s paid for unknown subscription %s", invoice_id, subscription_id)
        return person(
            f"Invoice {invoice_id} of subscription {subscription_id} was paid, but no monthly gift is that "
            "subscription: record the gift by hand or refund it in Stripe."
        )
    existing = CardPayment.objects.select_for_update().filter(stripe_invoice_id=invoice_id).first()
    if existing is not None:
        if not existing.stripe_payment_intent_id and _intent_is_free(intent_id):
            set_payment(existing, stripe_payment_intent_id=intent_id)
        return f"Invoice {invoice_id} is already gift {existing.donation.reference}; nothing to do."
    if not invoice.get("amount_paid"):
        return f"Invoice {invoice_id} of monthly gift {gift.reference} paid nothing; no gift recorded."
    donation = _receive_month(gift, invoice, intent_id=intent_id, at=event_time(event))
    linked = f" paid by PaymentIntent {intent_id}" if intent_id else " (no PaymentIntent named)"
    return (
        f"Monthly gift {gift.reference}: invoice {invoice_id}{linked} received as gift {donation.reference} "
        f"({donation.amount})."
    )


def month_for_payment(obj: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> tuple[Donation | None, str]:
    """The month's gift a charge or dispute is about, locked, with the charge's PaymentIntent
    linked to it. If the invoice's own event has not arrived yet, the month is received now
    from Stripe's copy of the invoice, so the refund has something to reverse (the invoice
    event then finds it). Returns (None, why) when it pays no month of ours."""
    intent_id = id_of(obj.get("payment_intent"))
    invoice = lookup.get("invoice") or None
    invoice_id = charge_invoice(obj) or id_of((lookup.get("paid_invoice") or {}).get("invoice")) or id_of(invoice)
    if not invoice_id:
        return None, ""
    payment = CardPayment.objects.filter(stripe_invoice_id=invoice_id).first()
    if payment is None:
        if invoice is None:
            return None, f"Invoice {invoice_id} is not recorded and Stripe's copy of it was not read."
        gift = lock_recurring_gift(invoice_subscription(invoice), invoice_metadata(invoice))
        if gift is None:
            subscription_id = invoice_subscription(invoice)
            return None, f"Invoice {invoice_id} belongs to no monthly gift (subscription {subscription_id})."
        payment = CardPayment.objects.filter(stripe_invoice_id=invoice_id).first()  # re-read under the lock
        if payment is None:
            if not invoice.get("amount_paid"):
                return None, f"Stripe reports invoice {invoice_id} unpaid."
            _receive_month(gift, invoice, intent_id=intent_id, at=event_time(event))
            payment = CardPayment.objects.get(stripe_invoice_id=invoice_id)
    donation = gift_lock(payment.donation_id)
    payment = CardPayment.objects.select_for_update().get(pk=payment.pk)
    if not payment.stripe_payment_intent_id and _intent_is_free(intent_id):
        set_payment(payment, stripe_payment_intent_id=intent_id)
    return donation, ""


# --- the monthly gift's state ------------------------------------------------------------


def invoice_payment_failed(invoice: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    """A month's card payment failed: the gift is overdue until a retry succeeds."""
    invoice_id = id_of(invoice)
    gift = lock_recurring_gift(invoice_subscription(invoice), invoice_metadata(invoice))
    if gift is None:
        return f"No monthly gift for subscription {invoice_subscription(invoice)}; nothing to do."
    at = event_time(event)
    retry = moment(invoice.get("next_payment_attempt"))
    then = f"Stripe tries again on {retry:%Y-%m-%d}." if retry else "Stripe will not try again."
    problem = f"Payment of invoice {invoice_id} failed (attempt {invoice.get('attempt_count') or 1}). {then}"
    if not _newer(gift, at):
        return f"Monthly gift {gift.reference}: {problem} A newer event already set its state ({gift.status})."
    gift.last_problem = problem
    if gift.status == RecurringGift.Status.ACTIVE:
        _set_state(gift, RecurringGift.Status.PAST_DUE, at, last_problem=problem)
        return f"Monthly gift {gift.reference} is overdue: {problem}"
    gift.save(update_fields=["last_problem"])
    return f"Monthly gift {gift.reference} ({gift.status}): {problem}"


# Stripe's subscription statuses -> ours. "incomplete" only ever precedes the first payment.
SUBSCRIPTION_STATUS = {
    "active": RecurringGift.Status.ACTIVE,
    "trialing": RecurringGift.Status.ACTIVE,
    "past_due": RecurringGift.Status.PAST_DUE,
    "unpaid": RecurringGift.Status.UNPAID,
    "paused": RecurringGift.Status.PAUSED,
    "canceled": RecurringGift.Status.CANCELLED,
    "incomplete_expired": RecurringGift.Status.CANCELLED,
    "incomplete": RecurringGift.Status.INCOMPLETE,
}


def subscription_changed(subscription: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    """``customer.subscription.updated`` and ``.deleted``: the gift follows the subscription's
    status. Cancelled is final (Stripe cannot restart a cancelled subscription), and an event
    older than the one that set the current state changes nothing."""
    subscription_id = id_of(subscription)
    gift = lock_recurring_gift(subscription_id, subscription.get("metadata") or {})
    if gift is None:
        return f"No monthly gift for subscription {subscription_id}; nothing to do."
    stripe_status = "canceled" if event["type"] == "customer.subscription.deleted" else subscription.get("status")
    status = SUBSCRIPTION_STATUS.get(stripe_status)
    if status is None:
        return f"Monthly gift {gift.reference}: Stripe status {stripe_status!r} is not one we follow; unchanged."
    if gift.status == RecurringGift.Status.CANCELLED:
        return f"Monthly gift {gift.reference} is already cancelled."
    at = event_time(event)
    if status == gift.status:
        return f"Monthly gift {gift.reference} is already {gift.get_status_display()}."
    if status == RecurringGift.Status.INCOMPLETE or not _newer(gift, at):
        return f"Monthly gift {gift.reference} is {gift.status}; this older event ({stripe_status}) changes nothing."
    fields: dict[str, Any] = {}
    if status == RecurringGift.Status.CANCELLED:
        fields["cancelled_at"] = moment(subscription.get("canceled_at")) or at
    elif status in RecurringGift.TROUBLE:
        fields["last_problem"] = f"Stripe reports the subscription {stripe_status} on {at:%Y-%m-%d}."
    _set_state(gift, status, at, **fields)
    if status == RecurringGift.Status.CANCELLED:
        return f"Monthly gift {gift.reference} cancelled; gifts already received stand."
    return f"Monthly gift {gift.reference} is now {status} (Stripe: {stripe_status})."


__all__ = [
    "CHARGE_TYPES",
    "INVOICE_PAID_TYPES",
    "Outcome",
    "event_lookups",
    "invoice_paid",
    "invoice_payment_failed",
    "lock_recurring_gift",
    "lookup_summary",
    "month_for_payment",
    "set_payment",
    "subscription_changed",
]
