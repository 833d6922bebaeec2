"""Reports > Scholarships: awards of a school year with their terms paid, due and awaiting
enrolment, and what was paid; narrowed by year, fund, school, level and status; exported with
numbers; never a child's name; refused without care.view_scholarshipaward."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from care.models import Beneficiary, ScholarshipTerm
from care.services import (
    TermLine,
    allocation_approve,
    beneficiary_admit,
    scholarship_award_create,
    scholarship_award_end,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
)
from fund.services import donation_record
from reporting.reports.scholarships import ScholarshipsReport
from staff.services import roles_sync
from tests.support.evidence import pdf_bytes, upload
from tests.support.roles import role_client

from .conftest import CASE_NUMBERS, CHILD_NAMES, GUARDIAN_NAME, staff
from .report_helpers import assert_refused, by_field, csv_rows, menu_shows, page_queries, xlsx_rows

pytestmark = pytest.mark.django_db
URL = "/admin/reports/scholarships/"
CASE_A, CASE_B = CASE_NUMBERS
YEAR = timezone.localdate().year
THIS_YEAR, LAST_YEAR = f"{YEAR}-{YEAR + 1}", f"{YEAR - 1}-{YEAR}"
SCHOOL_A, SCHOOL_B = "Trường Tiểu học Hòa Bình", "Trường THCS Quang Trung"


def award(child, fund, actor, *, year=THIS_YEAR, school=SCHOOL_A, level="primary", per_term="500000", terms=2):
    first = int(year[:4])
    due = [datetime.date(first, 1, 10), datetime.date(first, 6, 10), datetime.date(first + 1, 1, 10)][:terms]
    return scholarship_award_create(
        beneficiary=child,
        fund=fund,
        school_year=year,
        year_starts_on=datetime.date(first, 1, 1),
        year_ends_on=datetime.date(first + 1, 5, 31),
        school=school,
        level=level,
        payee="school",
        amount_per_term=per_term,
        total=str(Decimal(per_term) * terms),
        terms=[TermLine(day) for day in due],
        actor=actor,
    )


def confirm(term, actor):
    return scholarship_term_enrolment_confirm(
        term=term,
        confirmed_on=timezone.localdate(),
        reference="XN/118",
        confirmation=upload(pdf_bytes("Xac nhan"), "xac-nhan.pdf"),
        actor=actor,
    )


def term(award, number) -> ScholarshipTerm:
    return ScholarshipTerm.objects.get(award=award, number=number)


@pytest.fixture
def awards(built_ledger):
    case_worker, manager = User.objects.get(username="cw"), User.objects.get(username="mgr")
    child_a, child_b = (Beneficiary.objects.get(case_number=case) for case in CASE_NUMBERS)
    paid = award(child_a, built_ledger, case_worker)  # term 1 paid, term 2 awaiting enrolment
    allocation_approve(allocation=confirm(term(paid, 1), case_worker).allocation, actor=manager)
    scholarship_term_pay(term=term(paid, 1), paid_on=timezone.localdate(), actor=case_worker)
    due = award(child_b, built_ledger, case_worker, school=SCHOOL_B, level="lower_secondary", per_term="400000")
    confirm(term(due, 1), case_worker)  # confirmed, its allocation proposed: due, not paid
    old = award(child_a, built_ledger, case_worker, year=LAST_YEAR, terms=1)
    scholarship_award_end(award=old, reason="The child changed school", actor=case_worker)
    return {"paid": paid, "due": due, "old": old}


@pytest.fixture
def auditor():
    roles_sync()
    return role_client("Auditor", "auditor")[0]


def rows_of(response) -> dict:
    return {
        a.pk: (a.case_number, a.school, a.terms_paid, a.terms_due, a.terms_awaiting_enrolment, a.total_paid)
        for a in response.context["object_list"]
    }


def test_the_latest_school_year_with_its_terms(auditor, awards):
    response = auditor.get(URL)
    assert response.status_code == 200
    assert rows_of(response) == {
        awards["due"].pk: (CASE_B, SCHOOL_B, 0, 1, 1, Decimal("0.00")),
        awards["paid"].pk: (CASE_A, SCHOOL_A, 1, 0, 1, Decimal("500000.00")),
    }
    ((_label, totals),) = response.context["totals"]
    assert [(t["currency"], t["amount"]) for t in totals] == [("VND", Decimal("500000.00"))]
    page = response.content.decode()
    assert CASE_A in page and not any(name in page for name in (*CHILD_NAMES, GUARDIAN_NAME))


def test_filters_narrow_the_awards(auditor, awards):
    def ids(**params):
        query = {"school_year": "", "fund": "", "school": "", "level": "", "status": "", **params}
        return set(rows_of(auditor.get(URL, query)))

    assert ids() == {a.pk for a in awards.values()}
    assert ids(school_year=LAST_YEAR) == {awards["old"].pk}
    assert ids(school=SCHOOL_B) == {awards["due"].pk}
    assert ids(level="primary") == {awards["paid"].pk, awards["old"].pk}
    assert ids(status="ended") == {awards["old"].pk}
    ended = auditor.get(URL, {"school_year": LAST_YEAR, "status": "ended"}).context["object_list"][0]
    assert (ended.terms_paid, ended.terms_due, ended.terms_awaiting_enrolment, ended.terms_closed) == (0, 0, 0, 1)


def test_exports_read_back_without_a_name(auditor, awards):
    rows = by_field(csv_rows(auditor, URL, {}), ScholarshipsReport)
    paid = next(r for r in rows if r["pk"] == str(awards["paid"].pk))
    assert (paid["case_number"], paid["terms_paid"], paid["total_paid"], paid["amount_per_term.amount"]) == (
        CASE_A,
        "1",
        "500000.00",
        "500000.00",
    )
    sheet = by_field(xlsx_rows(auditor, URL, {"school": SCHOOL_B, "school_year": THIS_YEAR}), ScholarshipsReport)
    ((due,),) = [sheet]
    assert (due["terms_due"], due["terms_awaiting_enrolment"], due["total_paid"]) == (1, 1, 0)
    assert due["amount_per_term.amount"] == 400_000 and due["amount_per_term_currency"] == "VND"
    for exported in (rows, sheet):
        assert not any(name in repr(exported) for name in (*CHILD_NAMES, GUARDIAN_NAME))


def test_roles_without_scholarships_are_refused_and_see_no_menu_item(awards):
    roles_sync()
    client = role_client("Content editor", "editor")[0]
    assert_refused(client, URL)
    assert not menu_shows(client, URL)
    for role in ("Fund accountant", "Case worker", "Fund manager"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        assert client.get(URL).status_code == 200 and menu_shows(client, URL), role


def test_the_page_costs_the_same_queries_for_3_or_30_awards(auditor, fund, donor, django_assert_max_num_queries):
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="1000000", received_at=timezone.now())
    case_worker = staff("cw", "add_scholarshipaward")

    def add(start, count):
        for n in range(start, start + count):
            child = beneficiary_admit(
                case_number=f"TE-9{n:03}",
                full_name=f"Demo Child {n}",
                date_of_birth=datetime.date(2015, 1, 1),
                group="child",
                programme="orphan",
                admitted_on=datetime.date(2022, 1, 1),
            )
            award(child, fund, case_worker, per_term="1000", school=f"School {n % 4}")

    add(0, 3)
    few = page_queries(auditor, URL, {})
    add(3, 27)
    with django_assert_max_num_queries(few):
        response = auditor.get(URL)
    assert len(response.context["object_list"]) == 30
    assert "Demo Child" not in response.content.decode()
