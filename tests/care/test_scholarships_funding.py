"""Which donors' scholarship gifts paid which terms: first in, first out within the fund, read
from the ledger. Three gifts, four terms, checked to the đồng; then a reversal, a refund and a
gift in another fund change the split as the method says, and nothing is ever written."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from audit.models import AuditEntry
from care.models import ScholarshipTerm
from care.selectors_scholarships import scholarship_funding_for_award, scholarship_funding_for_gift
from care.services import (
    TermLine,
    allocation_approve,
    allocation_disburse,
    allocation_propose,
    allocation_reverse,
    scholarship_award_create,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
)
from fund.models import Posting
from fund.selectors import ledger_problems, scholarship_funding_fifo
from fund.services import donation_receive, donation_record, donation_refund
from tests.support.evidence import handover_attach, pdf_bytes, upload

pytestmark = pytest.mark.django_db

START, END = datetime.date(2026, 9, 5), datetime.date(2027, 5, 31)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def gift(fund, donor, amount, *, days_ago, kind="scholarship"):
    extra = {"scholarship_count": 1, "school_year": "2026-2027"} if kind == "scholarship" else {}
    made = donation_record(fund=fund, donor=donor, kind=kind, channel="bank_transfer", amount=str(amount), **extra)
    return donation_receive(donation=made, received_at=timezone.now() - datetime.timedelta(days=days_ago))


def award(child, fund, actor, per_term):
    return scholarship_award_create(
        beneficiary=child,
        fund=fund,
        school_year="2026-2027",
        year_starts_on=START,
        year_ends_on=END,
        school="Trường Tiểu học Hòa Bình",
        level="primary",
        payee="school",
        amount_per_term=per_term,
        total=str(2 * Decimal(per_term)),
        terms=[TermLine(datetime.date(2026, 9, 5)), TermLine(datetime.date(2027, 1, 15))],
        actor=actor,
    )


def pay(award, number, case_worker, manager) -> ScholarshipTerm:
    term = ScholarshipTerm.objects.get(award=award, number=number)
    term = scholarship_term_enrolment_confirm(
        term=term,
        confirmed_on=timezone.localdate(),
        reference=f"E-{award.pk}-{number}",
        confirmation=upload(pdf_bytes(), "giay-xac-nhan.pdf"),
        actor=case_worker,
    )
    allocation_approve(allocation=term.allocation, actor=manager)
    return scholarship_term_pay(term=term, paid_on=timezone.localdate(), actor=case_worker)


@pytest.fixture
def second_child(db):
    from care.services import beneficiary_admit

    return beneficiary_admit(
        case_number="TE-0002",
        full_name="Demo Bé Hai",
        date_of_birth=datetime.date(2014, 5, 2),
        group="child",
        programme="hiv",
        admitted_on=datetime.date(2021, 4, 1),
    )


@pytest.fixture
def paid_terms(fund, donor, child, second_child, case_worker, manager):
    """Gifts received in the order g1, g2, g3 (recorded in another order, so the order is the
    money's, not the rows'), 3.000.000 ₫ of unrestricted cash, and four terms paid A1, B1, A2, B2."""
    g3 = gift(fund, donor, 1_999_999, days_ago=10)
    g1 = gift(fund, donor, 1_000_001, days_ago=30)
    g2 = gift(fund, donor, 2_500_000, days_ago=20)
    gift(fund, donor, 3_000_000, days_ago=40, kind="cash")
    a = award(child, fund, case_worker, "1234567")
    b = award(second_child, fund, case_worker, "1765433")
    terms = {
        "A1": pay(a, 1, case_worker, manager),
        "B1": pay(b, 1, case_worker, manager),
        "A2": pay(a, 2, case_worker, manager),
        "B2": pay(b, 2, case_worker, manager),
    }
    return {"gifts": (g1, g2, g3), "awards": (a, b), "terms": terms}


def by_gift(donation):
    return [(award_id, term.number, amount) for award_id, term, amount in scholarship_funding_for_gift(donation)]


def test_three_gifts_four_terms_first_in_first_out(paid_terms):
    g1, g2, g3 = paid_terms["gifts"]
    a, b = paid_terms["awards"]
    writes = (Posting.objects.count(), AuditEntry.objects.count())
    # A1 1.234.567 = g1 1.000.001 + g2 234.566; B1 1.765.433 from g2 (500.001 left of it);
    # A2 1.234.567 = g2 500.001 + g3 734.566; B2 1.765.433 = g3 1.265.433 + 500.000 unrestricted.
    assert by_gift(g1) == [(a.pk, 1, vnd(1_000_001))]
    assert by_gift(g2) == [(a.pk, 1, vnd(234_566)), (b.pk, 1, vnd(1_765_433)), (a.pk, 2, vnd(500_001))]
    assert by_gift(g3) == [(a.pk, 2, vnd(734_566)), (b.pk, 2, vnd(1_265_433))]
    for donation in (g1, g2, g3):
        assert sum((amount for *_, amount in by_gift(donation)), vnd(0)) == donation.amount  # all spent

    assert [(d.pk if d else None, t.number, amount) for d, t, amount in scholarship_funding_for_award(b)] == [
        (g2.pk, 1, vnd(1_765_433)),
        (g3.pk, 2, vnd(1_265_433)),
        (None, 2, vnd(500_000)),  # paid from unrestricted money: "Cash allocated" in the ledger
    ]
    award_a = [(d.pk, t.number, amount) for d, t, amount in scholarship_funding_for_award(a)]
    assert award_a == [
        (g1.pk, 1, vnd(1_000_001)),
        (g2.pk, 1, vnd(234_566)),
        (g2.pk, 2, vnd(500_001)),
        (g3.pk, 2, vnd(734_566)),
    ]
    assert (Posting.objects.count(), AuditEntry.objects.count()) == writes  # a read writes nothing
    assert ledger_problems().problems == []


def test_a_reversed_payment_gives_its_gift_money_to_the_next(paid_terms, manager):
    g1, g2, g3 = paid_terms["gifts"]
    a, b = paid_terms["awards"]
    allocation_reverse(allocation=paid_terms["terms"]["A2"].allocation, reason="Wrong account", actor=manager)
    # Without A2: B2 takes g2's last 500.001 and 1.265.432 of g3 (its posting still says how
    # much was scholarship money: 1.265.433, the rest unrestricted).
    assert by_gift(g2) == [(a.pk, 1, vnd(234_566)), (b.pk, 1, vnd(1_765_433)), (b.pk, 2, vnd(500_001))]
    assert by_gift(g3) == [(b.pk, 2, vnd(765_432))]


def test_a_refunded_gift_funded_nothing_and_plain_allocations_take_their_turn(fund, donor, child, case_worker, manager):
    g1 = gift(fund, donor, 1_000_000, days_ago=30)
    g2 = gift(fund, donor, 1_000_000, days_ago=20)
    donation_refund(donation=g1, reason="Given to the wrong fund")
    # A scholarship allocation outside any award uses g2's money first; the award gets the rest.
    plain = allocation_propose(
        beneficiary=child, fund=fund, kind="scholarship", amount="300000", purpose="Books", actor=case_worker
    )
    allocation_approve(allocation=plain, actor=manager)
    handover_attach(plain, case_worker)
    allocation_disburse(
        allocation=plain, disbursed_on=timezone.localdate(), method="bank_transfer_guardian", actor=case_worker
    )
    a = award(child, fund, case_worker, "500000")
    pay(a, 1, case_worker, manager)
    assert scholarship_funding_for_gift(g1) == []
    assert by_gift(g2) == [(a.pk, 1, vnd(500_000))]
    fifo = [(f.donation_id, f.reference, f.amount) for f in scholarship_funding_fifo(fund)]
    assert fifo[0] == (g2.pk, f"allocation:{plain.pk}", vnd(300_000))


def test_gifts_to_another_fund_pay_nothing_here(paid_terms, other_fund, donor):
    elsewhere = gift(other_fund, donor, 5_000_000, days_ago=60)
    assert scholarship_funding_for_gift(elsewhere) == []
