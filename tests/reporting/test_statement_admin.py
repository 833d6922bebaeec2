"""Reports > Fund statement: the accountant sees the statement and downloads it in each format,
with quarters and years one click away; a case worker is refused; no person's name is shown."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from fund.selectors import fund_balance
from staff.services import roles_sync

from .conftest import CASE_NUMBERS, CHILD_NAMES, GUARDIAN_NAME

pytestmark = pytest.mark.django_db
URL = "/admin/reports/fund-statement/"


def signed_in(role: str) -> Client:
    roles_sync()
    user = User.objects.create_user(role.lower().replace(" ", "_"), "x@example.org", "pw")
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def query(fund, period) -> dict:
    return {"fund": fund.pk, "date_from": period[0].isoformat(), "date_to": period[1].isoformat()}


def test_the_accountant_sees_the_statement_and_downloads_it(built_ledger, period):
    client = signed_in("Fund accountant")
    assert reverse("reporting_fund_statement") == URL
    response = client.get(URL, query(built_ledger, period))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-key="check.ledger"' in page and 'data-key="allocations.programme.orphan"' in page
    assert "6.760.000 ₫" in page or "6,760,000 ₫" in page
    assert not any(name in page for name in (*CHILD_NAMES, *CASE_NUMBERS, GUARDIAN_NAME))

    files = {}
    for file_format, content_type in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        download = client.get(f"{URL}{file_format}/", query(built_ledger, period))
        assert download.status_code == 200 and content_type in download["Content-Type"], file_format
        assert download["Content-Disposition"].startswith('attachment; filename="fund-statement-CPF-')
        assert f'href="{URL}{file_format}/?' in page  # the buttons on the screen
        files[file_format] = download.content
    assert files["pdf"].startswith(b"%PDF")
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(files["csv"].decode()))}
    assert Decimal(rows["check.ledger"]["amount"]) == fund_balance(built_ledger, as_of=period[1]).total.amount


def test_quarters_and_years_are_one_click_away(fund):
    client = signed_in("Auditor")
    response = client.get(URL, {"fund": fund.pk, "date_from": "2026-01-01", "date_to": "2026-12-31"})
    page = response.content.decode()
    for start, end in (
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
        ("2025-01-01", "2025-12-31"),
    ):
        assert f"?fund={fund.pk}&amp;date_from={start}&amp;date_to={end}" in page, (start, end)
    assert 'data-key="check.reconciles"' in page  # an empty year is still a statement
    # The bare screen shows the form and the shortcuts, and computes nothing yet.
    bare = client.get(URL).content.decode()
    assert "date_from=" in bare and "data-key=" not in bare


def test_a_period_backwards_is_refused_on_the_form(fund):
    client = signed_in("Fund manager")
    response = client.get(URL, {"fund": fund.pk, "date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert response.status_code == 200
    assert "data-key=" not in response.content.decode()
    assert response.context["form"].errors
    download = client.get(f"{URL}pdf/", {"fund": fund.pk, "date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert download["Content-Type"].startswith("text/html")  # the form again, not a file


@pytest.mark.parametrize("role", ["Case worker", "Content editor"])
def test_roles_without_the_permission_are_refused(fund, role):
    client = signed_in(role)
    for url in (URL, f"{URL}csv/"):
        response = client.get(url, {"fund": fund.pk, "date_from": "2026-01-01", "date_to": "2026-12-31"})
        assert response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")
    assert f'"url": "{URL}"' not in client.get("/admin/").content.decode()


def test_the_menu_offers_it_under_reports(fund):
    sidebar = signed_in("Fund accountant").get("/admin/").content.decode()
    assert f'"url": "{URL}"' in sidebar
