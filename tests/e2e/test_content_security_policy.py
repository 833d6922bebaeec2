"""The pay page's Content-Security-Policy at work in a real browser: Stripe.js (localstripe's
stand-in, from its own origin) and our script run, a script injected without the nonce does not,
nor an inline event handler or a script from an origin the page does not name; the browser
reports each refusal to /csp-report/, which logs it."""

import logging
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .conftest import t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

INJECT = """() => {
    const injected = document.createElement("script");
    injected.textContent = "window.__injected = true";
    document.head.appendChild(injected);

    const trusted = document.createElement("script");
    trusted.nonce = document.querySelector("script[nonce]").nonce;
    trusted.textContent = "window.__trusted = true";
    document.head.appendChild(trusted);

    document.body.setAttribute("onclick", "window.__handler = true");
    document.body.click();
    return {injected: window.__injected === true, trusted: window.__trusted === true,
            handler: window.__handler === true};
}"""
FOREIGN = """() => new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = "http://127.0.0.2:9/skim.js";
    script.onerror = () => resolve("refused");
    script.onload = () => resolve("loaded");
    document.head.appendChild(script);
})"""


@pytest.fixture
def pay_page(page, donate_url, localstripe, settings):
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    # Chromium delivers report-to reports in batches, up to a minute later; without report-to it
    # posts each one to report-uri at once (as Firefox and Safari do). The Reporting API's
    # format is tested on the endpoint itself (tests/test_csp_report.py).
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]}
    del directives["report-to"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    page.goto(donate_url("en"))
    page.get_by_role("radio", name=t("en", "Money")).check()
    page.get_by_label(t("en", "Other amount")).fill("500,000")
    page.get_by_role("radio", name=t("en", "Card (Visa, Mastercard, JCB)")).check()
    page.get_by_label(t("en", "Full name or organisation name")).fill("Trần Thị Bình")
    page.get_by_label(t("en", "Email"), exact=True).fill("binh@example.org")
    page.get_by_role("button", name=t("en", "Continue")).click()
    page.wait_for_url("**/pay/*/")
    # Stripe.js ran under the policy and mounted its card fields.
    expect(page.locator("#payment-element input").first).to_be_visible()
    return page


def _wait_for(found, predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not any(predicate(item) for item in found) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [item for item in found if predicate(item)]


def test_an_injected_script_without_the_nonce_is_blocked_and_reported(pay_page, csp_violations, caplog):
    caplog.set_level(logging.WARNING, logger="config.csp_report")
    assert pay_page.evaluate(INJECT) == {"injected": False, "trusted": True, "handler": False}
    with pytest.raises(PlaywrightError):  # Playwright's own way of adding a script fails the same way
        pay_page.add_script_tag(content="window.__added = true")
    assert pay_page.evaluate("window.__added") is None
    assert pay_page.evaluate(FOREIGN) == "refused"

    seen = {(item.get("directive"), item.get("blocked")) for item in csp_violations}
    assert ("script-src-elem", "inline") in seen
    assert ("script-src-attr", "inline") in seen
    assert ("script-src-elem", "http://127.0.0.2:9/skim.js") in seen
    assert all(item.get("disposition") == "enforce" for item in csp_violations if "directive" in item)

    logged = _wait_for(caplog.records, lambda record: record.name == "config.csp_report")
    assert logged, "no violation report reached /csp-report/"
    fields = logged[0].csp_violation
    assert fields["directive"].startswith("script-src")
    assert "/pay/:secret/" in fields["document"]  # the gift's token is not logged
    csp_violations.clear()  # provoked on purpose, and checked above
