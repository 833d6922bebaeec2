"""The one place that talks to Stripe: configuration, the client, and amounts at the edge.

Amounts leave and enter this platform as Decimal with a currency; Stripe counts integer minor
units (VND has none, so 500000 VND is 500000; USD has cents, so 12.34 USD is 1234). The
conversion happens here and nowhere else, by the currency's exponent.
"""

from __future__ import annotations

from decimal import Decimal

import stripe
from django.conf import settings
from djmoney.money import Money

from fund.errors import InvalidAmount
from fund.money import currency_check, currency_exponent, money_parse

# Seconds: connect, then read. A donor waits on these calls, so fail fast and let the page
# offer a retry or a bank transfer rather than hang for Stripe's default 80 s.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
# stripe-python retries connection errors, 409s and 5xx with backoff; our idempotency keys make
# a retried POST return the first result instead of charging or creating twice.
MAX_NETWORK_RETRIES = 2
# Lookups made while a webhook waits (which invoice a payment paid, and the reverse). Stripe
# does not publish how long it waits for our answer, so ask briefly and once more on a network
# error; if Stripe still cannot be reached the event waits for a retry (StripeLookupFailed).
LOOKUP_CONNECT_TIMEOUT = 3
LOOKUP_READ_TIMEOUT = 8
LOOKUP_NETWORK_RETRIES = 1


class StripeLookupFailed(Exception):
    """Stripe could not be asked (network, outage, rate limit, bad key). Not a FundError: the
    answer would change on a retry, so the event is kept waiting rather than refused."""


def stripe_enabled() -> bool:
    """Card payments are offered only when both keys are configured."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


_clients: dict[tuple[str, str, str], stripe.StripeClient] = {}


def _client(purpose: str, *, timeout: tuple[int, int], retries: int) -> stripe.StripeClient:
    key = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, purpose)
    client = _clients.get(key)
    if client is None:
        options = {}
        if settings.STRIPE_API_BASE:
            options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
        client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            max_network_retries=retries,
            http_client=stripe.RequestsClient(timeout=timeout),
            **options,
        )
        _clients[key] = client
    return client


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account; ``STRIPE_API_BASE`` points it at a Stripe-compatible
    test server (localstripe) instead of api.stripe.com.

    Settings are read on each call (tests and the live test server change them); clients are
    reused per key and base so their connection pools are too."""
    return _client("pay", timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), retries=MAX_NETWORK_RETRIES)


def stripe_lookup_client() -> stripe.StripeClient:
    """The client for read-only lookups made while a webhook waits: shorter timeouts."""
    return _client("lookup", timeout=(LOOKUP_CONNECT_TIMEOUT, LOOKUP_READ_TIMEOUT), retries=LOOKUP_NETWORK_RETRIES)


# --- lookups for webhook events ------------------------------------------------------------
# From API version 2025-03-31 an invoice no longer names its PaymentIntent or charge, and a
# PaymentIntent or charge no longer names its invoice; the link is an InvoicePayment, which
# webhook payloads do not include. These read it. Reads only, so no idempotency key.


def _payment_of(item: dict) -> dict:
    """One InvoicePayment, as the fields our records use."""
    payment = item.get("payment") or {}
    intent = payment.get("payment_intent")
    charge = payment.get("charge")
    invoice = item.get("invoice")
    return {
        "invoice_payment": item.get("id"),
        "invoice": invoice.get("id") if isinstance(invoice, dict) else invoice,
        "type": payment.get("type"),
        "payment_intent": intent.get("id") if isinstance(intent, dict) else intent,
        "charge": charge.get("id") if isinstance(charge, dict) else charge,
        "status": item.get("status"),
        "amount_paid": item.get("amount_paid"),
        "currency": item.get("currency"),
    }


def stripe_invoice_payments(*, invoice_id: str) -> list[dict]:
    """The payments of an invoice (``GET /v1/invoice_payments?invoice=``), paid ones first."""
    try:
        page = stripe_lookup_client().v1.invoice_payments.list(params={"invoice": invoice_id, "limit": 20})
    except stripe.StripeError as exc:
        raise StripeLookupFailed(f"Stripe could not list the payments of invoice {invoice_id}: {exc}") from exc
    payments = [_payment_of(item) for item in (page.to_dict().get("data") or [])]
    return sorted(payments, key=lambda payment: payment["status"] != "paid")


def stripe_invoice_paid_by(*, payment_intent_id: str) -> tuple[dict | None, dict | None]:
    """The InvoicePayment through which a PaymentIntent paid an invoice, and that invoice as
    Stripe has it now (expanded in the same call), or (None, None) if it paid no invoice."""
    try:
        page = stripe_lookup_client().v1.invoice_payments.list(
            params={
                "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                "limit": 1,
                "expand": ["data.invoice"],
            }
        )
    except stripe.StripeError as exc:
        raise StripeLookupFailed(
            f"Stripe could not say which invoice PaymentIntent {payment_intent_id} paid: {exc}"
        ) from exc
    items = page.to_dict().get("data") or []
    if not items:
        return None, None
    invoice = items[0].get("invoice")
    return _payment_of(items[0]), invoice if isinstance(invoice, dict) else None


def stripe_invoice(*, invoice_id: str) -> dict:
    """An invoice as Stripe has it now, in our pinned API version's shape."""
    try:
        return stripe_lookup_client().v1.invoices.retrieve(invoice_id).to_dict()
    except stripe.StripeError as exc:
        raise StripeLookupFailed(f"Stripe could not retrieve invoice {invoice_id}: {exc}") from exc


# The two refusals below guard our own conversion at the edge (an amount already checked, or what
# Stripe sent): no person can fix them, so they stay English, like the log they end up in.
def stripe_amount(money: Money) -> int:
    """Stripe's integer minor units for an amount, by the currency's exponent."""
    exponent = currency_exponent(money.currency.code)
    minor = money.amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise InvalidAmount(f"{money} has more decimals than {money.currency.code} has minor units.")
    return int(minor)


def money_from_stripe(amount: int, currency: str) -> Money:
    """The amount Stripe reports (integer minor units, lower-case currency) as Money."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount(f"Stripe amounts are integers of minor units, not {amount!r}.")
    code = currency_check(currency)
    return money_parse(Decimal(amount).scaleb(-currency_exponent(code)), code)


def stripe_currency(money: Money) -> str:
    return money.currency.code.lower()
