"""Stripe's webhook events: the inbox, and what each event type does to our records.

Stripe delivers at least once, in any order, sometimes concurrently. So every event is stored
once (unique ``stripe_id``) in the same transaction as its effects, and every handler is keyed
by Stripe's ids and checks the gift's current state before acting: a duplicate finds its inbox
row and does nothing; a refund that overtakes the payment it refunds receives the gift first.

Lock order, the same in every handler, so two events about one gift wait for each other
instead of deadlocking: the inbox row (by inserting it), then the gift (``Donation``) or the
monthly gift (``RecurringGift``), then its ``CardPayment``.

Handlers take the event's ``data.object`` as a plain dict and return an outcome in words for
the back office. A business refusal (amounts that disagree, a closed fund) is an outcome, not
an exception: the event is stored with it and Stripe gets a 200, since sending it again would
not change the answer. Anything unexpected raises, the transaction rolls back, the webhook
answers 500 and Stripe retries later.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record

from ..errors import FundError
from ..models import CardPayment, Donation, RecurringGift, StripeEvent
from ..payments.stripe_client import money_from_stripe
from .donations import donation_receive, donation_record, donation_refund

logger = logging.getLogger(__name__)

OUTCOME_MAX_LENGTH = 500  # StripeEvent.outcome
Handler = Callable[[dict, Mapping[str, Any]], str]


# --- reading Stripe's objects -------------------------------------------------------------


def _id_of(value: Any) -> str | None:
    """Stripe sends a related object as its id, or expanded as a dict (localstripe always
    expands ``latest_charge``); either way we want the id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _moment(timestamp: Any) -> datetime.datetime | None:
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return None


def _event_time(event: Mapping[str, Any]) -> datetime.datetime:
    return _moment(event.get("created")) or timezone.now()


def _received_time(donation: Donation, moment: datetime.datetime) -> datetime.datetime:
    # Stripe's clock and ours differ by a little, and Stripe counts whole seconds: a gift
    # pledged at 10:00:00.6 can be paid "at 10:00:00". It was not received before it was pledged.
    return max(moment, donation.pledged_at)


def _charge_time(intent: dict, event: Mapping[str, Any]) -> datetime.datetime:
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):
        moment = _moment(charge.get("created"))
        if moment:
            return moment
    return _event_time(event)


def _intent_paid(intent: dict):
    # amount_received is what was actually captured; localstripe only reports amount.
    amount = intent.get("amount_received") or intent.get("amount")
    return money_from_stripe(amount, intent.get("currency") or "")


def _subscription_of(invoice: dict) -> str | None:
    # API versions from 2025-03-31 moved it under parent; earlier ones (and localstripe) name it.
    subscription = _id_of(invoice.get("subscription"))
    if subscription:
        return subscription
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id_of(details.get("subscription"))


def _invoice_metadata(invoice: dict) -> dict:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return {**(details.get("metadata") or {}), **(invoice.get("metadata") or {})}


def _invoice_payment_intent(invoice: dict) -> str | None:
    intent = _id_of(invoice.get("payment_intent"))
    if intent:
        return intent
    for payment in ((invoice.get("payments") or {}).get("data")) or []:
        details = payment.get("payment") or {}
        if details.get("type") == "payment_intent":
            return _id_of(details.get("payment_intent"))
    return None


# --- finding and locking our records --------------------------------------------------------


def _lock_gift(pk: int) -> Donation:
    # of=self: lock the gift only, not its fund (see fund.services.donations._locked).
    return Donation.objects.select_for_update(of=("self",)).select_related("fund").get(pk=pk)


def _gift_for_intent(intent_id: str | None, metadata: Mapping[str, Any] | None) -> Donation | None:
    """The one-off gift a PaymentIntent pays, locked: by the CardPayment we stored when the
    payment started, else by the reference we put in the PaymentIntent's metadata (for a
    PaymentIntent Stripe created but whose row we never committed)."""
    donation_id = None
    if intent_id:
        donation_id = (
            CardPayment.objects.filter(stripe_payment_intent_id=intent_id).values_list("donation_id", flat=True).first()
        )
    reference = (metadata or {}).get("donation")
    if donation_id is None and isinstance(reference, str) and reference:
        donation_id = Donation.objects.filter(reference=reference).values_list("pk", flat=True).first()
    return _lock_gift(donation_id) if donation_id is not None else None


def _payment_row(donation: Donation, intent_id: str | None) -> CardPayment:
    """The gift's CardPayment, locked; created if the start never committed it."""
    payment = CardPayment.objects.select_for_update().filter(donation=donation).first()
    if payment is None:
        payment = CardPayment.objects.create(donation=donation, stripe_payment_intent_id=intent_id)
    return payment


def _set_payment(payment: CardPayment, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*fields, "updated_at"])


def _lock_recurring_gift(subscription_id: str | None, metadata: Mapping[str, Any]) -> RecurringGift | None:
    gifts = RecurringGift.objects.select_for_update(of=("self",)).select_related("fund")
    gift = gifts.filter(stripe_subscription_id=subscription_id).first() if subscription_id else None
    reference = metadata.get("recurring_gift")
    if gift is None and isinstance(reference, str) and reference:
        gift = gifts.filter(reference=reference).first()
    return gift


# --- what a succeeded payment does (shared with card_payment_refresh) ----------------------


def receive_paid_intent(intent: dict, *, paid_at: datetime.datetime) -> str:
    """Receive the one-off gift a succeeded PaymentIntent pays, once. Called inside the
    caller's transaction (the webhook's, or the thank-you page's refresh)."""
    intent_id = _id_of(intent)
    donation = _gift_for_intent(intent_id, intent.get("metadata"))
    if donation is None:
        # A monthly gift's PaymentIntent has no gift of its own: its invoice event makes one.
        return f"No one-off gift is paid by PaymentIntent {intent_id}; nothing to do."
    payment = _payment_row(donation, intent_id)
    if payment.stripe_payment_intent_id != intent_id:
        if donation.status == Donation.Status.PLEDGED and payment.status != CardPayment.Status.SUCCEEDED:
            # The gift's first attempt was abandoned and this one paid it: follow the money.
            _set_payment(payment, stripe_payment_intent_id=intent_id)
        else:
            logger.warning("Gift %s was paid twice by card (%s)", donation.reference, intent_id)
            return (
                f"Gift {donation.reference} is already {donation.status} by another payment; PaymentIntent "
                f"{intent_id} paid it again. Refund that payment in Stripe."
            )
    if donation.status in (Donation.Status.RECEIVED, Donation.Status.REFUNDED) and donation.channel != "card":
        # The donor gave up on the card, transferred the money, then the card went through too.
        logger.warning(
            "Gift %s was received by %s and paid again by card (%s)", donation.reference, donation.channel, intent_id
        )
        return (
            f"Gift {donation.reference} was already received by {donation.get_channel_display()}; PaymentIntent "
            f"{intent_id} paid it again. Refund that payment in Stripe."
        )
    if donation.status in (Donation.Status.RECEIVED, Donation.Status.REFUNDED):
        if payment.status in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
            _set_payment(payment, status=CardPayment.Status.SUCCEEDED, last_error="")
        return f"Gift {donation.reference} is already {donation.status}; nothing to do."
    if donation.status != Donation.Status.PLEDGED:
        logger.warning("Card payment %s arrived for gift %s (%s)", intent_id, donation.reference, donation.status)
        return (
            f"Gift {donation.reference} is {donation.status} but the card was charged: refund the payment "
            "in Stripe or record the gift again."
        )
    paid = _intent_paid(intent)
    if paid != donation.amount:
        logger.warning("Card payment %s for gift %s: %s, not %s", intent_id, donation.reference, paid, donation.amount)
        _set_payment(payment, last_error=f"Paid {paid}, the gift is {donation.amount}.")
        return (
            f"Not received: Stripe reports {paid} paid for gift {donation.reference} of {donation.amount}. "
            "Check the payment in Stripe and receive or refund it by hand."
        )
    donation_receive(donation=donation, received_at=_received_time(donation, paid_at), channel=Donation.Channel.CARD)
    _set_payment(payment, status=CardPayment.Status.SUCCEEDED, last_error="")
    return f"Gift {donation.reference} received ({paid})."


def _locked_payment(donation: Donation) -> CardPayment | None:
    return CardPayment.objects.select_for_update().filter(donation=donation).first()


def _not_the_gifts_charge(donation: Donation, payment: CardPayment | None, intent_id: str | None, what: str) -> str:
    """A refund or dispute is about the gift only if its charge's PaymentIntent paid the gift:
    a gift received by card and its CardPayment naming that PaymentIntent, or a pledge the
    PaymentIntent can still pay (no other payment of it succeeded). Anything else is a second
    payment of a gift paid already (a transfer then the card, two PaymentIntents): reversing
    the gift would take back money the fund holds. Returns "" when the charge is the gift's,
    else the outcome."""
    pays_it = payment is not None and intent_id is not None and payment.stripe_payment_intent_id == intent_id
    if donation.status == Donation.Status.PLEDGED:
        if payment is None or pays_it:
            return ""
        if intent_id and payment.status in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
            return ""  # an abandoned attempt; this PaymentIntent paid the gift (see receive_paid_intent)
    elif donation.channel == Donation.Channel.CARD and pays_it:
        return ""
    if donation.channel != Donation.Channel.CARD:
        paid_by = donation.channel
    elif payment is not None and payment.stripe_payment_intent_id:
        paid_by = f"PaymentIntent {payment.stripe_payment_intent_id}"
    elif payment is not None and payment.stripe_invoice_id:
        paid_by = f"invoice {payment.stripe_invoice_id}"
    else:
        paid_by = "a card payment we have no record of"
    logger.warning("%s a second payment (%s) of gift %s", what, intent_id, donation.reference)
    return (
        f"{what} a duplicate card payment (PaymentIntent {intent_id}) for gift {donation.reference}, which was "
        f"paid by {paid_by}; ledger unchanged."
    )


def _receive_if_paid_before(
    donation: Donation, payment: CardPayment, intent_id: str | None, *, amount: Any, at: datetime.datetime
) -> str:
    """A refund or a lost dispute proves the charge succeeded: if its success event has not
    arrived yet, receive the gift now so the reversal has something to reverse. Returns ""
    when the gift is received, else why it cannot be. The caller has checked with
    ``_not_the_gifts_charge`` that the charge is the gift's."""
    if donation.status == Donation.Status.RECEIVED:
        return ""
    if donation.status != Donation.Status.PLEDGED:
        return f"Gift {donation.reference} is {donation.status}; nothing to reverse."
    if amount != donation.amount:
        return (
            f"Gift {donation.reference} of {donation.amount} is still a pledge and Stripe reports a charge of "
            f"{amount}: check the payment in Stripe and record it by hand."
        )
    donation_receive(donation=donation, received_at=_received_time(donation, at), channel=Donation.Channel.CARD)
    fields: dict[str, Any] = {}
    if intent_id and payment.stripe_payment_intent_id != intent_id:
        # The gift's first attempt was abandoned and this one paid it: follow the money.
        fields["stripe_payment_intent_id"] = intent_id
    if payment.status in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
        fields.update(status=CardPayment.Status.SUCCEEDED, last_error="")
    if fields:
        _set_payment(payment, **fields)
    return ""


# --- handlers ------------------------------------------------------------------------------


def _payment_intent_succeeded(intent: dict, event: Mapping[str, Any]) -> str:
    return receive_paid_intent(intent, paid_at=_charge_time(intent, event))


def _payment_intent_failed(intent: dict, event: Mapping[str, Any]) -> str:
    intent_id = _id_of(intent)
    donation = _gift_for_intent(intent_id, intent.get("metadata"))
    if donation is None:
        return f"No one-off gift is paid by PaymentIntent {intent_id}; nothing to do."
    payment = _payment_row(donation, intent_id)
    message = ((intent.get("last_payment_error") or {}).get("message") or "The card payment failed.")[:500]
    # Only a payment still waiting can fail: a late failure of an earlier attempt must not
    # overwrite a success that arrived first.
    if payment.status not in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
        return f"Payment for gift {donation.reference} is already {payment.status}; a late failure changes nothing."
    _set_payment(payment, status=CardPayment.Status.FAILED, last_error=message)
    return f"Card payment for gift {donation.reference} failed ({message}); the gift stays pledged."


def _invoice_paid(invoice: dict, event: Mapping[str, Any]) -> str:
    invoice_id = _id_of(invoice)
    subscription_id = _subscription_of(invoice)
    gift = _lock_recurring_gift(subscription_id, _invoice_metadata(invoice))
    if gift is None:
        return f"No monthly gift for subscription {subscription_id}; nothing to do."
    existing = CardPayment.objects.filter(stripe_invoice_id=invoice_id).select_related("donation").first()
    if existing is not None:
        return f"Invoice {invoice_id} is already gift {existing.donation.reference}; nothing to do."
    if not invoice.get("amount_paid"):
        return f"Invoice {invoice_id} of monthly gift {gift.reference} paid nothing; no gift recorded."
    paid = money_from_stripe(invoice["amount_paid"], invoice.get("currency") or "")
    paid_at = _moment((invoice.get("status_transitions") or {}).get("paid_at")) or _event_time(event)
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
        recurring_gift=gift,
        pledged_at=paid_at,
        received_at=paid_at,
    )
    intent_id = _invoice_payment_intent(invoice)
    if intent_id and CardPayment.objects.filter(stripe_payment_intent_id=intent_id).exists():
        intent_id = None  # already someone's; the invoice id identifies this month anyway
    CardPayment.objects.create(
        donation=donation,
        stripe_invoice_id=invoice_id,
        stripe_payment_intent_id=intent_id,
        status=CardPayment.Status.SUCCEEDED,
    )
    if gift.status in (RecurringGift.Status.INCOMPLETE, RecurringGift.Status.PAST_DUE):
        gift.status = RecurringGift.Status.ACTIVE
        gift.save(update_fields=["status"])
    return f"Monthly gift {gift.reference}: invoice {invoice_id} received as gift {donation.reference} ({paid})."


def _gift_for_charge(charge: dict) -> Donation | None:
    return _gift_for_intent(_id_of(charge.get("payment_intent")), charge.get("metadata"))


def _charge_refunded(charge: dict, event: Mapping[str, Any]) -> str:
    donation = _gift_for_charge(charge)
    if donation is None:
        return f"No gift is paid by charge {_id_of(charge)}; nothing to do."
    intent_id = _id_of(charge.get("payment_intent"))
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, "Refund of")
    if duplicate:
        return duplicate
    payment = payment or _payment_row(donation, intent_id)
    amount = money_from_stripe(charge.get("amount"), charge.get("currency") or "")
    refunded = charge.get("amount_refunded") or 0
    if refunded < charge["amount"]:
        # A partial refund leaves part of the gift given. The ledger reverses whole gifts only,
        # so a person decides how to record it (refund in full and record what was kept).
        logger.warning("Partial card refund for gift %s", donation.reference)
        return (
            f"Partial refund of {money_from_stripe(refunded, charge['currency']) if refunded else 0} of {amount} "
            f"for gift {donation.reference}: the ledger is unchanged; record it by hand."
        )
    if donation.status == Donation.Status.REFUNDED:
        return f"Gift {donation.reference} is already refunded; nothing to do."
    refusal = _receive_if_paid_before(
        donation, payment, intent_id, amount=amount, at=_moment(charge.get("created")) or _event_time(event)
    )
    if refusal:
        return refusal
    donation_refund(donation=donation, reason="Card payment refunded in Stripe")
    _set_payment(payment, status=CardPayment.Status.REFUNDED)
    return f"Gift {donation.reference} refunded ({amount})."


def _dispute_created(dispute: dict, event: Mapping[str, Any]) -> str:
    donation = _gift_for_charge(dispute)
    if donation is None:
        return f"No gift is paid by disputed charge {_id_of(dispute.get('charge'))}; check it in Stripe."
    intent_id = _id_of(dispute.get("payment_intent"))
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, "The donor's bank disputes")
    if duplicate:
        return duplicate + " Answer the dispute in Stripe."
    payment = payment or _payment_row(donation, intent_id)
    # A dispute that already closed keeps its result: events can arrive out of order.
    if payment.status in (CardPayment.Status.DISPUTE_WON, CardPayment.Status.DISPUTE_LOST):
        return f"The dispute on gift {donation.reference} is already closed ({payment.status})."
    _set_payment(payment, status=CardPayment.Status.DISPUTED)
    return f"The donor's bank disputes gift {donation.reference}; answer the dispute in Stripe. Ledger unchanged."


def _dispute_closed(dispute: dict, event: Mapping[str, Any]) -> str:
    donation = _gift_for_charge(dispute)
    if donation is None:
        return f"No gift is paid by disputed charge {_id_of(dispute.get('charge'))}; check it in Stripe."
    intent_id = _id_of(dispute.get("payment_intent"))
    status = dispute.get("status")
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, f"Dispute closed ({status}) on")
    if duplicate:
        return duplicate
    payment = payment or _payment_row(donation, intent_id)
    if status == "won":
        _set_payment(payment, status=CardPayment.Status.DISPUTE_WON)
        return f"The dispute on gift {donation.reference} was won; the gift stands."
    if status != "lost":
        return f"The dispute on gift {donation.reference} closed as {status!r}; nothing to change."
    amount = money_from_stripe(dispute.get("amount"), dispute.get("currency") or "")
    if donation.status == Donation.Status.REFUNDED:
        _set_payment(payment, status=CardPayment.Status.DISPUTE_LOST)
        return f"Gift {donation.reference} is already refunded; the lost dispute changes nothing more."
    if amount != donation.amount:
        return (
            f"A dispute of {amount} on gift {donation.reference} of {donation.amount} was lost: the ledger "
            "reverses whole gifts only; record it by hand."
        )
    refusal = _receive_if_paid_before(donation, payment, intent_id, amount=amount, at=_event_time(event))
    if refusal:
        return refusal
    donation_refund(donation=donation, reason="Card dispute lost")
    _set_payment(payment, status=CardPayment.Status.DISPUTE_LOST)
    return f"The dispute on gift {donation.reference} was lost; the gift is reversed ({amount})."


def _subscription_deleted(subscription: dict, event: Mapping[str, Any]) -> str:
    gift = _lock_recurring_gift(_id_of(subscription), subscription.get("metadata") or {})
    if gift is None:
        return f"No monthly gift for subscription {_id_of(subscription)}; nothing to do."
    if gift.status == RecurringGift.Status.CANCELLED:
        return f"Monthly gift {gift.reference} is already cancelled."
    gift.status = RecurringGift.Status.CANCELLED
    gift.cancelled_at = _moment(subscription.get("canceled_at")) or _event_time(event)
    gift.save(update_fields=["status", "cancelled_at"])
    return f"Monthly gift {gift.reference} cancelled; gifts already received stand."


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    # Stripe sends both for a paid invoice; the invoice id makes the second a no-op.
    "invoice.payment_succeeded": _invoice_paid,
    "invoice.paid": _invoice_paid,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
    "customer.subscription.deleted": _subscription_deleted,
}


# --- the inbox -----------------------------------------------------------------------------


def _inbox_insert(event: Mapping[str, Any]) -> int | None:
    """Insert the inbox row, or return None if this event is already stored.

    ON CONFLICT DO NOTHING rather than catching an IntegrityError: while another delivery of
    the same event is still inside its transaction, PostgreSQL makes this insert wait for it.
    If that one commits, this one inserts nothing and reports a duplicate; if it rolls back
    (its handler failed), this one takes over and processes the event. No error either way."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StripeEvent._meta.db_table} "  # noqa: S608 - table name from our model
            "(stripe_id, type, livemode, created, payload, received_at, outcome) "
            "VALUES (%s, %s, %s, %s, %s::jsonb, %s, '') ON CONFLICT (stripe_id) DO NOTHING RETURNING id",
            [
                event["id"],
                event["type"],
                bool(event.get("livemode")),
                _event_time(event),
                json.dumps(event),
                timezone.now(),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def stripe_event_process(*, event: Mapping[str, Any]) -> tuple[StripeEvent, bool]:
    """Store a verified Stripe event and apply it, in one transaction. Returns the inbox row and
    whether it was a duplicate (already stored, so nothing was done).

    ``event`` is the parsed body of a webhook whose signature has been checked."""
    with transaction.atomic():
        row_id = _inbox_insert(event)
        if row_id is None:
            return StripeEvent.objects.get(stripe_id=event["id"]), True
        handler = HANDLERS.get(event["type"])
        if handler is None:
            outcome = "Ignored: not an event type this platform acts on."
        else:
            try:
                # A savepoint: a refusal half-way through a handler (receive done, refund
                # refused) takes back the handler's writes but keeps the inbox row.
                with transaction.atomic():
                    outcome = handler(event["data"]["object"], event)
            except FundError as exc:
                outcome = "Refused: " + " ".join(exc.messages)
                logger.warning("Stripe event %s (%s) refused: %s", event["id"], event["type"], outcome)
        row = StripeEvent.objects.get(pk=row_id)
        row.processed_at = timezone.now()
        row.outcome = outcome[:OUTCOME_MAX_LENGTH]
        row.save(update_fields=["processed_at", "outcome"])
        audit_record(
            actor=None, action="stripe_event.process", obj=row, data={"type": row.type, "outcome": row.outcome}
        )
    return row, False
