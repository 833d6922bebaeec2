"""A donor gives by card in the browser, in Vietnamese and in English, against localstripe end to
end: the donate page -> our PaymentIntent -> the card confirmed (with 3-D Secure, completed in
the browser by our pay page through localstripe's Stripe.js) -> localstripe's own signed webhook
-> the ledger -> the thank-you page showing the gift received."""

import contextlib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fund.models import Donation, Posting
from fund.selectors.ledger_checks import ledger_problems
from payments.models import CardPayment, StripeEvent
from tests.support.localstripe import CARD_3DS

from .conftest import in_own_thread, t, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def stripe_live(localstripe, live_server, settings):
    """Card payments switched on against localstripe, whose signed events reach the live server."""
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    localstripe.register_webhook(live_server.url + reverse("payments:stripe_webhook"))
    return localstripe


def processed_event(intent_id: str) -> StripeEvent | None:
    return (
        StripeEvent.objects.filter(
            type="payment_intent.succeeded", payload__data__object__id=intent_id, processed_at__isnull=False
        )
        .order_by("pk")
        .first()
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_card_gift_is_paid_confirmed_by_webhook_and_shown_received(page, donate_url, stripe_live, language):
    page.goto(donate_url(language))
    page.get_by_role("radio", name=t(language, "Money")).check()
    page.get_by_label(t(language, "Other amount")).fill("500.000")
    page.get_by_role("radio", name=t(language, "Card (Visa, Mastercard, JCB)")).check()
    page.get_by_label(t(language, "Full name or organisation name")).fill("Trần Thị Bình")
    page.get_by_label(t(language, "Email"), exact=True).fill("binh@example.org")
    page.get_by_role("button", name=t(language, "Continue")).click()

    # The pay page: our PaymentIntent exists and Stripe.js mounted its card element.
    page.wait_for_url("**/pay/*/")
    gift = Donation.objects.get()
    assert (gift.channel, gift.status, gift.amount.amount) == ("card", "pledged", Decimal("500000"))
    intent_id = CardPayment.objects.get(donation=gift).stripe_payment_intent_id
    form = page.locator("#payment-form")
    assert form.get_attribute("data-client-secret").startswith(intent_id + "_secret_")
    expect(page.locator("#payment-element input").first).to_be_visible()
    expect(page.locator(".summary")).to_contain_text(gift.reference)

    # What Stripe.js does with the card the donor types: a PaymentMethod, and the intent
    # confirmed with it. localstripe's stand-in cannot, so its API does; a 3-D Secure card
    # leaves the last step, the donor's authentication, to the browser.
    assert stripe_live.pay(intent_id, CARD_3DS)["status"] == "requires_action"

    # The thank-you page asks Stripe for the status itself when the webhook is late. Hold the
    # donor's return until the webhook has been processed, so the page shows what the webhook
    # wrote (the page-first order is tested in tests/payments/stripe).
    def after_webhook(route):
        with contextlib.suppress(AssertionError):  # reported below, where the event is asserted
            in_own_thread(
                lambda: wait_for(lambda: processed_event(intent_id), message="localstripe's payment_intent.succeeded")
            )
        route.continue_()

    page.route(re.compile(r".*/thanks/[^/]+/$"), after_webhook)
    pay = form.get_by_role("button")
    shown = "500.000 ₫" if language == "vi" else "500,000 ₫"  # grouped as the page's language groups
    expect(pay).to_contain_text(shown)
    pay.click()
    page.get_by_role("button", name="Complete authentication").click()  # localstripe's 3-D Secure

    page.wait_for_url("**/thanks/*/")
    status = page.locator(".gift-status")
    expect(status).to_have_attribute("data-status", "received")
    expect(status).to_contain_text(gift.reference)
    expect(status).to_contain_text(shown)
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)  # polling stopped

    event = processed_event(intent_id)
    assert event is not None, "localstripe's signed webhook never reached the live server"
    assert event.outcome.startswith(f"Gift {gift.reference} received ("), event.outcome  # not "already"
    gift.refresh_from_db()
    assert gift.status == Donation.Status.RECEIVED
    assert Posting.objects.filter(donation=gift).count() == 1
    assert Posting.objects.filter(donation=gift, kind=Posting.Kind.DONATION_RECEIVED).count() == 1
    assert ledger_problems().problems == []
