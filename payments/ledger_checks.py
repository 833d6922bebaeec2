"""What `check_ledger` must also look at for money that arrives by card or bank transfer: the
guards on the payments tables, and card money the ledger may not count yet. Registered with
fund's checks (fund.selectors.ledger_checks), which find this module by its name."""

import datetime

from django.utils import timezone

from fund.models import Donation
from fund.selectors.ledger_checks import ledger_check_register, ledger_guard_require

from .models import CardPayment, StripeEvent
from .services.stripe_queue import stripe_events_waiting

# A matched bank line and a processed Stripe event are the evidence of a gift: frozen (migration
# fund 0006, from when these tables were the fund app's).
ledger_guard_require(trigger="fund_banktransaction_freeze", table="fund_banktransaction")
ledger_guard_require(trigger="fund_stripeevent_freeze", table="fund_stripeevent")

# Events that move money: left for a person (or waiting for Stripe), the ledger may disagree
# with what the card actually did (a refund it still counts, a month it never received).
MONEY_EVENT_TYPES = (
    "payment_intent.succeeded",
    "invoice.paid",
    "invoice.payment_succeeded",
    "charge.refunded",
    "charge.dispute.closed",
)
# Stripe sends charge.refunded within seconds of a refund; a day without it means the event was
# lost (a webhook misconfigured, Stripe gave up retrying) and the gift is still counted as given.
REFUND_CONFIRMATION_WAIT = datetime.timedelta(days=1)


@ledger_check_register
def card_money_the_ledger_may_miss() -> list[str]:
    problems = [
        f"Card payment {payment} of gift {payment.donation.reference} is {payment.status} in Stripe, but the gift "
        f"is {payment.donation.status}"
        for payment in CardPayment.objects.filter(
            status__in=(CardPayment.Status.REFUNDED, CardPayment.Status.DISPUTE_LOST)
        )
        .exclude(donation__status=Donation.Status.REFUNDED)
        .select_related("donation")
        .order_by("pk")
    ]
    problems += [
        f"A refund of gift {payment.donation.reference} was asked of Stripe at "
        f"{payment.refund_requested_at.isoformat(timespec='minutes')} (refund {payment.stripe_refund_id}) and Stripe "
        f"has not confirmed it: the gift is still "
        f"{payment.donation.status}. Check the refund and the webhook in Stripe's Dashboard."
        for payment in CardPayment.objects.filter(
            refund_requested_at__lt=timezone.now() - REFUND_CONFIRMATION_WAIT, donation__status=Donation.Status.RECEIVED
        )
        .select_related("donation")
        .order_by("refund_requested_at")
    ]
    waiting = StripeEvent.objects.filter(
        type__in=MONEY_EVENT_TYPES, attention__in=(StripeEvent.Attention.PERSON, StripeEvent.Attention.RETRY)
    ).order_by("received_at")
    problems += [
        f"Stripe event {event.stripe_id} ({event.type}) {event.get_attention_display().lower()}: the ledger may "
        f"not match what Stripe did. {event.outcome}"
        for event in waiting
    ]
    # Stored by the webhook for a worker (payments.services.stripe_queue) and still not applied:
    # no worker runs, or the event fails each time (the worker's log says why).
    problems += [
        f"Stripe event {event.stripe_id} ({event.type}) was stored at "
        f"{timezone.localtime(event.received_at).isoformat(timespec='minutes')} and no worker has applied it: check "
        "that the Celery workers and beat run, and the worker's log for this event."
        for event in stripe_events_waiting()
    ]
    return problems
