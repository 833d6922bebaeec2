"""Refunding a card gift from the back office: ask Stripe to give the money back to the card.

The ledger is not touched here. The gift is refunded (posting reversed, receipt voided) when
Stripe's ``charge.refunded`` event arrives, by the same handler that refunds a gift refunded in
Stripe's Dashboard (payments.services.stripe_events). So the ledger has one writer for card
refunds and follows what Stripe did, never what we asked: a refund Stripe did not make is never
in the books, and one made while our answer was lost (a timeout after Stripe acted) still is.
Even when Stripe answers that the refund has succeeded we wait for the event; until it comes the
card payment shows the refund as asked, and ``check_ledger`` reports one that Stripe has not
confirmed within a day (payments/ledger_checks.py).

The call carries an idempotency key derived from the gift, so a double click, a retry after a
timeout, or stripe-python's own retry returns the refund the first call made instead of making
another. Stripe is called outside our transaction (no row stays locked while it answers); what it
answered is then stored in one transaction with its audit entry, or, if Stripe refused or could
not be reached, nothing is written.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from config.actors import actor_user
from fund.errors import FundError, InvalidTransition
from fund.models import Donation
from fund.refusals import status_words
from fund.services.locks import gift_lock
from fund.text import text_clean

from ..errors import PaymentUnavailable, StripeRefused
from ..models import CardPayment
from ..stripe_client import stripe_client, stripe_enabled
from .stripe_monthly import set_payment

logger = logging.getLogger(__name__)

# A card payment in these states holds the donor's money and can be given back.
REFUNDABLE = (CardPayment.Status.SUCCEEDED, CardPayment.Status.DISPUTE_WON)
# Refund states in which Stripe is giving the money back, or will once the refund completes.
# ("failed" and "canceled" are not: nothing goes back.)
REFUND_UNDER_WAY = ("succeeded", "pending", "requires_action")


def refund_idempotency_key(donation: Donation) -> str:
    return f"donation-{donation.reference}-refund"


def _already_asked(payment: CardPayment) -> str:
    return _(
        "A refund of gift %(reference)s was already asked of Stripe (refund %(refund)s); the gift is refunded "
        "here when Stripe confirms it."
    ) % {"reference": payment.donation.reference, "refund": payment.stripe_refund_id}


def card_refund_refusal(donation: Donation) -> str:
    """Why this gift cannot be refunded through Stripe now, in words for the accountant, or ""
    if it can. Reads the current rows; the back-office screen asks before showing its form."""
    words = {"reference": donation.reference, "status": status_words(donation)}
    if donation.channel != Donation.Channel.CARD or donation.is_goods:
        return _("Gift %(reference)s was not paid by card, so it is not refunded through Stripe.") % words
    if donation.status == Donation.Status.REFUNDED:
        return _("Gift %(reference)s is already refunded.") % words
    if donation.status != Donation.Status.RECEIVED:
        return _("Only a received gift can be refunded; %(reference)s is %(status)s.") % words
    payment = CardPayment.objects.filter(donation=donation).select_related("donation").first()
    if payment is None or not payment.stripe_payment_intent_id:
        return (
            _(
                "No Stripe payment of gift %(reference)s is recorded here, so it cannot be refunded from here; "
                "refund it in Stripe's Dashboard."
            )
            % words
        )
    if payment.stripe_refund_id:
        return _already_asked(payment)
    if payment.status == CardPayment.Status.DISPUTED:
        return (
            _(
                "The donor's bank disputes the card payment of gift %(reference)s: answer the dispute in Stripe. "
                "It cannot be refunded while the dispute is open."
            )
            % words
        )
    if payment.status not in REFUNDABLE:
        return _("The card payment of gift %(reference)s is %(payment_status)s; there is nothing to refund.") % {
            **words,
            "payment_status": payment.get_status_display().lower(),
        }
    return ""


def _stripe_unreachable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _(
            "Stripe could not be reached or did not answer, so nothing was recorded here. Try again in a few "
            "minutes: asking again never refunds twice."
        )
    )


def _ask_stripe(donation: Donation, payment: CardPayment):
    """Stripe's refund of the whole of what the PaymentIntent paid (no amount: all that is left)."""
    try:
        return stripe_client().v1.refunds.create(
            params={"payment_intent": payment.stripe_payment_intent_id, "metadata": {"donation": donation.reference}},
            options={"idempotency_key": refund_idempotency_key(donation)},
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe: refunding gift %s failed: %s", donation.reference, exc)
        status = exc.http_status
        if isinstance(exc, stripe.APIConnectionError) or status is None or status == 429 or status >= 500:
            raise _stripe_unreachable() from exc
        raise StripeRefused(
            _("Stripe refused to refund gift %(reference)s: %(why)s Nothing was changed here.")
            % {"reference": donation.reference, "why": exc.user_message or str(exc)}
        ) from exc


def card_payment_refund(*, donation: Donation, reason: str, actor: Any = None) -> CardPayment:
    """Ask Stripe to refund a received card gift in full, and record on its card payment who
    asked, when, why, and Stripe's refund. Returns the card payment. The gift stays received
    until Stripe's refund event refunds it (see the module's docstring)."""
    reason = text_clean(reason, field="reason", max_length=500)
    if not reason:
        raise FundError(_("Say why the gift is refunded."))
    if not stripe_enabled():
        raise PaymentUnavailable(_("Card payments are not set up here (no Stripe keys), so Stripe cannot be asked."))
    donation = Donation.objects.get(pk=donation.pk)  # as it stands now, not as the caller loaded it
    refusal = card_refund_refusal(donation)
    if refusal:
        raise InvalidTransition(refusal)
    payment = CardPayment.objects.get(donation=donation)
    refund = _ask_stripe(donation, payment)
    if refund.status not in REFUND_UNDER_WAY:
        logger.warning("Stripe: refund %s of gift %s is %s", refund.id, donation.reference, refund.status)
        raise StripeRefused(
            _(
                "Stripe did not refund gift %(reference)s (refund %(refund)s is %(status)s). Nothing was changed "
                "here; check the payment in Stripe's Dashboard."
            )
            % {"reference": donation.reference, "refund": refund.id, "status": refund.status}
        )
    with transaction.atomic():
        # Lock order of the webhook's handlers: the gift, then its card payment.
        gift_lock(donation.pk, related=())
        payment = CardPayment.objects.select_for_update().select_related("donation").get(pk=payment.pk)
        if payment.stripe_refund_id:
            # Two clicks at once: both were given the same refund (one idempotency key); the first stored it.
            raise InvalidTransition(_already_asked(payment))
        # Not refused if the gift was refunded meanwhile (Stripe's event can overtake this answer):
        # the refund is made, so what was asked is recorded either way.
        set_payment(
            payment,
            refund_requested_at=timezone.now(),
            refund_requested_by=actor_user(actor),
            refund_reason=reason,
            stripe_refund_id=refund.id,
        )
        audit_record(
            actor=actor,
            action="card_payment.refund_request",
            obj=payment,
            data={
                "donation": donation.reference,
                "payment_intent": payment.stripe_payment_intent_id,
                "refund": refund.id,
                "refund_status": refund.status,
                "reason": reason,
            },
        )
    return payment
