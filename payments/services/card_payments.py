"""Starting card payments: a PaymentIntent for a one-off gift, a Subscription for a monthly one.

The donor's browser confirms the payment with Stripe.js using the client secret returned here;
the card never reaches our server. Whether it succeeded we learn from Stripe's webhook
(payments.services.stripe_events), or earlier from ``card_payment_refresh`` when the donor lands
on the thank-you page.

Every call to Stripe carries an idempotency key derived from our own record, so a retry (ours,
stripe-python's, or a donor's double click) returns what the first call created. Stripe is
called outside our transactions (no row stays locked while the network is slow); what it
returns is then stored in one transaction, or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.errors import FundError, InvalidTransition
from fund.models import Donation, RecurringGift
from fund.refusals import status_words
from fund.services.locks import gift_lock

from ..errors import PaymentUnavailable
from ..models import CardPayment
from ..stripe_client import stripe_amount, stripe_client, stripe_currency, stripe_enabled
from .stripe_events import receive_paid_intent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardPaymentStart:
    """What the payment page hands to Stripe.js."""

    client_secret: str
    payment_intent_id: str
    publishable_key: str


def _unavailable() -> PaymentUnavailable:
    return PaymentUnavailable(
        _("Card payments are not available right now. Please try again in a few minutes, or give by bank transfer.")
    )


def _nothing_to_pay(gift: Donation) -> str:
    return _("Gift %(reference)s is %(status)s; there is nothing left to pay.") % {
        "reference": gift.reference,
        "status": status_words(gift),
    }


def payment_intent_idempotency_key(donation: Donation) -> str:
    return f"donation-{donation.reference}-payment-intent"


def recurring_gift_idempotency_key(recurring_gift: RecurringGift, step: str) -> str:
    return f"recurring-gift-{recurring_gift.reference}-{step}"


def _start(intent: stripe.PaymentIntent) -> CardPaymentStart:
    return CardPaymentStart(
        client_secret=intent.client_secret,
        payment_intent_id=intent.id,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
    )


def card_payment_start(*, donation: Donation) -> CardPaymentStart:
    """The PaymentIntent that pays a pledged one-off card gift of money, created on the first
    call and stored as the gift's ``CardPayment``; later calls return the same one."""
    if not stripe_enabled():
        raise _unavailable()
    if donation.channel != Donation.Channel.CARD or donation.is_goods:
        raise FundError(_("Gift %(reference)s is not a card gift of money.") % {"reference": donation.reference})
    if donation.status != Donation.Status.PLEDGED:
        raise InvalidTransition(_nothing_to_pay(donation))
    existing = CardPayment.objects.filter(donation=donation).first()
    client = stripe_client()
    try:
        if existing is not None and existing.stripe_payment_intent_id:
            intent = client.v1.payment_intents.retrieve(existing.stripe_payment_intent_id)
        else:
            intent = client.v1.payment_intents.create(
                params={
                    "amount": stripe_amount(donation.amount),
                    "currency": stripe_currency(donation.amount),
                    # Cards only: the fund's bank details serve every other way of paying, and
                    # localstripe (our test server) refuses automatic_payment_methods.
                    "payment_method_types": ["card"],
                    "metadata": {"donation": donation.reference},
                },
                options={"idempotency_key": payment_intent_idempotency_key(donation)},
            )
    except stripe.StripeError as exc:
        logger.warning("Stripe: starting the card payment of gift %s failed: %s", donation.reference, exc)
        raise _unavailable() from exc
    if existing is None:
        with transaction.atomic():
            # Lock the gift so two tabs starting at once store one row between them.
            locked = gift_lock(donation.pk, related=())
            if locked.status != Donation.Status.PLEDGED:
                raise InvalidTransition(_nothing_to_pay(locked))
            payment, created = CardPayment.objects.get_or_create(
                donation=locked, defaults={"stripe_payment_intent_id": intent.id}
            )
            if created:
                audit_record(actor=None, action="card_payment.start", obj=payment, data={"payment_intent": intent.id})
    return _start(intent)


@dataclass(frozen=True)
class CardPaymentCheck:
    """How a gift's card payment stands: our row, and what Stripe said of its PaymentIntent
    (``stripe_status`` is None when Stripe was not asked or could not be reached)."""

    payment: CardPayment | None
    stripe_status: str | None


def card_payment_check(*, donation: Donation, ask_stripe: bool = True) -> CardPaymentCheck:
    """Ask Stripe how the gift's card payment stands, for the thank-you page.

    If it has succeeded and the webhook has not arrived yet, the gift is received now, through
    the same handler the webhook uses (the webhook then finds it received and does nothing).
    If Stripe cannot be reached, or ``ask_stripe`` is false (the caller's rate limit), the
    stored state is returned as it is: the page can say "processing"."""
    payment = CardPayment.objects.filter(donation=donation).select_related("donation").first()
    if payment is None or not payment.stripe_payment_intent_id or not stripe_enabled() or not ask_stripe:
        return CardPaymentCheck(payment=payment, stripe_status=None)
    if payment.donation.status != Donation.Status.PLEDGED:
        return CardPaymentCheck(payment=payment, stripe_status=None)
    try:
        intent = stripe_client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    except stripe.StripeError as exc:
        logger.warning("Stripe: refreshing the card payment of gift %s failed: %s", donation.reference, exc)
        return CardPaymentCheck(payment=payment, stripe_status=None)
    if intent.status == "succeeded":
        with transaction.atomic():
            outcome = receive_paid_intent(intent.to_dict(), paid_at=timezone.now())
            audit_record(actor=None, action="card_payment.refresh", obj=payment, data={"outcome": outcome[:500]})
    return CardPaymentCheck(
        payment=CardPayment.objects.select_related("donation").get(pk=payment.pk), stripe_status=intent.status
    )


def card_payment_refresh(*, donation: Donation) -> CardPayment | None:
    """``card_payment_check`` for callers that need only our row."""
    return card_payment_check(donation=donation).payment


def _first_payment_intent(client: stripe.StripeClient, invoice) -> stripe.PaymentIntent | None:
    """The PaymentIntent that pays a subscription's first invoice. API versions before
    2025-03-31 (and localstripe) name it on the invoice; later ones list it under
    ``payments``, which is only there when asked for."""
    if isinstance(invoice, str):
        invoice = client.v1.invoices.retrieve(invoice)
    data = invoice.to_dict()
    intent = data.get("payment_intent")
    if not intent:
        payments = data.get("payments")
        if payments is None:
            payments = client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]}).to_dict()["payments"]
        for item in (payments or {}).get("data") or []:
            if (item.get("payment") or {}).get("type") == "payment_intent":
                intent = item["payment"]["payment_intent"]
                break
    if isinstance(intent, dict):
        intent = intent.get("id")
    return client.v1.payment_intents.retrieve(intent) if intent else None


def recurring_gift_start(*, recurring_gift: RecurringGift, payment_method: str = "") -> CardPaymentStart:
    """The Stripe Subscription behind a monthly gift, and the PaymentIntent of its first month.

    Two ways, both real Stripe flows:
    - without ``payment_method``: the subscription waits (``default_incomplete``) and the
      browser confirms the first invoice's PaymentIntent with the Payment Element; the card is
      then saved on the subscription for the following months;
    - with ``payment_method`` (a PaymentMethod id the browser created with Stripe.js): it becomes
      the customer's default card and the first invoice is charged at once
      (``allow_incomplete``); if the bank asks for 3-D Secure, the returned PaymentIntent waits
      for the browser to complete it. localstripe, our test server, supports only this one.

    Each received month becomes its own gift when Stripe reports the invoice paid
    (``invoice.payment_succeeded``). Calling again returns the same subscription's PaymentIntent.
    """
    if not stripe_enabled():
        raise _unavailable()
    gift = recurring_gift
    if gift.status == RecurringGift.Status.CANCELLED:
        raise InvalidTransition(_("Monthly gift %(reference)s is cancelled.") % {"reference": gift.reference})
    if not gift.fund.is_active:
        raise FundError(_("Fund %(fund)s is closed to new gifts.") % {"fund": gift.fund.code})
    if gift.amount.currency.code != gift.fund.currency:
        # Each month is received without a person to record the exchange rate.
        raise FundError(
            _("A monthly gift is given in the fund's currency (%(currency)s).") % {"currency": gift.fund.currency}
        )
    if payment_method and (not isinstance(payment_method, str) or not payment_method.startswith("pm_")):
        raise FundError(_("The card was not recognised; please enter it again."))
    client = stripe_client()
    created = False
    try:
        if gift.stripe_subscription_id:
            subscription = client.v1.subscriptions.retrieve(gift.stripe_subscription_id)
            customer_id = subscription.customer
        else:
            donor = gift.payer or gift.donor
            customer_params = {"name": donor.name, "metadata": {"recurring_gift": gift.reference}}
            if donor.email:
                customer_params["email"] = donor.email
            customer = client.v1.customers.create(
                params=customer_params,
                options={"idempotency_key": recurring_gift_idempotency_key(gift, "customer")},
            )
            customer_id = customer.id
            if payment_method:
                client.v1.payment_methods.attach(
                    payment_method,
                    params={"customer": customer_id},
                    options={"idempotency_key": recurring_gift_idempotency_key(gift, f"attach-{payment_method}")},
                )
                client.v1.customers.update(
                    customer_id,
                    params={"invoice_settings": {"default_payment_method": payment_method}},
                    options={"idempotency_key": recurring_gift_idempotency_key(gift, f"default-{payment_method}")},
                )
            # A Plan with its Product inline: one object per gift, since each donor chooses
            # the amount. (localstripe has Plans but no Prices; Stripe still accepts Plans.)
            plan = client.v1.plans.create(
                params={
                    "amount": stripe_amount(gift.amount),
                    "currency": stripe_currency(gift.amount),
                    "interval": "month",
                    "product": {"name": f"Monthly gift {gift.reference} to {gift.fund.code}"},
                    "metadata": {"recurring_gift": gift.reference},
                },
                options={"idempotency_key": recurring_gift_idempotency_key(gift, "plan")},
            )
            params = {
                "customer": customer_id,
                "items": [{"plan": plan.id}],
                "metadata": {"recurring_gift": gift.reference},
            }
            if payment_method:
                params["payment_behavior"] = "allow_incomplete"
            else:
                params["payment_behavior"] = "default_incomplete"
                params["payment_settings"] = {
                    "payment_method_types": ["card"],
                    "save_default_payment_method": "on_subscription",
                }
            subscription = client.v1.subscriptions.create(
                params=params, options={"idempotency_key": recurring_gift_idempotency_key(gift, "subscription")}
            )
            created = True
        intent = _first_payment_intent(client, subscription.latest_invoice)
    except stripe.StripeError as exc:
        logger.warning("Stripe: starting monthly gift %s failed: %s", gift.reference, exc)
        raise _unavailable() from exc
    if intent is None:
        logger.error("Stripe: monthly gift %s has no PaymentIntent for its first invoice", gift.reference)
        raise _unavailable()
    if created:
        with transaction.atomic():
            locked = RecurringGift.objects.select_for_update().get(pk=gift.pk)
            if not locked.stripe_subscription_id:
                locked.stripe_customer_id = customer_id
                locked.stripe_subscription_id = subscription.id
                locked.save(update_fields=["stripe_customer_id", "stripe_subscription_id"])
                audit_record(
                    actor=None,
                    action="recurring_gift.start",
                    obj=locked,
                    data={"subscription": subscription.id, "customer": customer_id},
                )
            gift.stripe_customer_id = locked.stripe_customer_id
            gift.stripe_subscription_id = locked.stripe_subscription_id
    return _start(intent)
