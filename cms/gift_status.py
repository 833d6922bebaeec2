"""Where a card gift stands, in the words of its thank-you page.

The donor lands on the thank-you page as soon as Stripe.js is done, often before Stripe's webhook
has told us anything. The page then checks a bounded number of times (cms/static/cms/thanks.js),
never by reloading itself, and each check may ask Stripe, so checks are rate-limited per address:
past the limit a check reads only what the webhook has written.

A state is final when waiting longer cannot change it without the donor doing something: paid,
failed, or a payment never completed (the donor left the payment page, or did not finish the
bank's 3-D Secure step). Those say so and offer the payment page again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from fund.models import Donation, RecurringGift
from payments.models import CardPayment
from payments.services.card_payments import CardPaymentCheck, card_payment_check

logger = logging.getLogger(__name__)

# PaymentIntent statuses that wait for the donor, not for Stripe: nothing has been charged.
NOT_COMPLETED = {"requires_payment_method", "requires_confirmation", "requires_action"}


@dataclass(frozen=True)
class GiftStatus:
    """``state`` names the message the page shows (cms/includes/gift_status.html); ``final``
    says whether checking again can change it."""

    state: str
    final: bool


def _may_ask_stripe(request) -> bool:
    return not is_ratelimited(
        request, group="gift-status", key="ip", rate=settings.GIFT_STATUS_RATE_IP, method=ALL, increment=True
    )


def card_gift_status(request, gift: Donation | RecurringGift) -> GiftStatus:
    """The state of a card gift or monthly gift, asking Stripe (within the rate limit) while a
    one-off card gift is still a pledge."""
    if isinstance(gift, RecurringGift):
        # Monthly gifts start with Stripe's first invoice, which only the webhook reports.
        if gift.status == RecurringGift.Status.INCOMPLETE:
            return GiftStatus("waiting", final=False)
        return GiftStatus(f"monthly_{gift.status}", final=True)
    if gift.status != Donation.Status.PLEDGED:
        return GiftStatus(gift.status, final=True)
    try:
        check = card_payment_check(donation=gift, ask_stripe=_may_ask_stripe(request))
    except ValidationError:  # a refusal while receiving (a closed fund): the webhook's outcome says why
        logger.warning("Could not refresh card payment for %s", gift.reference)
        check = CardPaymentCheck(payment=None, stripe_status=None)
    gift.refresh_from_db()
    if gift.status != Donation.Status.PLEDGED:
        return GiftStatus(gift.status, final=True)
    payment = check.payment
    if payment is not None and payment.status == CardPayment.Status.FAILED:
        return GiftStatus("failed", final=True)
    if check.stripe_status in NOT_COMPLETED:
        return GiftStatus("not_completed", final=True)
    if check.stripe_status == "canceled":
        return GiftStatus("cancelled", final=True)
    return GiftStatus("waiting", final=False)
