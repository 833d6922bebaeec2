"""The donate page on a phone (375 x 740): no sideways scrolling in Vietnamese, English or Arabic,
and Arabic laid out right to left. Screenshots go to a temporary folder for a person to look at."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, t

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
