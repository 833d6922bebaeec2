"""The card thank-you page while Stripe has not confirmed a payment: it never reloads itself
(WCAG 2.2.1), checks a bounded number of times, and writes the news into a live region that
screen readers announce. The browser's clock is Playwright's, so minutes pass in milliseconds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cms.models.donate import gift_token
from fund.models import Donation
from fund.services.donations import donation_receive
from fund.services.giving import gift_pledge

from .conftest import in_own_thread, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def let_time_pass(page, seconds: int, *, step: int = 1) -> None:
    """Move the page's clock on in steps, giving each check's request real time to come back
    (the next check is only scheduled when the last one has answered)."""
    for _ in range(0, seconds, step):
        page.clock.run_for(step * 1000)
        page.wait_for_timeout(40)


def let_time_pass_until(page, selector: str, *, at_most: int) -> None:
    """Move the page's clock on a second at a time until ``selector`` is on the page. On a busy
    machine a check's answer can take longer than the real pause between steps, which delays
    the next check in the page's time; the bound keeps a page that never stops a failure."""
    for _ in range(at_most):
        if page.locator(selector).count():
            return
        let_time_pass(page, 1)


@pytest.fixture
def card_gift(fund):
    return gift_pledge(
        fund=fund,
        donor={"name": "Lê Văn Cường", "email": "cuong@example.org"},
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CARD,
        amount="300000",
        currency="VND",
    )


@pytest.fixture
def thanks_url(live_server, donate_page, card_gift):
    token = gift_token("d", card_gift.reference)
    return lambda language="vi": (
        f"{live_server.url}{'' if language == 'vi' else '/' + language}{donate_page.url}thanks/{token}/"
    )


def test_checks_a_few_times_then_stops_and_leaves_the_choice_to_the_donor(new_page, thanks_url, screenshot_dir):
    page = new_page(viewport={"width": 320, "height": 640}, device_scale_factor=2)
    checks = []
    page.on("request", lambda request: checks.append(request.url) if "/status/" in request.url else None)
    page.clock.install()
    page.goto(thanks_url("en"))
    region = page.locator(".gift-status")
    expect(region).to_have_attribute("role", "status")
    expect(region).to_have_attribute("data-state", "waiting")
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    let_time_pass(page, 50)  # every automatic check is due by now (2 + 3 + 5 + 8 + 12 + 20 s)
    let_time_pass_until(page, ".gift-status [data-stopped]", at_most=5 * 60)
    expect(region.locator("[data-stopped]")).to_be_visible()
    page.screenshot(path=screenshot_dir / "card-thanks-stopped-320px.png", full_page=True)
    count = len(checks)
    assert count == 6, checks
    let_time_pass(page, 30 * 60, step=60)  # half an hour more: nothing
    assert len(checks) == count
    assert page.evaluate("window.__notReloaded") is True

    with page.expect_request(lambda request: "/status/" in request.url):
        page.get_by_role("link", name=t("en", "Check again")).click()
    assert len(checks) == count + 1
    expect(region).to_have_attribute("data-state", "waiting")
    expect(region.locator("[data-stopped]")).to_have_count(0)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_news_is_announced_in_the_page_when_the_payment_is_confirmed(page, thanks_url, card_gift, language):
    page.clock.install()
    page.goto(thanks_url(language))
    region = page.locator(".gift-status")
    expect(region).to_have_attribute("data-state", "waiting")
    page.evaluate("window.__notReloaded = true")

    # Stripe's webhook arrives while the donor looks at the page.
    def receive():
        gift = Donation.objects.get(pk=card_gift.pk)
        donation_receive(donation=gift, received_at=gift.pledged_at, channel=Donation.Channel.CARD)

    in_own_thread(receive)
    let_time_pass(page, 10)
    expect(region).to_have_attribute("data-state", "received")
    expect(region).to_have_attribute("data-status", "received")
    expect(region).to_contain_text(card_gift.reference)
    expect(page.locator("[data-check-again]")).to_be_hidden()
    assert page.evaluate("window.__notReloaded") is True


def test_without_the_script_the_page_offers_a_check_and_never_reloads(new_page, thanks_url):
    page = new_page(java_script_enabled=False)
    page.goto(thanks_url("en"))
    expect(page.locator(".gift-status")).to_have_attribute("data-state", "waiting")
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    link = page.get_by_role("link", name=t("en", "Check again"))
    expect(link).to_be_visible()
    link.click()
    page.wait_for_load_state()
    expect(page.locator(".gift-status")).to_have_attribute("data-state", "waiting")
