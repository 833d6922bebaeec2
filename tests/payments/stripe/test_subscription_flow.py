"""The monthly-gift flow localstripe cannot run (``default_incomplete``: the browser confirms the
first invoice), checked against a recording stand-in for Stripe shaped like the current API,
where an invoice lists its PaymentIntent under ``payments``."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
import stripe
from djmoney.money import Money

from fund.models import RecurringGift
from payments.errors import PaymentUnavailable
from payments.services import card_payments
from payments.services.card_payments import recurring_gift_start


def obj(values: dict) -> stripe.StripeObject:
    return stripe.StripeObject.construct_from(values, "sk_test_fake")


class Recorder:
    """Answers one Stripe resource's calls and records them."""

    def __init__(self, calls: list, name: str, answers: dict):
        self.calls, self.name, self.answers = calls, name, answers

    def __getattr__(self, method):
        def call(*args, params=None, options=None):
            self.calls.append((f"{self.name}.{method}", args, params or {}, (options or {}).get("idempotency_key")))
            answer = self.answers[method]
            return obj(answer(*args, params or {}) if callable(answer) else answer)

        return call


def invoice(invoice_id, params):
    if "payments" in params.get("expand", []):
        payment = {"type": "payment_intent", "payment_intent": "pi_first"}
        return {"id": invoice_id, "payments": {"object": "list", "data": [{"payment": payment}]}}
    return {"id": invoice_id, "confirmation_secret": {"client_secret": "pi_first_secret_x"}}


@pytest.fixture
def fake_stripe(monkeypatch, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_fake", "pk_test_fake"
    calls: list = []
    resources = {
        "customers": {"create": {"id": "cus_1"}},
        "plans": {"create": {"id": "plan_1"}},
        "subscriptions": {"create": {"id": "sub_1", "customer": "cus_1", "latest_invoice": "in_1"}},
        "invoices": {"retrieve": invoice},
        "payment_intents": {"retrieve": {"id": "pi_first", "client_secret": "pi_first_secret_x"}},
    }
    v1 = SimpleNamespace(**{name: Recorder(calls, name, answers) for name, answers in resources.items()})
    monkeypatch.setattr(card_payments, "stripe_client", lambda: SimpleNamespace(v1=v1))
    return calls, resources


@pytest.fixture
def monthly_gift(fund, donor):
    return RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal("300000"), "VND"))


def test_without_a_card_the_subscription_waits_for_the_browser(fake_stripe, monthly_gift):
    calls, _ = fake_stripe
    start = recurring_gift_start(recurring_gift=monthly_gift)

    assert (start.payment_intent_id, start.client_secret, start.publishable_key) == (
        "pi_first",
        "pi_first_secret_x",
        "pk_test_fake",
    )
    ref = monthly_gift.reference
    by_name = {name: (params, key) for name, _, params, key in calls}
    assert by_name["customers.create"][1] == f"recurring-gift-{ref}-customer"
    plan, plan_key = by_name["plans.create"]
    assert plan_key == f"recurring-gift-{ref}-plan"
    assert (plan["amount"], plan["currency"], plan["interval"]) == (300000, "vnd", "month")
    subscription, subscription_key = by_name["subscriptions.create"]
    assert subscription_key == f"recurring-gift-{ref}-subscription"
    assert subscription["payment_behavior"] == "default_incomplete"
    assert subscription["payment_settings"] == {
        "payment_method_types": ["card"],
        "save_default_payment_method": "on_subscription",
    }
    assert subscription["items"] == [{"plan": "plan_1"}]
    assert subscription["metadata"] == {"recurring_gift": ref}
    monthly_gift.refresh_from_db()
    assert (monthly_gift.stripe_customer_id, monthly_gift.stripe_subscription_id) == ("cus_1", "sub_1")


def test_a_stripe_failure_half_way_stores_nothing(fake_stripe, monthly_gift):
    _, resources = fake_stripe

    def refuse(*args):
        raise stripe.APIConnectionError("network down")

    resources["subscriptions"]["create"] = refuse
    with pytest.raises(PaymentUnavailable):
        recurring_gift_start(recurring_gift=monthly_gift)
    monthly_gift.refresh_from_db()
    assert (monthly_gift.stripe_customer_id, monthly_gift.stripe_subscription_id) == ("", None)
