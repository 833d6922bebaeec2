"""Card gifts through the public pages against localstripe: form -> pledge -> pay page with a
PaymentIntent -> paid -> thank-you page shows it received (asking Stripe if the webhook is late)."""

import re
from decimal import Decimal

from fund.models import CardPayment, Donation, Posting, RecurringGift
from fund.selectors.ledger_checks import ledger_problems

from .test_donate_flow import gift_form


def test_card_gift_pay_page_and_thanks(client, donate_page, localstripe, settings):
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    response = client.post(donate_page.url, gift_form(payment_method="card", amount="500.000", cover_fee="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "/pay/" in response["Location"]
    donation = Donation.objects.get()
    assert donation.channel == Donation.Channel.CARD
    assert donation.fee_cover > 0
    assert donation.amount.amount == Decimal("500000") + donation.fee_cover

    pay = client.get(response["Location"])
    html = pay.content.decode()
    assert pay.status_code == 200
    payment = CardPayment.objects.get(donation=donation)
    secret = re.search(r'data-client-secret="([^"]+)"', html).group(1)
    assert secret.startswith(payment.stripe_payment_intent_id + "_secret")
    assert 'data-publishable-key="pk_test_' in html
    assert f'src="{localstripe.url}/js.stripe.com/v3/"' in html
    # Reloading the pay page reuses the same PaymentIntent.
    client.get(response["Location"])
    assert CardPayment.objects.count() == 1

    thanks_url = response["Location"].replace("/pay/", "/thanks/")
    waiting = client.get(thanks_url).content.decode()
    assert 'data-status="pledged"' in waiting
    assert 'http-equiv="refresh"' in waiting

    localstripe.pay(payment.stripe_payment_intent_id)
    done = client.get(thanks_url).content.decode()
    assert 'data-status="received"' in done
    assert 'http-equiv="refresh"' not in done
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED
    assert Posting.objects.filter(donation=donation).count() == 1
    assert ledger_problems().problems == []


def test_monthly_gift_goes_to_the_pay_page(client, donate_page, fake_stripe):
    # localstripe cannot open a subscription that waits for the browser's first payment
    # (default_incomplete); a recording stand-in shaped like Stripe's current API answers instead.
    response = client.post(donate_page.url, gift_form(payment_method="card", frequency="monthly", amount="200.000"))
    assert response.status_code == 302, response.content.decode()[:3000]
    gift = RecurringGift.objects.get()
    assert gift.amount.amount == Decimal("200000")
    pay = client.get(response["Location"])
    assert pay.status_code == 200
    assert 'data-client-secret="pi_first_secret_x"' in pay.content.decode()
    gift.refresh_from_db()
    assert gift.stripe_subscription_id == "sub_1"
    calls, _ = fake_stripe
    assert [name for name, *_ in calls][:3] == ["customers.create", "plans.create", "subscriptions.create"]


def test_stripe_down_shows_a_clear_message_and_keeps_the_pledge(client, donate_page, localstripe, settings):
    response = client.post(donate_page.url, gift_form(payment_method="card"))
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    pay = client.get(response["Location"])
    html = pay.content.decode()
    assert pay.status_code == 200
    assert "data-client-secret" not in html
    assert 'role="alert"' in html
    assert Donation.objects.get().status == Donation.Status.PLEDGED
