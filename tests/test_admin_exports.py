"""Back-office exports an accountant or auditor can work with: numbers as numbers, the currency
beside them, times in the centre's time zone; and never a child's sensitive fields."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest

from fund.services import donation_record

pytestmark = pytest.mark.django_db

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
EARLY = datetime.datetime(2026, 3, 4, 6, 0, tzinfo=VIETNAM)  # 23:00 UTC on the 3rd


@pytest.fixture
def gifts(fund, donor):
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="1900000", received_at=EARLY)
    donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="card",
        amount="25.50",
        currency="USD",
        exchange_rate="25400",
        received_at=EARLY,
    )


# DonationViewSet.list_export: the columns by position (headings are in the user's language).
RECEIVED, AMOUNT, CURRENCY = 1, 9, 10


def test_gifts_export_as_csv_with_plain_numbers_and_local_times(admin_client, gifts):
    response = admin_client.get("/admin/fund/gifts/?export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))[1:]
    by_currency = {row[CURRENCY]: row for row in rows}
    assert set(by_currency) == {"VND", "USD"}
    assert Decimal(by_currency["VND"][AMOUNT]) == Decimal("1900000")
    assert Decimal(by_currency["USD"][AMOUNT]) == Decimal("25.50")
    assert by_currency["VND"][RECEIVED] == "2026-03-04 06:00:00+07:00"


def test_gifts_export_as_xlsx_with_number_cells(admin_client, gifts):
    response = admin_client.get("/admin/fund/gifts/?export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = sorted(row[AMOUNT].value for row in sheet.iter_rows(min_row=2))
    assert all(isinstance(v, int | float | Decimal) for v in values), values  # number cells, not text
    assert [Decimal(str(v)) for v in values] == [Decimal("25.5"), Decimal("1900000")]
    assert {row[RECEIVED].value for row in sheet.iter_rows(min_row=2)} == {datetime.datetime(2026, 3, 4, 6, 0)}


def test_bank_transfers_and_postings_export_too(admin_client, gifts):
    for url in ("/admin/payments/bank-transfers/?export=csv", "/admin/fund/postings/?export=csv"):
        response = admin_client.get(url)
        assert response.status_code == 200, url


def test_case_files_have_no_export(admin_client):
    # A child's record is never exported from the back office.
    response = admin_client.get("/admin/care/people/?export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
