"""The end of a scholarship's year: ending closes what was not paid (withdrawing its
allocations), a person who leaves care has their awards ended, a renewal links a new award and
closes what waited for an enrolment; every refusal writes nothing."""

import datetime

import pytest

from care.errors import CareError
from care.models import Allocation, Beneficiary
from care.services import (
    TermLine,
    allocation_approve,
    scholarship_award_end,
    scholarship_award_renew,
    scholarship_awards_end_for_leaver,
    scholarship_term_pay,
)

from .test_scholarships import DUE, END, TODAY, _in_english, award_for, confirm, term_of, vnd, writes  # noqa: F401

pytestmark = pytest.mark.django_db


def test_ending_an_award_closes_its_unpaid_terms(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker, per_term="1000000", total="3000000", due=[*DUE, END])
    paid = confirm(term_of(award, 1), case_worker)
    allocation_approve(allocation=paid.allocation, actor=manager)
    scholarship_term_pay(term=paid, paid_on=TODAY(), actor=case_worker)
    proposed = confirm(term_of(award, 2), case_worker)
    with pytest.raises(CareError, match="required"):
        scholarship_award_end(award=award, reason="", actor=case_worker)
    scholarship_award_end(award=award, reason="Moved to a school with free tuition", actor=case_worker)
    award.refresh_from_db()
    assert (award.status, award.ended_reason, award.ended_by) == (
        "ended",
        "Moved to a school with free tuition",
        case_worker,
    )
    assert [t.status for t in award.terms.order_by("number")] == ["paid", "closed", "closed"]
    proposed.allocation.refresh_from_db()
    assert proposed.allocation.status == "cancelled"
    before = writes()
    with pytest.raises(CareError, match="ended"):
        confirm(term_of(award, 3), case_worker)
    with pytest.raises(CareError, match="ended"):
        scholarship_award_end(award=award, reason="again", actor=case_worker)
    assert writes() == before


def test_a_person_who_leaves_care_has_their_awards_ended(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker)
    approved = confirm(term_of(award, 1), case_worker)
    allocation_approve(allocation=approved.allocation, actor=manager)
    with pytest.raises(CareError, match="still in care"):
        scholarship_awards_end_for_leaver(beneficiary=child, actor=case_worker)
    Beneficiary.objects.filter(pk=child.pk).update(left_on=datetime.date(2026, 11, 20))
    before = writes()
    with pytest.raises(CareError, match="left care"):
        scholarship_term_pay(term=term_of(award), paid_on=TODAY(), actor=case_worker)
    assert writes() == before
    (ended,) = scholarship_awards_end_for_leaver(beneficiary=child, actor=case_worker)
    assert (ended.status, ended.ended_reason) == ("ended", "Left care on 2026-11-20.")
    assert [t.status for t in ended.terms.order_by("number")] == ["closed", "closed"]
    assert Allocation.objects.get().status == "undeliverable"
    assert scholarship_awards_end_for_leaver(beneficiary=child, actor=case_worker) == []  # again: nothing


def renew(award, actor, **changes):
    values = {
        "award": award,
        "school_year": "2027-2028",
        "year_starts_on": datetime.date(2027, 9, 5),
        "year_ends_on": datetime.date(2028, 5, 31),
        "school": "Trường THCS Hòa Bình",
        "level": "lower_secondary",
        "payee": "school",
        "amount_per_term": "1800000",
        "total": "3600000",
        "terms": [TermLine(datetime.date(2027, 9, 5)), TermLine(datetime.date(2028, 1, 15))],
        "actor": actor,
    }
    return scholarship_award_renew(**{**values, **changes})


def test_renewal_links_a_new_award_and_closes_what_waited(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker)
    term = confirm(term_of(award, 1), case_worker)
    allocation_approve(allocation=term.allocation, actor=manager)
    before = writes()
    with pytest.raises(CareError, match="pay it or withdraw it"):
        renew(award, case_worker)
    with pytest.raises(CareError, match="starts after"):
        renew(award, case_worker, year_starts_on=datetime.date(2027, 5, 1))
    assert writes() == before
    scholarship_term_pay(term=term, paid_on=TODAY(), actor=case_worker)
    renewal = renew(award, case_worker)
    award.refresh_from_db()
    assert (award.status, award.renewed_as, renewal.renewed_from) == ("renewed", renewal, award)
    assert (renewal.level, renewal.total, renewal.terms.count()) == ("lower_secondary", vnd(3_600_000), 2)
    assert [t.status for t in award.terms.order_by("number")] == ["paid", "closed"]
    assert term_of(award, 2).closed_reason == f"Renewed as scholarship {renewal.pk}."
    with pytest.raises(CareError, match="renewed"):
        renew(award, case_worker, school_year="2028-2029")


def test_a_bad_renewal_writes_nothing(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    before = writes()
    with pytest.raises(CareError, match="does not add up"):
        renew(award, case_worker, total="4000000")
    assert writes() == before
