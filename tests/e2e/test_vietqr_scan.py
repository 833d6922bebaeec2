"""The VietQR code as a donor's banking app sees it: pledged through the form, drawn by Chromium
on the thank-you page at phone and desktop widths, photographed (screenshot) and read back by an
independent decoder (zbar). The payload the picture carries must be exactly the one we built.

Decoding the PNG that segno writes proves the payload; only this proves the page: an SVG with a
fixed size that CSS shrinks is cropped, not scaled, and a cropped code reads as nothing."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from djmoney.money import Money
from playwright.sync_api import expect

from fund.models import Donation
from payments.vietqr import vietqr_payload
from tests.support.qr import decode, quiet_zone_problems
from tests.support.site import BANK

from .conftest import t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# (viewport width, device scale factor): a small phone, a common phone, a laptop.
SCREENS = [(320, 3), (375, 2), (1280, 1)]
PRESETS = [200_000, 500_000, 1_000_000, 2_000_000]  # DonatePage's default presets
TYPED = [10_000, 1_234_567, 99_999_999, 1_000_000_000, 999_999_999_999]


def pledge(page, url: str, *, amount: int, preset: bool) -> Donation:
    """A bank-transfer pledge through the form, as a donor makes it; returns the new gift."""
    before = set(Donation.objects.values_list("pk", flat=True))
    page.goto(url)
    page.get_by_role("radio", name=t("vi", "Money")).check()
    if preset:
        page.locator(f'input[name="preset"][value="{amount}"]').check()
    else:
        page.get_by_label(t("vi", "Other amount")).fill(f"{amount:,}".replace(",", "."))
    page.get_by_role("radio", name=t("vi", "Bank transfer / VietQR")).check()
    page.get_by_label(t("vi", "Full name or organisation name")).fill("Trần Thị Bích")
    page.get_by_label(t("vi", "Email"), exact=True).fill("bich@example.org")
    page.get_by_role("button", name=t("vi", "Continue")).click()
    page.wait_for_load_state()
    if "/thanks/" not in page.url:
        errors = page.locator(".errors, .errors-summary").all_inner_texts()
        raise AssertionError(f"the pledge of {amount} was not taken: {errors}")
    (donation,) = Donation.objects.exclude(pk__in=before)
    return donation


@pytest.fixture(autouse=True)
def many_pledges(settings):
    """One donor here makes dozens of pledges in minutes, which the card-testing limits refuse."""
    settings.DONATE_RATE_IP = settings.DONATE_RATE_SESSION = "1000/m"


@pytest.fixture(scope="module")
def zbar():
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (make test does)")


@pytest.mark.parametrize(("width", "scale"), SCREENS, ids=[f"{w}px@{s}x" for w, s in SCREENS])
def test_every_amount_scans_from_the_page_at_this_width(
    new_page, donate_url, tmp_path, screenshot_dir, zbar, width, scale
):
    page = new_page(viewport={"width": width, "height": 800}, device_scale_factor=scale)
    cases = [(amount, True) for amount in PRESETS] + [(amount, False) for amount in TYPED]
    failures = []
    for amount, preset in cases:
        donation = pledge(page, donate_url("vi"), amount=amount, preset=preset)
        assert donation.amount == Money(Decimal(amount), "VND")
        expected = vietqr_payload(
            bank_bin=BANK["bank_bin"],
            account_number=BANK["bank_account_number"],
            note=donation.reference,
            amount=donation.amount,
        )
        figure = page.locator("figure.vietqr")
        code = figure.locator("svg")
        expect(code).to_be_visible()
        assert figure.get_attribute("data-payload") == expected
        # The code fits the screen: nothing of it lies outside the viewport or its figure.
        box = code.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (amount, box)
        assert abs(box["width"] - box["height"]) < 1, (amount, box)  # square, not squeezed
        assert box["width"] >= min(200, width - 60), (amount, box)  # big enough to aim a camera at
        picture = code.screenshot(animations="disabled")
        found = decode(picture, tmp_path)
        zone = quiet_zone_problems(picture, expected, tmp_path)
        if found != [expected] or zone:
            failures.append((amount, found, zone))
    page.screenshot(path=screenshot_dir / f"vietqr-thanks-{width}px.png", full_page=True)  # for a person to look at
    assert not failures, f"codes that did not scan back to their payload at {width}px: {failures}"


def test_a_code_too_large_for_an_amount_is_shown_without_one_and_says_so(page, donate_url, tmp_path, zbar):
    """EMVCo's amount field holds 13 characters. A larger pledge (an appeal-sized transfer) gets a
    code that fills in the account and reference, and words that ask for the amount."""
    amount = 12_000_000_000_000  # 14 digits
    donation = pledge(page, donate_url("vi"), amount=amount, preset=False)
    expected = vietqr_payload(
        bank_bin=BANK["bank_bin"], account_number=BANK["bank_account_number"], note=donation.reference
    )
    figure = page.locator("figure.vietqr")
    assert figure.get_attribute("data-payload") == expected
    assert decode(figure.locator("svg").screenshot(animations="disabled"), tmp_path) == [expected]
    expect(figure.locator("figcaption")).to_contain_text("12.000.000.000.000")
