"""The payment pages' scripts and the origins their policy allows, against the inventory of
docs/payment-page-scripts.md (PCI DSS v4.0.1 requirement 6.4.3: every script on a payment page
authorised, and why it is there; 11.6.1: a change to the page's headers noticed).

A new <script>, an inline script, an event-handler attribute, or a new origin in the pay page's
policy fails here: add it to the inventory (and the document, which says why) on purpose, or
take it out."""

from pathlib import Path

import pytest
from django.templatetags.static import static
from django.test import Client

from fund.models import Donation
from payments.models import CardPayment
from tests.support.csp import header_nonce, markup, policy

from .test_donate_flow import gift_form

DOC = Path(__file__).resolve().parents[2] / "docs" / "payment-page-scripts.md"
STRIPE_JS = "https://js.stripe.com/v3/"

# Our scripts on each payment page (static paths), and Stripe.js on the pay page alone.
OUR_SCRIPTS = {
    "donate form": {"cms/donate.js"},
    "pay page": {"cms/pay.js"},
    "thank-you page, card gift being confirmed": {"cms/thanks.js"},
    "thank-you page, bank transfer": set(),
}
# What the pay page's policy allows beyond our own origin, with Stripe's real Stripe.js.
STRIPE_SOURCES = {
    "script-src": {"https://js.stripe.com", "https://*.js.stripe.com"},
    "frame-src": {"https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"},
    "connect-src": {"https://api.stripe.com"},
}
# The site's own sources on every public page (config/settings/csp.py).
OWN = {"script-src": {"'self'", "'report-sample'"}, "frame-src": {"'none'"}, "connect-src": {"'self'"}}
FIXED = {
    "default-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _pay_page(client, donate_page):
    response = client.post(donate_page.url, gift_form(payment_method="card", amount="500.000"))
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]), response["Location"].replace("/pay/", "/thanks/")


def _scripts_and_nonce(response) -> tuple[set[str], str | None]:
    page = markup(response.content.decode())
    nonce = header_nonce(response["Content-Security-Policy"])
    assert not [script for script in page.scripts if script["inline"].strip()], "an inline script"
    assert page.handlers == [], f"event-handler attributes: {page.handlers}"
    assert page.styles == [] and page.style_elements == 0, "inline styles"
    assert all(script.get("nonce") == nonce for script in page.scripts), "a script without this response's nonce"
    return {script["src"] for script in page.scripts}, nonce


def _assert_policy(response, *, nonce: str | None, extra: dict[str, set[str]]):
    directives = policy(response["Content-Security-Policy"])
    expected_frames = extra.get("frame-src") or OWN["frame-src"]
    nonces = {f"'nonce-{nonce}'"} if nonce else set()
    assert set(directives["script-src"]) == OWN["script-src"] | nonces | extra.get("script-src", set())
    assert set(directives["connect-src"]) == OWN["connect-src"] | extra.get("connect-src", set())
    assert set(directives["frame-src"]) == expected_frames
    assert {name: directives[name] for name in FIXED} == FIXED
    assert set(directives) == set(FIXED) | {"script-src", "connect-src", "frame-src", "report-uri", "report-to"}


def test_the_pay_page_with_stripe_js_runs_exactly_the_inventoried_scripts_and_origins(
    client, donate_page, localstripe, settings
):
    settings.STRIPE_JS_URL = STRIPE_JS  # what production loads; the page is not run here
    pay, _ = _pay_page(client, donate_page)
    assert pay.status_code == 200 and b"data-client-secret" in pay.content
    sources, nonce = _scripts_and_nonce(pay)
    assert sources == {STRIPE_JS} | {static(path) for path in OUR_SCRIPTS["pay page"]}
    _assert_policy(pay, nonce=nonce, extra=STRIPE_SOURCES)
    features = dict(item.split("=", 1) for item in pay["Permissions-Policy"].split(", "))
    assert features["payment"] == '(self "https://js.stripe.com")'  # Apple Pay, Google Pay in Stripe's frame
    assert features["camera"] == "()"


def test_a_stand_in_stripe_js_gets_its_own_origin_and_nothing_of_stripe(client, donate_page, localstripe, settings):
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    pay, _ = _pay_page(client, donate_page)
    sources, nonce = _scripts_and_nonce(pay)
    assert sources == {settings.STRIPE_JS_URL, static("cms/pay.js")}
    origin = {localstripe.url}
    _assert_policy(pay, nonce=nonce, extra={"script-src": origin, "connect-src": origin, "frame-src": origin})
    assert "stripe.com" not in pay["Content-Security-Policy"]


def test_a_pay_page_that_cannot_start_a_payment_loads_no_stripe_js(client, donate_page, localstripe, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable: the page shows an error
    pay, _ = _pay_page(client, donate_page)
    sources, nonce = _scripts_and_nonce(pay)
    assert sources == set() and nonce is None
    _assert_policy(pay, nonce=None, extra={})
    assert "payment=()" in pay["Permissions-Policy"]


@pytest.mark.parametrize("cached", [False, True])
def test_the_donate_form_runs_only_its_own_script(donate_page, settings, cached):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60 if cached else 0
    Client().get(donate_page.url)
    response = Client().get(donate_page.url)
    assert response.get("X-Page-Cache") == ("hit" if cached else None)
    sources, nonce = _scripts_and_nonce(response)
    assert sources == {static(path) for path in OUR_SCRIPTS["donate form"]}
    _assert_policy(response, nonce=nonce, extra={})


def test_the_thank_you_pages_run_only_their_own_script(client, donate_page, settings):
    transfer = client.post(donate_page.url, gift_form(), follow=True)
    sources, nonce = _scripts_and_nonce(transfer)
    assert sources == set() and nonce is None
    _assert_policy(transfer, nonce=None, extra={})

    # A card gift Stripe has not confirmed yet: the page checks its status with its script.
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    response = client.post(donate_page.url, gift_form(payment_method="card"))
    donation = Donation.objects.filter(channel=Donation.Channel.CARD).get()
    CardPayment.objects.create(donation=donation, stripe_payment_intent_id="pi_waiting")
    waiting = client.get(response["Location"].replace("/pay/", "/thanks/"))
    sources, nonce = _scripts_and_nonce(waiting)
    assert sources == {static(path) for path in OUR_SCRIPTS["thank-you page, card gift being confirmed"]}
    _assert_policy(waiting, nonce=nonce, extra={})


def test_the_inventory_document_names_every_script_and_origin():
    text = DOC.read_text()
    for page, scripts in OUR_SCRIPTS.items():
        assert page in text, page
        for path in scripts:
            assert path in text, path
    for sources in STRIPE_SOURCES.values():
        for source in sources:
            assert source in text, source
    assert STRIPE_JS in text and "6.4.3" in text
