"""Scholarship awards by term: the schedule adds up or is refused, a term's money moves only as
a scholarship allocation (proposed when its enrolment is confirmed, approved with four eyes,
paid to the payee), renewal and end close what was not paid, and every refusal writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from djmoney.money import Money
from hordak.models import Leg

from audit.models import AuditEntry
from care.errors import CareError
from care.models import Allocation, Beneficiary, Evidence, ScholarshipAward, ScholarshipTerm
from care.services import (
    TermLine,
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_reject,
    allocation_reverse,
    scholarship_award_create,
    scholarship_term_acknowledge,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
    scholarship_term_release,
)
from fund.models import Posting
from fund.selectors import fund_available, ledger_problems
from fund.services import fund_update
from tests.support.evidence import pdf_bytes, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
START, END = datetime.date(2026, 9, 5), datetime.date(2027, 5, 31)
DUE = [datetime.date(2026, 9, 5), datetime.date(2027, 1, 15)]


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def writes():
    return (
        ScholarshipAward.objects.count(),
        ScholarshipTerm.objects.count(),
        Allocation.objects.count(),
        Posting.objects.count(),
        Leg.objects.count(),
        AuditEntry.objects.count(),
        list(ScholarshipAward.objects.order_by("pk").values_list("status", flat=True)),
        list(
            ScholarshipTerm.objects.order_by("pk").values_list(
                "enrolment_reference", "allocation_id", "acknowledged_by_payee", "closed_reason"
            )
        ),
        list(Allocation.objects.order_by("pk").values_list("status", flat=True)),
    )


def award_for(child, fund, actor, *, per_term="1500000", total="3000000", due=DUE, payee="school", **extra):
    values = {
        "beneficiary": child,
        "fund": fund,
        "school_year": "2026-2027",
        "year_starts_on": START,
        "year_ends_on": END,
        "school": "Trường Tiểu học Hòa Bình",
        "level": "primary",
        "payee": payee,
        "amount_per_term": per_term,
        "total": total,
        "terms": [TermLine(day) for day in due],
        "actor": actor,
    }
    return scholarship_award_create(**{**values, **extra})


def letter():
    return upload(pdf_bytes("Giay xac nhan nhap hoc"), "giay-xac-nhan.pdf")


def confirm(term, actor, reference="TH-HB/2026/118", confirmation="letter"):
    confirmation = letter() if confirmation == "letter" else confirmation
    return scholarship_term_enrolment_confirm(
        term=term, confirmed_on=TODAY(), reference=reference, confirmation=confirmation, actor=actor
    )


def term_of(award, number=1) -> ScholarshipTerm:
    return ScholarshipTerm.objects.select_related("allocation", "award").get(award=award, number=number)


def test_a_term_from_award_to_acknowledgement(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker)
    assert (award.status, award.total, award.programme) == ("active", vnd(3_000_000), "orphan")
    assert [(t.number, t.due_on, t.amount, t.status) for t in award.terms.all()] == [
        (1, DUE[0], vnd(1_500_000), "awaiting_enrolment"),
        (2, DUE[1], vnd(1_500_000), "awaiting_enrolment"),
    ]
    term = confirm(term_of(award), case_worker)
    allocation = term.allocation
    assert (allocation.kind, allocation.fund, allocation.amount, allocation.status) == (
        "scholarship",
        funded,
        vnd(1_500_000),
        "proposed",
    )
    assert allocation.proposed_by == case_worker and "Hòa Bình" not in allocation.purpose
    assert term_of(award).status == "enrolment_confirmed"
    assert term_of(award, 2).allocation is None  # each term waits for its own enrolment

    allocation_approve(allocation=allocation, actor=manager)  # the existing four-eyes step
    assert term_of(award).status == "approved"
    scholarship_term_pay(term=term_of(award), paid_on=TODAY(), actor=case_worker)
    term = term_of(award)
    assert term.status == "paid"
    assert (term.allocation.method, term.allocation.posting.purpose) == ("bank_transfer_school", "scholarship")
    # Restricted money first: 5.000.000 ₫ of scholarship gifts, 1.500.000 ₫ of it now spent.
    assert fund_available(funded).scholarship_restricted == vnd(3_500_000)

    scholarship_term_acknowledge(
        term=term, acknowledged_on=TODAY(), acknowledged_by="School accountant", actor=case_worker
    )
    term = term_of(award)
    assert (term.status, term.acknowledged_by_payee, term.acknowledgement_recorded_by) == (
        "acknowledged",
        "School accountant",
        case_worker,
    )
    actions = set(AuditEntry.objects.filter(action__startswith="scholarship.").values_list("action", flat=True))
    assert actions == {
        "scholarship.create",
        "scholarship.enrolment_confirm",
        "scholarship.pay",
        "scholarship.acknowledge",
    }
    assert not AuditEntry.objects.filter(data__icontains="Demo Bé").exists()  # no name in the trail
    assert ledger_problems().problems == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"total": "3500000"}, "total", "does not add up"),
        ({"per_term": "1000000"}, "total", "does not add up"),
        ({"due": [datetime.date(2026, 8, 1), DUE[1]]}, "terms", "outside the school year"),
        ({"due": [DUE[0], datetime.date(2027, 6, 15)]}, "terms", "outside the school year"),
        ({"due": [DUE[1], DUE[0]]}, "terms", "not after the term before"),
        ({"due": [DUE[0], DUE[0]]}, "terms", "not after the term before"),
        ({"due": []}, "terms", "at least one term"),
        ({"per_term": "-1500000", "total": "-3000000"}, "amount_per_term", "greater than zero"),
        ({"per_term": "0"}, "amount_per_term", "greater than zero"),
        ({"school_year": "2026-2028"}, "school_year", "consecutive"),
        ({"year_starts_on": datetime.date(2027, 9, 1)}, "year_starts_on", "starts in 2026"),
        ({"level": "kindergarten"}, "level", "level"),
        ({"payee": "donor"}, "payee", "who is paid"),
        ({"school": "  "}, None, "school is required"),
    ],
)
def test_a_bad_award_is_refused_and_writes_nothing(funded, child, case_worker, changes, field, words):
    before = writes()
    with pytest.raises(CareError, match=words) as refused:
        award_for(child, funded, case_worker, **changes)
    if field:
        assert field in refused.value.message_dict
    assert writes() == before


def test_a_term_line_with_another_amount_does_not_add_up(funded, child, case_worker):
    before = writes()
    terms = [TermLine(DUE[0], "2000000"), TermLine(DUE[1], "1000000")]  # 3.000.000 ₫, but uneven
    with pytest.raises(CareError, match="every term pays the amount per term"):
        award_for(child, funded, case_worker, terms=terms)
    assert writes() == before


def test_no_award_for_a_person_who_left_care_or_from_a_closed_fund(funded, child, case_worker):
    fund_update(fund=funded, name=funded.name, restricted_purpose="", is_active=False)
    before = writes()
    with pytest.raises(CareError, match="closed"):
        award_for(child, funded, case_worker)
    assert writes() == before
    fund_update(fund=funded, name=funded.name, restricted_purpose="", is_active=True)
    Beneficiary.objects.filter(pk=child.pk).update(left_on=datetime.date(2026, 11, 1))
    before = writes()
    with pytest.raises(CareError, match="left care"):
        award_for(child, funded, case_worker)
    assert writes() == before


def test_one_award_per_person_fund_and_year(funded, child, case_worker):
    award_for(child, funded, case_worker)
    before = writes()
    with pytest.raises(CareError, match="already has a scholarship"):
        award_for(child, funded, case_worker)
    assert writes() == before


def test_confirming_twice_is_refused(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    confirm(term_of(award), case_worker)
    before = writes()
    with pytest.raises(CareError, match="already confirmed"):
        confirm(term_of(award), case_worker, reference="another")
    assert writes() == before


def test_confirmation_needs_its_facts(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    before = writes()
    with pytest.raises(CareError, match="reference is required"):
        confirm(term_of(award), case_worker, reference=" ")
    with pytest.raises(CareError, match="not in advance"):
        scholarship_term_enrolment_confirm(
            term=term_of(award),
            confirmed_on=TODAY() + datetime.timedelta(days=1),
            reference="TH-1",
            confirmation=letter(),
            actor=case_worker,
        )
    assert writes() == before


def test_a_term_is_released_only_on_the_schools_letter_on_file(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    term = term_of(award)
    before = writes()
    with pytest.raises(CareError, match="enrolment confirmation"):
        confirm(term, case_worker, confirmation=None)
    with pytest.raises(CareError):
        confirm(term, case_worker, confirmation=upload(b"MZ\x90\x00" + b"\x00" * 200, "giay-xac-nhan.pdf"))
    assert writes() == before
    assert not Evidence.objects.exists()
    term = confirm(term, case_worker)
    (kept,) = Evidence.objects.about(term)
    assert kept.kind == Evidence.Kind.ENROLMENT and kept.note == "TH-HB/2026/118"
    assert term.allocation is not None


def test_a_term_is_released_only_once_its_enrolment_is_confirmed(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    before = writes()
    with pytest.raises(CareError, match="confirm the enrolment first"):
        scholarship_term_release(term=term_of(award), actor=case_worker)
    assert writes() == before
    # The database holds the same line: no allocation on a term whose enrolment is not confirmed.
    other = confirm(term_of(award), case_worker).allocation
    with pytest.raises(IntegrityError), transaction.atomic():
        ScholarshipTerm.objects.filter(pk=term_of(award, 2).pk).update(allocation=other)


def test_releasing_twice_is_refused(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    confirm(term_of(award), case_worker)
    before = writes()
    with pytest.raises(CareError, match="released already"):
        scholarship_term_release(term=term_of(award), actor=case_worker)
    assert writes() == before


@pytest.mark.parametrize("end", ["reject", "cancel", "reverse"])
def test_a_turned_down_term_stays_confirmed_and_is_released_again(funded, child, case_worker, manager, end):
    award = award_for(child, funded, case_worker)
    first = confirm(term_of(award), case_worker).allocation
    if end == "reject":
        allocation_reject(allocation=first, reason="Wait for the second gift", actor=manager)
    elif end == "cancel":
        allocation_cancel(allocation=first, reason="Wrong amount", actor=case_worker)
    else:
        allocation_approve(allocation=first, actor=manager)
        scholarship_term_pay(term=term_of(award), paid_on=TODAY(), actor=case_worker)
        allocation_reverse(allocation=first, reason="Paid to the wrong account", actor=manager)
    term = term_of(award)
    assert term.status == "enrolment_confirmed" and term.releasable
    term = scholarship_term_release(term=term, actor=case_worker)
    assert term.allocation != first and term.allocation.status == "proposed"
    assert term.enrolment_reference == "TH-HB/2026/118"  # the facts stay; nothing typed twice


def test_paying_follows_the_payee_and_needs_approval(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker, payee="centre", per_term="400000", total="800000")
    term = confirm(term_of(award), case_worker)
    before = writes()
    with pytest.raises(CareError, match="approved"):
        scholarship_term_pay(term=term, paid_on=TODAY(), actor=case_worker)
    assert writes() == before
    allocation_approve(allocation=term.allocation, actor=manager)
    # The allocation's own screen cannot pay it by another method than the payee's.
    before = writes()
    with pytest.raises(CareError, match="choose cash"):
        allocation_disburse(
            allocation=term.allocation, disbursed_on=TODAY(), method="bank_transfer_school", actor=case_worker
        )
    assert writes() == before
    term = scholarship_term_pay(term=term_of(award), paid_on=TODAY(), actor=case_worker)
    assert term.allocation.method == "cash"


def test_a_term_is_acknowledged_once_paid_and_only_once(funded, child, case_worker, manager):
    award = award_for(child, funded, case_worker)
    term = confirm(term_of(award), case_worker)
    before = writes()
    with pytest.raises(CareError, match="once it is paid"):
        scholarship_term_acknowledge(term=term, acknowledged_on=TODAY(), acknowledged_by="Guardian", actor=case_worker)
    assert writes() == before
    allocation_approve(allocation=term.allocation, actor=manager)
    scholarship_term_pay(term=term, paid_on=TODAY(), actor=case_worker)
    scholarship_term_acknowledge(term=term, acknowledged_on=TODAY(), acknowledged_by="Bursar", actor=case_worker)
    before = writes()
    with pytest.raises(CareError, match="already acknowledged"):
        scholarship_term_acknowledge(term=term, acknowledged_on=TODAY(), acknowledged_by="Bursar", actor=case_worker)
    assert writes() == before


def test_the_manager_approval_keeps_four_eyes(funded, child, manager):
    """A manager who confirms an enrolment proposed the allocation: someone else approves."""
    manager.user_permissions.add(Permission.objects.get(content_type__app_label="care", codename="add_evidence"))
    manager = type(manager).objects.get(pk=manager.pk)  # permissions are cached per instance
    award = award_for(child, funded, manager)
    term = confirm(term_of(award), manager)
    with pytest.raises(CareError, match="someone else"):
        allocation_approve(allocation=term.allocation, actor=manager)


def test_the_database_refuses_an_ended_award_without_a_reason(funded, child, case_worker):
    award = award_for(child, funded, case_worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScholarshipAward.objects.filter(pk=award.pk).update(status="ended", ended_at=timezone.now())
