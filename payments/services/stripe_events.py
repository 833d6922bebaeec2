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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.errors import FundError, InvalidTransition
from fund.models import Donation
from fund.services.donations import donation_receive, donation_refund
from fund.services.locks import gift_lock
from fund.text import text_clean

from ..models import CardPayment, StripeEvent
from ..stripe_client import StripeLookupFailed, money_from_stripe
from .stripe_monthly import (
    event_lookups,
    invoice_paid,
    invoice_payment_failed,
    lookup_summary,
    month_for_payment,
    set_payment,
    subscription_changed,
)
from .stripe_objects import Outcome, event_time, id_of, invoice_subscription, moment, person, settling

logger = logging.getLogger(__name__)

OUTCOME_MAX_LENGTH = 500  # StripeEvent.outcome
# A handler takes the event's object, the event, and what event_lookups asked Stripe.
Handler = Callable[[dict, Mapping[str, Any], Mapping[str, Any]], str]


class StripeEventDeferred(Exception):
    """The event is stored and waits for Stripe to answer a lookup; the webhook answers 500 so
    that Stripe delivers it again, and the redelivery processes the stored row."""


def _received_time(donation: Donation, at: datetime.datetime) -> datetime.datetime:
    # Stripe's clock and ours differ by a little, and Stripe counts whole seconds: a gift
    # pledged at 10:00:00.6 can be paid "at 10:00:00". It was not received before it was pledged.
    # A charge whose day is in a period closed since (an event arriving late, a retry) is still
    # received at that time, and posted in the open period: the card was charged, and a refusal
    # here would leave money in Stripe that the books never show.
    return max(at, donation.pledged_at)


def _charge_time(intent: dict, event: Mapping[str, Any]) -> datetime.datetime:
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):
        created = moment(charge.get("created"))
        if created:
            return created
    return event_time(event)


def _intent_paid(intent: dict):
    # amount_received is what was actually captured; localstripe only reports amount.
    amount = intent.get("amount_received") or intent.get("amount")
    return money_from_stripe(amount, intent.get("currency") or "")


# --- finding and locking our records --------------------------------------------------------


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
    return gift_lock(donation_id) if donation_id is not None else None


def _payment_row(donation: Donation, intent_id: str | None) -> CardPayment:
    """The gift's CardPayment, locked; created if the start never committed it."""
    payment = CardPayment.objects.select_for_update().filter(donation=donation).first()
    if payment is None:
        payment = CardPayment.objects.create(donation=donation, stripe_payment_intent_id=intent_id)
    return payment


# --- what a succeeded payment does (shared with card_payment_refresh) ----------------------


def receive_paid_intent(intent: dict, *, paid_at: datetime.datetime) -> str:
    """Receive the one-off gift a succeeded PaymentIntent pays, once. Called inside the
    caller's transaction (the webhook's, or the thank-you page's refresh)."""
    intent_id = id_of(intent)
    donation = _gift_for_intent(intent_id, intent.get("metadata"))
    if donation is None:
        # A monthly gift's PaymentIntent has no gift of its own: its invoice event makes one.
        return f"No one-off gift is paid by PaymentIntent {intent_id}; nothing to do."
    payment = _payment_row(donation, intent_id)
    if payment.stripe_payment_intent_id != intent_id:
        if donation.status == Donation.Status.PLEDGED and payment.status != CardPayment.Status.SUCCEEDED:
            # The gift's first attempt was abandoned and this one paid it: follow the money.
            set_payment(payment, stripe_payment_intent_id=intent_id)
        else:
            logger.warning("Gift %s was paid twice by card (%s)", donation.reference, intent_id)
            return person(
                f"Gift {donation.reference} is already {donation.status} by another payment; PaymentIntent "
                f"{intent_id} paid it again. Refund that payment in Stripe."
            )
    if donation.status in (Donation.Status.RECEIVED, Donation.Status.REFUNDED) and donation.channel != "card":
        # The donor gave up on the card, transferred the money, then the card went through too.
        logger.warning(
            "Gift %s was received by %s and paid again by card (%s)", donation.reference, donation.channel, intent_id
        )
        return person(
            f"Gift {donation.reference} was already received by {donation.get_channel_display()}; PaymentIntent "
            f"{intent_id} paid it again. Refund that payment in Stripe."
        )
    if donation.status in (Donation.Status.RECEIVED, Donation.Status.REFUNDED):
        if payment.status in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
            set_payment(payment, status=CardPayment.Status.SUCCEEDED, last_error="")
        return f"Gift {donation.reference} is already {donation.status}; nothing to do."
    if donation.status != Donation.Status.PLEDGED:
        logger.warning("Card payment %s arrived for gift %s (%s)", intent_id, donation.reference, donation.status)
        return person(
            f"Gift {donation.reference} is {donation.status} but the card was charged: refund the payment "
            "in Stripe or record the gift again."
        )
    paid = _intent_paid(intent)
    if paid != donation.amount:
        logger.warning("Card payment %s for gift %s: %s, not %s", intent_id, donation.reference, paid, donation.amount)
        set_payment(payment, last_error=f"Paid {paid}, the gift is {donation.amount}.")
        return person(
            f"Not received: Stripe reports {paid} paid for gift {donation.reference} of {donation.amount}. "
            "Check the payment in Stripe and receive or refund it by hand."
        )
    donation_receive(
        donation=donation,
        received_at=_received_time(donation, paid_at),
        channel=Donation.Channel.CARD,
        late_into_open_period=True,  # see _received_time
    )
    set_payment(payment, status=CardPayment.Status.SUCCEEDED, last_error="")
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
        return person(
            f"Gift {donation.reference} of {donation.amount} is still a pledge and Stripe reports a charge of "
            f"{amount}: check the payment in Stripe and record it by hand."
        )
    donation_receive(
        donation=donation,
        received_at=_received_time(donation, at),
        channel=Donation.Channel.CARD,
        late_into_open_period=True,  # see _received_time
    )
    fields: dict[str, Any] = {}
    if intent_id and payment.stripe_payment_intent_id != intent_id:
        # The gift's first attempt was abandoned and this one paid it: follow the money.
        fields["stripe_payment_intent_id"] = intent_id
    if payment.status in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
        fields.update(status=CardPayment.Status.SUCCEEDED, last_error="")
    if fields:
        set_payment(payment, **fields)
    return ""


# --- handlers ------------------------------------------------------------------------------


def _payment_intent_succeeded(intent: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    return receive_paid_intent(intent, paid_at=_charge_time(intent, event))


def _payment_intent_failed(intent: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    intent_id = id_of(intent)
    donation = _gift_for_intent(intent_id, intent.get("metadata"))
    if donation is None:
        return f"No one-off gift is paid by PaymentIntent {intent_id}; nothing to do."
    payment = _payment_row(donation, intent_id)
    message = ((intent.get("last_payment_error") or {}).get("message") or "The card payment failed.")[:500]
    # Only a payment still waiting can fail: a late failure of an earlier attempt must not
    # overwrite a success that arrived first.
    if payment.status not in (CardPayment.Status.STARTED, CardPayment.Status.FAILED):
        return f"Payment for gift {donation.reference} is already {payment.status}; a late failure changes nothing."
    set_payment(payment, status=CardPayment.Status.FAILED, last_error=message)
    return f"Card payment for gift {donation.reference} failed ({message}); the gift stays pledged."


def _gift_for_charge(obj: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> tuple[Donation | None, str]:
    """The gift a charge (or a dispute of it) paid, locked: a one-off gift by its PaymentIntent
    or metadata, else a month of a monthly gift by its invoice (see month_for_payment)."""
    donation = _gift_for_intent(id_of(obj.get("payment_intent")), obj.get("metadata"))
    if donation is not None:
        return donation, ""
    return month_for_payment(obj, event, lookup)


def _unlinked(what: str, obj: dict, why: str) -> Outcome:
    intent = id_of(obj.get("payment_intent"))
    logger.warning("%s %s (PaymentIntent %s) is linked to no gift", what, id_of(obj), intent)
    why = f" {why}" if why else ""
    return person(
        f"{what} {id_of(obj)} (PaymentIntent {intent or 'none'}) is linked to no gift.{why} Find its gift, check it "
        "in Stripe and record it by hand: the ledger may still count this money."
    )


def _charge_refunded(charge: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    donation, why = _gift_for_charge(charge, event, lookup)
    if donation is None:
        return _unlinked("Refunded charge", charge, why)
    intent_id = id_of(charge.get("payment_intent"))
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, "Refund of")
    if duplicate:
        if (charge.get("amount_refunded") or 0) >= (charge.get("amount") or 0):
            return settling(duplicate, intent_id)
        return person(duplicate + " Only part of it went back: refund the rest in Stripe.")
    payment = payment or _payment_row(donation, intent_id)
    amount = money_from_stripe(charge.get("amount"), charge.get("currency") or "")
    refunded = charge.get("amount_refunded") or 0
    if refunded < charge["amount"]:
        # A partial refund leaves part of the gift given. The ledger reverses whole gifts only,
        # so a person decides how to record it (refund in full and record what was kept).
        logger.warning("Partial card refund for gift %s", donation.reference)
        return person(
            f"Partial refund of {money_from_stripe(refunded, charge['currency']) if refunded else 0} of {amount} "
            f"for gift {donation.reference}: the ledger is unchanged; record it by hand."
        )
    if donation.status == Donation.Status.REFUNDED:
        return f"Gift {donation.reference} is already refunded; nothing to do."
    refusal = _receive_if_paid_before(
        donation, payment, intent_id, amount=amount, at=moment(charge.get("created")) or event_time(event)
    )
    if refusal:
        return refusal
    # Asked from the back office (payments.services.card_refunds): the reversal carries that
    # person's reason and name, so the ledger says who decided it and why.
    asked = payment.refund_requested_at is not None
    donation_refund(
        donation=donation,
        reason=payment.refund_reason if asked else "Card payment refunded in Stripe",
        actor=payment.refund_requested_by,
    )
    set_payment(payment, status=CardPayment.Status.REFUNDED)
    how = f", as asked from the back office (refund {payment.stripe_refund_id})" if asked else ""
    return f"Gift {donation.reference} refunded ({amount}){how}."


def _dispute_created(dispute: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    donation, why = _gift_for_charge(dispute, event, lookup)
    if donation is None:
        return _unlinked("Disputed charge", {**dispute, "id": id_of(dispute.get("charge"))}, why)
    intent_id = id_of(dispute.get("payment_intent"))
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, "The donor's bank disputes")
    if duplicate:
        return person(duplicate + " Answer the dispute in Stripe.")
    payment = payment or _payment_row(donation, intent_id)
    # A dispute that already closed keeps its result: events can arrive out of order.
    if payment.status in (CardPayment.Status.DISPUTE_WON, CardPayment.Status.DISPUTE_LOST):
        return f"The dispute on gift {donation.reference} is already closed ({payment.status})."
    set_payment(payment, status=CardPayment.Status.DISPUTED)
    return person(
        f"The donor's bank disputes gift {donation.reference}; answer the dispute in Stripe. Ledger unchanged."
    )


def _dispute_closed(dispute: dict, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> str:
    donation, why = _gift_for_charge(dispute, event, lookup)
    if donation is None:
        if dispute.get("status") != "lost":
            charge_id, status = id_of(dispute.get("charge")), dispute.get("status")
            return f"No gift is paid by disputed charge {charge_id}; the dispute closed {status}."
        return _unlinked("Charge lost in a dispute", {**dispute, "id": id_of(dispute.get("charge"))}, why)
    intent_id = id_of(dispute.get("payment_intent"))
    status = dispute.get("status")
    payment = _locked_payment(donation)
    duplicate = _not_the_gifts_charge(donation, payment, intent_id, f"Dispute closed ({status}) on")
    if duplicate:
        return settling(duplicate, intent_id) if status == "lost" else duplicate
    payment = payment or _payment_row(donation, intent_id)
    if status == "won":
        set_payment(payment, status=CardPayment.Status.DISPUTE_WON)
        return f"The dispute on gift {donation.reference} was won; the gift stands."
    if status != "lost":
        return f"The dispute on gift {donation.reference} closed as {status!r}; nothing to change."
    amount = money_from_stripe(dispute.get("amount"), dispute.get("currency") or "")
    if donation.status == Donation.Status.REFUNDED:
        set_payment(payment, status=CardPayment.Status.DISPUTE_LOST)
        return f"Gift {donation.reference} is already refunded; the lost dispute changes nothing more."
    if amount != donation.amount:
        return person(
            f"A dispute of {amount} on gift {donation.reference} of {donation.amount} was lost: the ledger "
            "reverses whole gifts only; record it by hand."
        )
    refusal = _receive_if_paid_before(donation, payment, intent_id, amount=amount, at=event_time(event))
    if refusal:
        return refusal
    donation_refund(donation=donation, reason="Card dispute lost")
    set_payment(payment, status=CardPayment.Status.DISPUTE_LOST)
    return f"The dispute on gift {donation.reference} was lost; the gift is reversed ({amount})."


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    # Stripe sends both for a paid invoice; the invoice id makes the second a no-op.
    "invoice.payment_succeeded": invoice_paid,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
}


# --- the inbox -----------------------------------------------------------------------------


# The inbox row, unless this event is stored already. ON CONFLICT DO NOTHING rather than catching
# an IntegrityError: while another delivery of the same event is still inside its transaction,
# PostgreSQL makes this insert wait for it. If that one commits, this one inserts nothing and
# reports a duplicate; if it rolls back (its handler failed), this one takes over and processes
# the event. No error either way.
INBOX_INSERT = (
    f"INSERT INTO {StripeEvent._meta.db_table} "  # noqa: S608 - table name from our model
    "(stripe_id, type, livemode, created, payload, received_at, outcome, attention, lookup, resolution) "
    "VALUES (%s, %s, %s, %s, %s::jsonb, %s, '', '', '{}'::jsonb, '') "
    "ON CONFLICT (stripe_id) DO NOTHING RETURNING id"
)


def inbox_insert_params(event: Mapping[str, Any], body: str | None = None) -> list:
    """INBOX_INSERT's parameters; ``body``, the webhook's verified text, spares serialising the
    parsed event again (jsonb stores the same value either way)."""
    return [
        event["id"],
        event["type"],
        bool(event.get("livemode")),
        event_time(event),
        body if body is not None else json.dumps(event),
        timezone.now(),
    ]


def _inbox_insert(event: Mapping[str, Any]) -> int | None:
    """Insert the inbox row (INBOX_INSERT), or return None if this event is already stored."""
    with connection.cursor() as cursor:
        cursor.execute(INBOX_INSERT, inbox_insert_params(event))
        row = cursor.fetchone()
    return row[0] if row else None


def _lookup_to_store(lookup: Mapping[str, Any]) -> dict:
    """The lookup as the back office reads it: Stripe's invoice cut down to what linked it."""
    stored = dict(lookup)
    invoice = stored.get("invoice")
    if isinstance(invoice, dict):
        stored["invoice"] = {
            "id": invoice.get("id"),
            "subscription": invoice_subscription(invoice),
            "amount_paid": invoice.get("amount_paid"),
            "currency": invoice.get("currency"),
            "status": invoice.get("status"),
        }
    return stored


def _defer(event: Mapping[str, Any], reason: str) -> StripeEvent:
    """Store the event as waiting for Stripe (or find it handled by another delivery meanwhile)."""
    with transaction.atomic():
        inserted = _inbox_insert(event)
        row = StripeEvent.objects.select_for_update().get(stripe_id=event["id"])
        if inserted is None and row.attention != StripeEvent.Attention.RETRY:
            return row
        row.attention = StripeEvent.Attention.RETRY
        row.outcome = (
            f"Waiting for Stripe: {reason} Stripe delivers the event again and it is processed then; if Stripe "
            "stops retrying, resend it from Stripe's Dashboard."
        )[:OUTCOME_MAX_LENGTH]
        row.save(update_fields=["attention", "outcome"])
        audit_record(actor=None, action="stripe_event.defer", obj=row, data={"type": row.type, "reason": reason[:500]})
    return row


def stripe_event_process(*, event: Mapping[str, Any]) -> tuple[StripeEvent, bool]:
    """Store a verified Stripe event and apply it, in one transaction. Returns the inbox row and
    whether it was a duplicate (already stored, so nothing was done).

    What Stripe must be asked first (the payments of an invoice, the invoice a payment paid) is
    asked before the transaction, so no row is locked while Stripe answers. If Stripe cannot be
    reached, the event is stored waiting (``Attention.RETRY``) and StripeEventDeferred is
    raised, so the webhook answers 500 and Stripe delivers it again; that delivery processes
    the stored row. ``event`` is the parsed body of a webhook whose signature has been checked."""
    stored = StripeEvent.objects.filter(stripe_id=event["id"]).values_list("attention", flat=True).first()
    if stored is not None and stored != StripeEvent.Attention.RETRY:
        return StripeEvent.objects.get(stripe_id=event["id"]), True
    handler = HANDLERS.get(event["type"])
    try:
        lookup = event_lookups(event) if handler is not None else {}
    except StripeLookupFailed as exc:
        logger.warning("Stripe event %s (%s) waits for Stripe: %s", event["id"], event["type"], exc)
        row = _defer(event, str(exc))
        if row.attention != StripeEvent.Attention.RETRY:
            return row, True
        raise StripeEventDeferred(str(exc)) from exc
    with transaction.atomic():
        row_id = _inbox_insert(event)
        if row_id is None:
            row = StripeEvent.objects.select_for_update().get(stripe_id=event["id"])
            if row.attention != StripeEvent.Attention.RETRY:
                return row, True
            row_id = row.pk
        apply_stored_event(row_id=row_id, event=event, lookup=lookup)
        row = StripeEvent.objects.get(pk=row_id)
    return row, False


def apply_stored_event(*, row_id: int, event: Mapping[str, Any], lookup: Mapping[str, Any]) -> None:
    """Apply a stored event (its inbox row ``row_id``, locked by the caller) and record what it
    did on the row, inside the caller's transaction: the webhook's, or a worker's
    (payments.services.stripe_queue)."""
    handler = HANDLERS.get(event["type"])
    needs_person = False
    if handler is None:
        outcome = "Ignored: not an event type this platform acts on."
    else:
        try:
            # A savepoint: a refusal half-way through a handler (receive done, refund refused)
            # takes back the handler's writes but keeps the inbox row. Outcomes are stored once,
            # in English like the log, whoever reads them later: a refusal from the gift's
            # services is taken in English too.
            with transaction.atomic(), translation.override("en"):
                outcome = handler(event["data"]["object"], event, lookup)
            needs_person = getattr(outcome, "needs_person", False)
        except FundError as exc:
            # A business refusal of money Stripe moved (a closed fund): a person records it.
            outcome, needs_person = "Refused: " + " ".join(exc.messages), True
            logger.warning("Stripe event %s (%s) refused: %s", event["id"], event["type"], outcome)
    summary = lookup_summary(lookup)
    _settle_second_payment(getattr(outcome, "settles", None), settled_by=event["id"])
    if event["type"] == "charge.dispute.closed":
        _settle_dispute(id_of(event["data"]["object"]), settled_by=event["id"])
    outcome = (f"{outcome} {summary}" if summary else str(outcome))[:OUTCOME_MAX_LENGTH]
    attention = StripeEvent.Attention.PERSON if needs_person else StripeEvent.Attention.NONE
    # An UPDATE, not a read and a save: the row's payload is the whole event, and nothing here
    # needs it back.
    StripeEvent.objects.filter(pk=row_id).update(
        processed_at=timezone.now(), outcome=outcome, attention=attention, lookup=_lookup_to_store(lookup)
    )
    audit_record(
        actor=None,
        action="stripe_event.process",
        obj=StripeEvent(pk=row_id),
        data={"type": event["type"], "outcome": outcome, "attention": attention},
    )


def _settle_second_payment(intent_id: str | None, *, settled_by: str) -> None:
    """A second payment of a gift went back to the donor (refunded, or lost in a dispute): the
    "paid it again, refund it" events about it are settled, with no one to mark them."""
    if not intent_id:
        return
    StripeEvent.objects.filter(
        attention=StripeEvent.Attention.PERSON,
        type="payment_intent.succeeded",
        payload__data__object__id=intent_id,
    ).update(
        attention=StripeEvent.Attention.RESOLVED,
        resolution=f"The second payment went back to the donor (Stripe event {settled_by}).",
        resolved_at=timezone.now(),
    )


def _settle_dispute(dispute_id: str | None, *, settled_by: str) -> None:
    """A closed dispute can no longer be answered: its "answer the dispute" events are settled."""
    if not dispute_id:
        return
    StripeEvent.objects.filter(
        attention=StripeEvent.Attention.PERSON, type="charge.dispute.created", payload__data__object__id=dispute_id
    ).update(
        attention=StripeEvent.Attention.RESOLVED,
        resolution=f"The dispute closed (Stripe event {settled_by}).",
        resolved_at=timezone.now(),
    )


def stripe_event_retry(*, event: StripeEvent) -> StripeEvent:
    """Process an event that waits for Stripe now, from its stored payload, instead of waiting
    for Stripe's redelivery (which stops after a few hours in test mode, three days live).
    Raises StripeEventDeferred if Stripe still cannot be asked."""
    if event.attention != StripeEvent.Attention.RETRY:
        raise InvalidTransition(_("This event is not waiting for Stripe."))
    row, _duplicate = stripe_event_process(event=event.payload)
    return row


def stripe_event_resolve(*, event: StripeEvent, resolution: str, actor: Any) -> StripeEvent:
    """A person says what they did about an event left for them (recorded the refund by hand,
    answered the dispute); the event leaves the "needs a person" list and check_ledger."""
    resolution = text_clean(resolution, field="resolution", max_length=500)
    if not resolution:
        raise FundError(_("Say what was done about this event."))
    with transaction.atomic():
        row = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if row.attention != StripeEvent.Attention.PERSON:
            raise InvalidTransition(_("This event is not waiting for a person."))
        row.attention = StripeEvent.Attention.RESOLVED
        row.resolution = resolution
        row.resolved_at = timezone.now()
        row.resolved_by = actor
        row.save(update_fields=["attention", "resolution", "resolved_at", "resolved_by"])
        audit_record(actor=actor, action="stripe_event.resolve", obj=row, data={"resolution": resolution})
    return row
