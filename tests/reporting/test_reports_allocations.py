"""Reports > Allocations: support paid out in a period by programme and kind, with a summary
(count, total, people helped); the person only ever as their case number, in the page and in
both exports; refused without care.view_allocation."""

from decimal import Decimal

import pytest
from django.utils import timezone

from care.models import Allocation
from care.services import allocation_approve, allocation_propose, beneficiary_admit
from reporting.reports.allocations import AllocationsReport
from reporting.reports.base import period_bounds
from staff.services import roles_sync
from tests.support.roles import role_client

from .conftest import CASE_NUMBERS, CHILD_NAMES, GUARDIAN_NAME, days_ago, staff
from .report_helpers import ANY_TIME, assert_refused, by_field, csv_rows, menu_shows, page_queries, vi, xlsx_rows

pytestmark = pytest.mark.django_db
URL = "/admin/reports/allocations/"
CASE_A, CASE_B = CASE_NUMBERS


@pytest.fixture
def auditor():
    roles_sync()
    return role_client("Auditor", "auditor")[0]


def period(**extra) -> dict:
    return {
        **ANY_TIME,
        "date_from": days_ago(200).isoformat(),
        "date_to": timezone.localdate().isoformat(),
        "status": "disbursed",
        **extra,
    }


def rows_of(response) -> list[tuple]:
    return [
        (a.report_date, a.case_number, a.programme, a.kind, a.amount.amount, a.status, a.approvers)
        for a in response.context["object_list"]
    ]


def test_paid_allocations_of_a_period_with_the_summary(auditor, built_ledger):
    response = auditor.get(URL, period())
    assert response.status_code == 200
    assert rows_of(response) == [
        (days_ago(50), CASE_A, "orphan", "supplies", Decimal("100000.00"), "disbursed", "mgr"),
        (days_ago(90), CASE_B, "disability", "scholarship", Decimal("2000000.00"), "disbursed", "mgr"),
        (days_ago(100), CASE_A, "orphan", "cash", Decimal("1000000.00"), "disbursed", "mgr"),
    ]
    summary = {(line["programme"], line["kind"]): line for line in response.context["summary"]}
    assert {key: (line["count"], line["total_amount"], line["people"]) for key, line in summary.items()} == {
        ("disability", "scholarship"): (1, Decimal("2000000.00"), 1),
        ("orphan", "cash"): (1, Decimal("1000000.00"), 1),
        ("orphan", "supplies"): (1, Decimal("100000.00"), 1),
    }
    page = response.content.decode()
    assert 'data-summary="orphan.cash"' in page and CASE_A in page
    assert not any(name in page for name in (*CHILD_NAMES, GUARDIAN_NAME))


def test_people_helped_counts_each_person_once(auditor, built_ledger):
    response = auditor.get(URL, period(status="", programme="orphan"))
    people = {line["kind"]: line["people"] for line in response.context["summary"]}
    assert people == {"cash": 1, "supplies": 1}
    # Child B had two cash allocations (one reversed): two allocations, one person.
    response = auditor.get(URL, period(status="", programme="disability", kind="cash"))
    ((line),) = response.context["summary"]
    assert (line["count"], line["people"], line["total_amount"]) == (1, 1, Decimal("300000.00"))


def test_filters_narrow_the_allocations(auditor, built_ledger, other_fund):
    def cases(**params):
        return [(a.case_number, a.kind, a.status) for a in auditor.get(URL, period(**params)).context["object_list"]]

    assert cases(programme="disability") == [(CASE_B, "scholarship", "disbursed")]
    assert cases(kind="cash") == [(CASE_A, "cash", "disbursed")]
    assert cases(status="reversed") == [(CASE_B, "cash", "reversed")]
    assert cases(fund=other_fund.pk) == []
    assert cases(date_to=days_ago(95).isoformat()) == [(CASE_A, "cash", "disbursed")]
    assert len(cases(status="")) == 4


def test_the_bare_report_shows_this_years_paid_allocations(auditor, built_ledger):
    first, last = period_bounds("this_year", timezone.localdate())
    expected = Allocation.objects.filter(status="disbursed", disbursed_on__gte=first, disbursed_on__lte=last).count()
    assert len(auditor.get(URL).context["object_list"]) == expected


def test_exports_read_back_without_a_name(auditor, built_ledger):
    rows = by_field(csv_rows(auditor, URL, period(status="")), AllocationsReport)
    assert [(r["case_number"], r["amount.amount"], r["amount_currency"]) for r in rows] == [
        (CASE_A, "100000.00", "VND"),
        (CASE_B, "300000.00", "VND"),
        (CASE_B, "2000000.00", "VND"),
        (CASE_A, "1000000.00", "VND"),
    ]
    assert rows[1]["get_status_display"] == vi(Allocation.Status.REVERSED.label)
    assert rows[0]["report_date"] == days_ago(50).isoformat() and rows[0]["approvers"] == "mgr"

    sheet = by_field(xlsx_rows(auditor, URL, period()), AllocationsReport)
    assert [r["amount.amount"] for r in sheet] == [100_000, 2_000_000, 1_000_000]
    assert all(isinstance(r["amount.amount"], int | float) for r in sheet)
    assert sheet[0]["report_date"] == days_ago(50)
    for exported in (rows, sheet):
        text = repr(exported)
        assert not any(name in text for name in (*CHILD_NAMES, GUARDIAN_NAME))


def test_roles_without_allocations_are_refused_and_see_no_menu_item(built_ledger):
    roles_sync()
    client = role_client("Content editor", "editor")[0]
    assert_refused(client, URL)
    assert not menu_shows(client, URL)
    for role in ("Fund accountant", "Case worker", "Fund manager", "Auditor"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        assert client.get(URL).status_code == 200 and menu_shows(client, URL), role


def test_the_page_costs_the_same_queries_for_3_or_30_allocations(auditor, fund, donor, django_assert_max_num_queries):
    from fund.services import donation_record

    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="100000000", received_at=timezone.now())
    case_worker = staff("cw", "add_allocation")
    managers = [staff(f"mgr{n}", "approve_allocation") for n in range(2)]

    def add(count, start):
        for n in range(start, start + count):
            child = beneficiary_admit(
                case_number=f"TE-8{n:03}",
                full_name=f"Demo Child {n}",
                date_of_birth=days_ago(3000),
                group="child",
                programme=("orphan", "hiv", "disability")[n % 3],
                admitted_on=days_ago(1000),
            )
            allocation = allocation_propose(
                beneficiary=child, fund=fund, kind="cash", amount="10000", purpose="Support", actor=case_worker
            )
            allocation_approve(allocation=allocation, actor=managers[n % 2])

    params = {**ANY_TIME, "status": "approved"}
    add(3, 0)
    few = page_queries(auditor, URL, params)
    add(27, 3)
    with django_assert_max_num_queries(few):
        response = auditor.get(URL, params)
    assert len(response.context["object_list"]) == 30
    assert {line["people"] for line in response.context["summary"]} == {10}
    assert "Demo Child" not in response.content.decode()
