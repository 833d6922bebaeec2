"""A donor asks for a sign-in link, opens it from the email, confirms, sees the receipt and
downloads its PDF, in a real browser against the live server."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from donors.services import donor_create
from fund.services import donation_record
from receipts.models import Receipt

from .conftest import PREFIX, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LINK = re.compile(r"https?://\S+/receipts/portal/sign-in/[A-Za-z0-9_-]+/")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_donor_signs_in_by_email_and_downloads_a_receipt(page, live_server, fund, language, tmp_path):
    donor = donor_create(kind="person", name="Võ Thị Lan", email="lan@example.org", preferred_language=language)
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="2500000", received_at=timezone.now())
    receipt = Receipt.objects.get(donor=donor)
    mail.outbox.clear()

    page.goto(f"{live_server.url}{PREFIX[language]}/receipts/portal/")
    page.get_by_label(t(language, "Email address")).fill("LAN@example.org")
    page.get_by_role("button", name=t(language, "Email me a sign-in link")).click()
    expect(page.get_by_role("status")).to_contain_text("LAN@example.org")

    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(0)
    path = urlsplit(link).path
    assert path.startswith(f"{PREFIX[language]}/receipts/portal/sign-in/")
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("button", name=t(language, "Sign in")).click()

    page.wait_for_url("**/receipts/portal/receipts/")
    expect(page.get_by_text("lan@example.org")).to_be_visible()  # greeted by the address on file
    row = page.locator(f'tr[data-number="{receipt.number}"]')
    expect(row).to_contain_text("2.500.000 ₫" if language == "vi" else "2,500,000 ₫")  # the page's separators
    expect(row).to_contain_text(t(language, "Valid"))
    with page.expect_download() as download_info:
        row.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename == f"{receipt.number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # The link worked once: opened again, it says so and offers a new one.
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_role("button", name=t(language, "Sign in")).count() == 0

    page.goto(f"{live_server.url}{PREFIX[language]}/receipts/portal/receipts/")
    page.get_by_role("button", name=t(language, "Sign out")).click()
    expect(page.get_by_label(t(language, "Email address"))).to_be_visible()
