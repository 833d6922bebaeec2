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

from ..errors import InvalidAmount
from ..money import currency_check, currency_exponent, money_parse

# Seconds: connect, then read. A donor waits on these calls, so fail fast and let the page
# offer a retry or a bank transfer rather than hang for Stripe's default 80 s.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
# stripe-python retries connection errors, 409s and 5xx with backoff; our idempotency keys make
# a retried POST return the first result instead of charging or creating twice.
MAX_NETWORK_RETRIES = 2


def stripe_enabled() -> bool:
    """Card payments are offered only when both keys are configured."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


_clients: dict[tuple[str, str], stripe.StripeClient] = {}


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account; ``STRIPE_API_BASE`` points it at a Stripe-compatible
    test server (localstripe) instead of api.stripe.com.

    Settings are read on each call (tests and the live test server change them); clients are
    reused per key and base so their connection pools are too."""
    key = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)
    client = _clients.get(key)
    if client is None:
        options = {}
        if settings.STRIPE_API_BASE:
            options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
        client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)),
            **options,
        )
        _clients[key] = client
    return client


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
