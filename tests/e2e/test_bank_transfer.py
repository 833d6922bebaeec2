"""A donor pledges a bank transfer in the browser, in Vietnamese and in English, and gets the
details to pay it: bank account, amount, the reference for the transfer note and a VietQR code."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fund.models import Donation

from .conftest import t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_bank_transfer_pledge_shows_transfer_details_and_vietqr(page, donate_url, language):
    page.goto(donate_url(language))
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.get_by_role("radio", name=t(language, "Money")).check()
    page.get_by_label(t(language, "Other amount")).fill("500.000")
    page.get_by_role("radio", name=t(language, "Bank transfer / VietQR")).check()
    page.get_by_label(t(language, "Full name or organisation name")).fill("Nguyễn Văn An")
    page.get_by_label(t(language, "Email"), exact=True).fill("an@example.org")
    page.get_by_role("button", name=t(language, "Continue")).click()

    page.wait_for_url("**/thanks/*/")
    donation = Donation.objects.select_related("donor").get()
    assert donation.status == Donation.Status.PLEDGED
    assert donation.channel == Donation.Channel.BANK_TRANSFER
    assert donation.amount.amount == Decimal("500000")
    assert donation.donor.name == "Nguyễn Văn An"
    assert donation.donor.preferred_language == language  # the page's language is the default
    assert donation.reference not in page.url  # a signed token, not the bare code

    transfer = page.locator(".transfer")
    expect(transfer.locator("code.reference")).to_have_text(donation.reference)
    expect(transfer).to_contain_text("500.000 ₫" if language == "vi" else "500,000 ₫")
    expect(transfer).to_contain_text("0011001234567")
    qr = transfer.locator("figure.vietqr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] > 100 and box["height"] > 100, box  # big enough to scan
    assert donation.reference in transfer.locator("figure.vietqr").get_attribute("data-payload")
