"""Reports > Gifts: the gifts received in a period with their totals per currency, narrowed by
the filters, exported as CSV and XLSX with numbers and dates; refused without fund.view_donation."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fund.models import Donation
from fund.services import donation_record
from reporting.reports.gifts import GiftsReport
from staff.services import roles_sync
from tests.support.roles import role_client

from .conftest import at_noon, days_ago
from .report_helpers import ANY_TIME, assert_refused, by_field, csv_rows, menu_shows, page_queries, vi, xlsx_rows

pytestmark = pytest.mark.django_db
URL = "/admin/reports/gifts/"


@pytest.fixture
def accountant():
    roles_sync()
    return role_client("Fund accountant", "accountant")[0]


def period(days: int = 200) -> dict:
    return {**ANY_TIME, "date_from": days_ago(days).isoformat(), "date_to": timezone.localdate().isoformat()}


def references(response) -> list[str]:
    return [gift.reference for gift in response.context["object_list"]]


def test_the_gifts_of_a_period_and_their_totals(accountant, built_ledger):
    response = accountant.get(URL, period())
    assert response.status_code == 200
    gifts = list(response.context["object_list"])
    # Five gifts received in the period (the opening gift is before it), newest first.
    assert [(g.kind, g.fund_amount, g.status) for g in gifts] == [
        ("cash", Decimal("200000.00"), "refunded"),
        ("supplies", Decimal("500000.00"), "received"),
        ("in_kind", Decimal("400000.00"), "received"),
        ("scholarship", Decimal("3000000.00"), "received"),
        ("cash", Decimal("5000000.00"), "received"),
    ]
    totals = dict(response.context["totals"])
    assert [(line["currency"], line["amount"]) for line in next(iter(totals.values()))] == [
        ("VND", Decimal("9100000.00"))
    ]
    page = response.content.decode()
    assert 'data-total="VND"' in page and "Công ty TNHH Ví Dụ" in page and "Trần Thị Demo" in page


def test_filters_narrow_the_gifts(accountant, built_ledger, organisation):
    def kinds(**params):
        return [g.kind for g in accountant.get(URL, {**period(), **params}).context["object_list"]]

    assert kinds(kind="cash") == ["cash", "cash"]
    assert kinds(channel="in_kind_delivery") == ["supplies", "in_kind"]
    assert kinds(donor_kind="organisation") == ["supplies", "scholarship", "cash"]
    assert kinds(status="refunded") == ["cash"]
    assert kinds(fund=built_ledger.pk, date_from=days_ago(175).isoformat()) == ["cash", "supplies", "in_kind"]
    assert kinds(**{**ANY_TIME, "period": "this_month"}) == []  # the fixture's gifts are months old
    # The opening gift, 300 days ago, is there for all time.
    assert len(kinds(**ANY_TIME)) == 6
    totals = dict(accountant.get(URL, {**period(), "kind": "cash"}).context["totals"])
    assert [line["amount"] for line in next(iter(totals.values()))] == [Decimal("5200000.00")]


def test_a_mistyped_day_shows_no_gift_rather_than_all(accountant, built_ledger):
    response = accountant.get(URL, {**period(), "date_from": "31/31/2025"})
    assert list(response.context["object_list"]) == []
    assert [lines for _label, lines in response.context["totals"]] == [[], []]
    assert len(by_field(csv_rows(accountant, URL, {**period(), "date_from": "31/31/2025"}), GiftsReport)) == 0


def test_the_bare_report_shows_this_month(accountant, fund, donor):
    today = timezone.localdate()
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="70000", received_at=timezone.now())
    if today.day > 1:  # a gift of the month before is not this month's
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="cash", amount="90000", received_at=at_noon(last_month)
        )
    response = accountant.get(URL)
    assert [g.fund_amount for g in response.context["object_list"]] == [Decimal("70000.00")]
    presets = accountant.get(URL, {**ANY_TIME, "period": "last_month"}).context["object_list"]
    assert [g.fund_amount for g in presets] == ([Decimal("90000.00")] if today.day > 1 else [])


def test_a_gift_in_another_currency_counts_at_its_recorded_rate(accountant, fund, donor):
    donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="card",
        amount="25.50",
        currency="USD",
        exchange_rate="25400.5",
        received_at=timezone.now(),
    )
    response = accountant.get(URL)
    (gift,) = response.context["object_list"]
    assert gift.fund_amount == gift.fund_value.amount == Decimal("647713")  # 25.50 × 25400.5, rounded
    totals = [[(line["currency"], line["amount"]) for line in lines] for _label, lines in response.context["totals"]]
    assert totals == [[("VND", Decimal("647713"))], [("USD", Decimal("25.50"))]]


def test_csv_and_xlsx_read_back_with_numbers_and_dates(accountant, built_ledger):
    rows = by_field(csv_rows(accountant, URL, period()), GiftsReport)
    assert len(rows) == 5
    first = rows[0]
    assert first["reference"] and first["donor.name"] == "Trần Thị Demo"
    assert first["received_on"] == days_ago(150).isoformat()
    assert (first["fund_amount"], first["fund.currency"]) == ("200000.00", "VND")
    assert first["get_status_display"] == vi(Donation.Status.REFUNDED.label)
    assert sum(Decimal(row["fund_amount"]) for row in rows) == Decimal(9_100_000)

    (gift,) = by_field(xlsx_rows(accountant, URL, {**period(), "kind": "scholarship"}), GiftsReport)
    assert gift["fund_amount"] == 3_000_000 and isinstance(gift["fund_amount"], int | float)
    assert gift["amount.amount"] == 3_000_000 and gift["amount_currency"] == "VND"
    assert gift["get_kind_display"] == vi(Donation.Kind.SCHOLARSHIP.label)
    received = gift["received_on"]
    assert received == days_ago(180) and not isinstance(received, str)  # a date cell


def test_roles_without_gifts_are_refused_and_see_no_menu_item(built_ledger):
    roles_sync()
    for role in ("Case worker", "Content editor"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        assert_refused(client, URL)
        assert not menu_shows(client, URL), role
    for role in ("Fund accountant", "Auditor", "Fund manager", "Administrator"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        assert client.get(URL).status_code == 200, role
        assert menu_shows(client, URL), role


def test_the_page_costs_the_same_queries_for_3_or_30_gifts(accountant, fund, donor, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            donation_record(
                fund=fund, donor=donor, kind="cash", channel="cash", amount="1000", received_at=timezone.now()
            )

    add(3)
    few = page_queries(accountant, URL, {})
    add(27)
    with django_assert_max_num_queries(few):
        response = accountant.get(URL)
    assert len(response.context["object_list"]) == 30
