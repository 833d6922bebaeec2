"""A donor pledges goods in the browser: the money fields are hidden and not sent, the goods
lines are, even after the form came back once with an error."""

import pytest
from playwright.sync_api import expect

from fund.models import Donation

from .conftest import t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_goods_pledge_after_a_refused_money_attempt(page, donate_url):
    language = "en"
    page.goto(donate_url(language))
    # First a money gift with no amount: the form comes back with an error.
    page.get_by_role("radio", name=t(language, "Money")).check()
    page.get_by_label(t(language, "Full name or organisation name")).fill("Phạm Thị Hoa")
    page.get_by_label(t(language, "Email"), exact=True).fill("hoa@example.org")
    page.get_by_role("radio", name=t(language, "Other")).check()
    page.get_by_role("button", name=t(language, "Continue")).click()
    expect(page.locator("#form-errors")).to_be_visible()

    # Then goods instead.
    page.get_by_role("radio", name=t(language, "Goods (food, clothes, medicine…)")).check()
    line = page.locator(".lines .line").first
    line.get_by_label(t(language, "What")).fill("Sữa bột")
    line.get_by_label(t(language, "Quantity")).fill("20")
    line.get_by_label(t(language, "Unit")).fill("hộp")
    line.get_by_label(t(language, "Estimated value (VND)")).fill("6.000.000")
    page.get_by_role("button", name=t(language, "Continue")).click()

    page.wait_for_url("**/thanks/*/")
    donation = Donation.objects.get()
    assert donation.kind == Donation.Kind.IN_KIND
    assert donation.status == Donation.Status.PLEDGED
    assert [(line.description, line.fair_value) for line in donation.lines.all()] == [("Sữa bột", 6000000)]
    expect(page.locator(".gift-status")).to_contain_text(donation.reference)
