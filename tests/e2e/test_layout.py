"""The donate page on a phone (375 x 740): no sideways scrolling in Vietnamese, English or Arabic,
and Arabic laid out right to left. Screenshots go to a temporary folder for a person to look at."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donors.services import donor_create
from fund.services import donation_record

from .conftest import PHONE, PREFIX, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Where the text of a label sits inside its field's box: (start gap, end gap) in CSS pixels.
TEXT_GAPS = """label => {
    const range = document.createRange();
    range.selectNodeContents(label);
    const text = range.getBoundingClientRect();
    const box = label.parentElement.getBoundingClientRect();
    return {left: text.left - box.left, right: box.right - text.right};
}"""


@pytest.mark.parametrize(("language", "direction"), [("vi", "ltr"), ("en", "ltr"), ("ar", "rtl")])
def test_donate_page_fits_a_phone_and_follows_the_script_direction(
    new_page, donate_url, screenshot_dir, language, direction
):
    page = new_page(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page.goto(donate_url(language))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)
    # Show the money part of the form (amounts, payment choices), as most donors see it.
    page.get_by_role("radio", name=t(language, "Money")).check()

    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{language}: page is {width[0]} px wide on a {width[1]} px screen"

    gaps = page.locator('label[for="id_email"]').evaluate(TEXT_GAPS)
    start, end = (gaps["right"], gaps["left"]) if direction == "rtl" else (gaps["left"], gaps["right"])
    assert start <= 2, f"{language}: label text starts {start} px from its field's {direction} edge"
    assert end > 50, f"{language}: label text is not aligned to the {direction} start ({gaps})"

    page.screenshot(path=screenshot_dir / f"donate-{language}-375.png", full_page=True, animations="disabled")


@pytest.mark.parametrize("language", ["vi", "en", "ar"])
def test_home_page_funds_table_fits_a_phone_without_sideways_scrolling(
    new_page, live_server, donate_page, screenshot_dir, language
):
    """The funds table has five columns: on a phone each fund becomes a block of labelled
    figures rather than a table to scroll sideways inside its box. The figures are as wide as
    the demo centre's (1.900.000.000 ₫), where the table first overflowed."""
    company = donor_create(kind="organisation", name="Công ty TNHH Ví Dụ", email="vidu@example.org")
    donation_record(
        fund=donate_page.get_parent().specific.fund,
        donor=company,
        kind="cash",
        channel="bank_transfer",
        amount="1900000000",
        received_at=timezone.now(),
    )
    page = new_page(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}{PREFIX[language]}/")
    table = page.locator("table.funds")
    expect(table).to_be_visible()
    overflow = table.evaluate(
        "t => { const box = t.closest('.table-scroll') || t.parentElement;"
        " return [box.scrollWidth, box.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; }"
    )
    assert overflow[0] <= overflow[1], f"{language}: funds table is {overflow[0]} px in a {overflow[1]} px box"
    assert overflow[2] <= overflow[3], f"{language}: page is {overflow[2]} px wide on a {overflow[3]} px screen"
    # Each figure says what it is, in the page's language.
    expect(table.locator("td").first).to_have_attribute("data-label", t(language, "Received"))
    page.screenshot(path=screenshot_dir / f"home-{language}-375.png", full_page=True, animations="disabled")
