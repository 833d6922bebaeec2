"""The accountant's fund statement in a real browser, in Vietnamese: Reports > Fund statement,
one click on this year, the statement on screen with its check line, and the CSV downloaded."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from donors.services import donor_create
from fund.services import donation_record
from staff.services import roles_sync

from .conftest import admin_sign_in, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a long pass phrase for tests"  # noqa: S105 - test users only


def test_the_accountant_opens_this_years_statement_and_downloads_it(new_page, live_server, fund, screenshot_dir):
    roles_sync()
    accountant = get_user_model().objects.create_user(username="hoa", password=PASSWORD)
    accountant.groups.set(Group.objects.filter(name="Fund accountant"))
    company = donor_create(kind="organisation", name="Công ty TNHH Ví Dụ", email="vidu@example.org")
    donation_record(
        fund=fund, donor=company, kind="cash", channel="bank_transfer", amount="50000000", received_at=timezone.now()
    )
    year = timezone.localdate().year

    page = new_page()
    admin_sign_in(page, live_server.url, "hoa", PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"{live_server.url}/admin/reports/fund-statement/")
    page.get_by_role("link", name=t("vi", "Year %(year)s") % {"year": year}, exact=True).click()
    total = page.locator('tr[data-key="receipts.kind.total"]')
    expect(total).to_contain_text("50.000.000 ₫")
    expect(page.locator('tr[data-key="check.ledger"]')).to_contain_text("50.000.000 ₫")
    expect(page.get_by_role("heading", name=t("vi", "Fund statement"))).to_be_visible()
    page.locator('tr[data-key="check.reconciles"]').scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "fund-statement.png")

    with page.expect_download() as download:
        page.get_by_role("link", name=t("vi", "Download CSV")).click()
    assert download.value.suggested_filename == f"fund-statement-CPF-{year}0101-{year}1231.csv"
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(open(download.value.path()).read()))}
    assert Decimal(rows["check.closing"]["amount"]) == Decimal(rows["check.ledger"]["amount"]) == 50_000_000
