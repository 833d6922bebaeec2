"""Amounts at the Stripe edge: integer minor units by the currency's exponent, never a float;
idempotency keys derived from our own records."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from djmoney.money import Money

from fund.errors import InvalidAmount, UnknownCurrency
from fund.models import Donation, RecurringGift
from payments.services.card_payments import payment_intent_idempotency_key, recurring_gift_idempotency_key
from payments.stripe_client import money_from_stripe, stripe_amount, stripe_currency

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("money", "minor"),
    [
        (Money(Decimal("500000"), "VND"), 500000),
        (Money(Decimal("1"), "VND"), 1),
        (Money(Decimal("999999999999999"), "VND"), 999999999999999),
        (Money(Decimal("12.34"), "USD"), 1234),
        (Money(Decimal("12.30"), "USD"), 1230),
        (Money(Decimal("0.01"), "USD"), 1),
        (Money(Decimal("20"), "USD"), 2000),
    ],
)
def test_minor_units_by_exponent(money, minor):
    amount = stripe_amount(money)
    assert amount == minor
    assert type(amount) is int
    assert money_from_stripe(minor, stripe_currency(money)) == money


def test_currency_goes_to_stripe_in_lower_case():
    assert stripe_currency(Money(Decimal("1"), "VND")) == "vnd"
    assert stripe_currency(Money(Decimal("1"), "USD")) == "usd"


def test_more_decimals_than_the_currency_has_are_refused():
    with pytest.raises(InvalidAmount):
        stripe_amount(Money(Decimal("100.5"), "VND"))
    with pytest.raises(InvalidAmount):
        stripe_amount(Money(Decimal("1.001"), "USD"))


@pytest.mark.parametrize("amount", [12.34, "1234", Decimal("1234"), True, None])
def test_stripe_amounts_must_be_integers(amount):
    with pytest.raises(InvalidAmount):
        money_from_stripe(amount, "usd")


@pytest.mark.parametrize(("amount", "currency"), [(0, "vnd"), (-5, "usd")])
def test_stripe_amounts_must_be_positive(amount, currency):
    with pytest.raises(InvalidAmount):
        money_from_stripe(amount, currency)


def test_unknown_stripe_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        money_from_stripe(100, "eur")


def test_idempotency_keys_derive_from_our_records():
    gift = Donation(reference="CTABCDEFGH")
    monthly = RecurringGift(reference="CTMNPQRSTU")
    assert payment_intent_idempotency_key(gift) == "donation-CTABCDEFGH-payment-intent"
    assert payment_intent_idempotency_key(gift) == payment_intent_idempotency_key(Donation(reference="CTABCDEFGH"))
    assert recurring_gift_idempotency_key(monthly, "subscription") == "recurring-gift-CTMNPQRSTU-subscription"


@pytest.mark.parametrize(
    "path",
    [
        "payments/stripe_client.py",
        "payments/stripe_webhook.py",
        "payments/services/card_payments.py",
        "payments/services/stripe_events.py",
    ],
)
def test_no_float_in_the_card_payment_code(path):
    """No float literal, float() call or true division on amounts anywhere in this code."""
    tree = ast.parse((REPO / path).read_text())
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), f"float literal in {path}"
        assert not (isinstance(node, ast.Name) and node.id == "float"), f"float() in {path}"
        assert not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Div), f"division in {path}"
