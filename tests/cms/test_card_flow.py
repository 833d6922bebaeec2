"""Card gifts through the public pages against localstripe: form -> pledge -> pay page with a
PaymentIntent -> paid -> thank-you page shows it received (asking Stripe if the webhook is late)."""

import re
from decimal import Decimal

from django.utils import translation

from cms.limits import wait_message
from fund.models import Donation, Posting, RecurringGift
from fund.selectors.ledger_checks import ledger_problems
from fund.services.donations import donation_receive
from payments.models import CardPayment

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

    # The donor left the pay page without paying: nothing was charged, and the page says so
    # once, with the way back, instead of waiting forever.
    thanks_url = response["Location"].replace("/pay/", "/thanks/")
    left = client.get(thanks_url).content.decode()
    assert 'data-status="pledged"' in left and 'data-state="not_completed"' in left
    assert "data-check-url" not in left
    assert f'href="{response["Location"]}"' in left
    assert 'http-equiv="refresh"' not in left

    localstripe.pay(payment.stripe_payment_intent_id)
    done = client.get(thanks_url).content.decode()
    assert 'data-status="received"' in done
    assert "data-check-url" not in done
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


def _card_pledge(client, donate_page):
    response = client.post(donate_page.url, gift_form(payment_method="card", amount="500.000"))
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"], response["Location"].replace("/pay/", "/thanks/")


def test_a_payment_stripe_has_not_confirmed_is_checked_without_reloading(client, donate_page, settings):
    """Card payments on, Stripe unreachable: the page cannot know yet, so it says it is
    waiting, offers a check, and leaves the checking to its script; no timed reload."""
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    _, thanks_url = _card_pledge(client, donate_page)
    donation = Donation.objects.get()
    CardPayment.objects.create(donation=donation, stripe_payment_intent_id="pi_waiting")
    html = client.get(thanks_url).content.decode()
    assert 'data-state="waiting"' in html
    status_url = thanks_url.replace("/thanks/", "/status/")
    assert f'data-check-url="{status_url}"' in html
    assert "cms/thanks.js" in html
    assert 'http-equiv="refresh"' not in html
    assert 'role="status"' in html  # announced by screen readers when the script changes it

    check = client.get(status_url)
    assert check["Cache-Control"] == "no-store"
    assert check.json()["state"] == "waiting" and check.json()["final"] is False
    donation_receive(donation=donation, received_at=donation.pledged_at, channel=Donation.Channel.CARD)
    result = client.get(status_url).json()
    assert (result["state"], result["status"], result["final"]) == ("received", "received", True)
    assert donation.reference in result["html"]


def test_checks_beyond_the_rate_limit_do_not_ask_stripe(client, donate_page, localstripe, settings):
    settings.GIFT_STATUS_RATE_IP = "2/h"
    pay_url, thanks_url = _card_pledge(client, donate_page)
    client.get(pay_url)  # the PaymentIntent exists
    intent_id = CardPayment.objects.get().stripe_payment_intent_id
    status_url = thanks_url.replace("/thanks/", "/status/")
    assert client.get(status_url).json()["state"] == "not_completed"  # asked Stripe (1 of 2)
    localstripe.pay(intent_id)
    assert client.get(status_url).json()["state"] == "received"  # asked Stripe (2 of 2)

    # A second gift, paid in Stripe while the limit is spent.
    pay_url, thanks_url = _card_pledge(client, donate_page)
    client.get(pay_url)
    second = CardPayment.objects.exclude(stripe_payment_intent_id=intent_id).get()
    localstripe.pay(second.stripe_payment_intent_id)
    # Paid in Stripe, but the limit is spent: the check reads our records only, and says "waiting"
    # until the webhook (or a later check) brings the news.
    limited = client.get(thanks_url.replace("/thanks/", "/status/")).json()
    assert (limited["state"], limited["final"]) == ("waiting", False)
    assert Donation.objects.get(pk=second.donation_id).status == Donation.Status.PLEDGED


def test_a_failed_card_payment_is_final_and_offers_the_pay_page(client, donate_page, localstripe):
    pay_url, thanks_url = _card_pledge(client, donate_page)
    client.get(pay_url)
    payment = CardPayment.objects.get()
    CardPayment.objects.filter(pk=payment.pk).update(status=CardPayment.Status.FAILED, last_error="Card declined.")
    html = client.get(thanks_url).content.decode()
    assert 'data-state="failed"' in html and "Card declined." in html
    assert f'href="{pay_url}"' in html and "data-check-url" not in html


def test_only_card_gifts_have_a_status_to_check(client, donate_page):
    response = client.post(donate_page.url, gift_form(payment_method="bank_transfer"))
    assert client.get(response["Location"].replace("/thanks/", "/status/")).status_code == 404


def test_pay_page_loads_are_limited_and_say_how_long_to_wait(client, donate_page, localstripe, settings):
    settings.PAY_RATE_IP = "2/h"
    pay_url, _ = _card_pledge(client, donate_page)
    for _ in range(2):
        assert "data-client-secret" in client.get(pay_url).content.decode()
    refused = client.get(pay_url).content.decode()
    assert "data-client-secret" not in refused
    with translation.override("vi"):  # the page's language; the rate is per hour, so: 1 hour
        assert wait_message(3600, "2/h") in refused
    assert CardPayment.objects.count() == 1  # reloads reuse the gift's one PaymentIntent
