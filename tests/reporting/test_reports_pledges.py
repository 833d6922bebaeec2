"""Reports > Pledges due: gifts pledged and not yet received, money and goods, the late ones
first; narrowed by fund, kind and late only; exported with numbers and dates; refused without
fund.view_donation."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fund.services import donation_cancel, donation_record
from reporting.reports.pledges import PledgesDueReport
from staff.services import roles_sync
from tests.support.roles import role_client

from .report_helpers import assert_refused, by_field, csv_rows, menu_shows, page_queries, xlsx_rows

pytestmark = pytest.mark.django_db
URL = "/admin/reports/pledges-due/"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def accountant():
    roles_sync()
    return role_client("Fund accountant", "accountant")[0]


@pytest.fixture
def pledges(fund, other_fund, donor, organisation):
    def pledge(who, kind, due, *, on=fund, amount="1000000"):
        extra = {"lines": [{"description": "Gạo", "quantity": "50", "unit": "kg", "fair_value": amount}]}
        if kind == "cash":
            extra = {"amount": amount}
        return donation_record(
            fund=on,
            donor=who,
            kind=kind,
            channel="bank_transfer" if kind == "cash" else "in_kind_delivery",
            expected_on=due,
            **extra,
        )

    made = {
        "late_long": pledge(organisation, "cash", in_days(-30), amount="3000000"),
        "late_short": pledge(donor, "in_kind", in_days(-2), amount="800000"),
        "soon": pledge(organisation, "cash", in_days(5)),
        "later": pledge(donor, "cash", in_days(40), on=other_fund),
        "undated": pledge(donor, "in_kind", None, amount="200000"),
    }
    cancelled = pledge(donor, "cash", in_days(-10))
    donation_cancel(donation=cancelled, reason="Donor changed their mind")
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="5000", received_at=timezone.now()
    )  # received: not a pledge
    return {name: gift.reference for name, gift in made.items()}


def refs(response) -> list[str]:
    return [pledge.reference for pledge in response.context["object_list"]]


def test_late_pledges_first_then_due_then_undated(accountant, pledges):
    response = accountant.get(URL)
    assert response.status_code == 200
    assert refs(response) == [pledges[n] for n in ("late_long", "late_short", "soon", "later", "undated")]
    late = {p.reference: (p.is_late, p.late_by) for p in response.context["object_list"]}
    assert late[pledges["late_long"]] == (True, 30) and late[pledges["soon"]] == (False, None)
    assert late[pledges["undated"]] == (False, None)


def test_filters_narrow_the_pledges(accountant, pledges, other_fund):
    def only(**params):
        return refs(accountant.get(URL, {"fund": "", "kind": "", "late_only": "", **params}))

    assert only(late_only="true") == [pledges["late_long"], pledges["late_short"]]
    assert only(kind="in_kind") == [pledges["late_short"], pledges["undated"]]
    assert only(fund=other_fund.pk) == [pledges["later"]]
    assert only(kind="cash", late_only="true") == [pledges["late_long"]]


def test_exports_read_back(accountant, pledges):
    rows = by_field(csv_rows(accountant, URL, {"late_only": "true"}), PledgesDueReport)
    assert [(r["reference"], r["expected_on"], r["late_by"], r["amount.amount"]) for r in rows] == [
        (pledges["late_long"], in_days(-30).isoformat(), "30", "3000000.00"),
        (pledges["late_short"], in_days(-2).isoformat(), "2", "800000.00"),
    ]
    sheet = by_field(xlsx_rows(accountant, URL, {}), PledgesDueReport)
    assert [r["amount.amount"] for r in sheet] == [3_000_000, 800_000, 1_000_000, 1_000_000, 200_000]
    assert sheet[0]["expected_on"] == in_days(-30) and sheet[-1]["expected_on"] is None
    assert sheet[0]["late_by"] == 30 and sheet[0]["amount_currency"] == "VND"
    assert sum(Decimal(str(r["amount.amount"])) for r in sheet) == Decimal(6_000_000)


def test_roles_without_gifts_are_refused_and_see_no_menu_item(pledges):
    roles_sync()
    for role in ("Case worker", "Content editor"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        assert_refused(client, URL)
        assert not menu_shows(client, URL), role
    client = role_client("Auditor", "auditor")[0]
    assert client.get(URL).status_code == 200 and menu_shows(client, URL)


def test_the_page_costs_the_same_queries_for_3_or_30_pledges(accountant, fund, donor, django_assert_max_num_queries):
    def add(count):
        for n in range(count):
            donation_record(
                fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1000", expected_on=in_days(n - 5)
            )

    add(3)
    few = page_queries(accountant, URL, {})
    add(27)
    with django_assert_max_num_queries(few):
        response = accountant.get(URL)
    assert len(response.context["object_list"]) == 30
