"""seed_demo builds the same believable centre every time, through the services, and changes
nothing the second time; demo_bank_statement writes a statement that pays its pledges.

hordak's balance trigger is deferred to commit and a test never commits: tests/support/seeding.py
says how the seed's checks are fired anyway."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import translation
from djmoney.money import Money
from hordak.models import Transaction

from audit.models import AuditEntry
from care.models import Allocation, Beneficiary, BeneficiarySensitive, Evidence, ScholarshipTerm
from donors.models import Donor
from fund.models import Commitment, Donation, Fund, LedgerCheck, Posting
from fund.selectors import fund_balance
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import
from tests.support.seeding import check_ledger, flush_deferred_checks, seed

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "donations": Donation.objects.count(),
        "transactions": Transaction.objects.count(),
        "donors": Donor.objects.count(),
        "beneficiaries": Beneficiary.objects.count(),
        "audit": AuditEntry.objects.count(),
        "users": get_user_model().objects.count(),
        "groups": Group.objects.count(),
    }


# Seeding the demo takes seconds: one test builds it, checks it, and seeds again to see nothing
# change, rather than three tests seeding it three times.
def test_seed_demo_builds_the_demo_centre_and_a_second_run_changes_nothing():
    seed()

    assert set(Fund.objects.values_list("code", flat=True)) == {"CPF", "SPF"}
    assert Donor.objects.filter(kind=Donor.Kind.ORGANISATION).count() == 200
    assert Donor.objects.filter(kind=Donor.Kind.PERSON).count() >= 40
    assert Beneficiary.objects.filter(group=Beneficiary.Group.CHILD).count() == 89
    assert Beneficiary.objects.filter(group=Beneficiary.Group.ADULT).count() == 157
    assert BeneficiarySensitive.objects.count() == 89 + 157

    cpf = Fund.objects.get(code="CPF")
    spf = Fund.objects.get(code="SPF")
    assert fund_balance(cpf).received == Money(Decimal("1900000000"), "VND")
    assert fund_balance(spf).received > Money(Decimal("250000000"), "VND")
    # CPF's total comes from organisations only; every organisation gave.
    cpf_received = Donation.objects.filter(fund=cpf, status=Donation.Status.RECEIVED)
    assert not cpf_received.exclude(donor__kind=Donor.Kind.ORGANISATION).exists()
    assert cpf_received.values("donor").distinct().count() == 200
    assert set(cpf_received.values_list("kind", flat=True)) == set(Donation.Kind.values)

    assert Donation.objects.filter(status=Donation.Status.PLEDGED).count() >= 3
    assert Donation.objects.filter(status=Donation.Status.CANCELLED).count() == 1
    refunded = Donation.objects.get(status=Donation.Status.REFUNDED)
    assert refunded.fund == cpf and refunded.channel == Donation.Channel.CARD
    usd = Donation.objects.get(amount_currency="USD")
    assert usd.exchange_rate == Decimal("25400") and usd.status == Donation.Status.RECEIVED

    assert not Donor.objects.exclude(email__endswith="@example.org").exclude(email__endswith="@example.com").exists()
    assert get_user_model().objects.get(username="admin").is_superuser
    case_worker = get_user_model().objects.get(username="caseworker")
    assert case_worker.check_password("chungtay-demo")
    assert case_worker.has_perm("care.view_beneficiarysensitive")
    assert case_worker.has_perm("wagtailadmin.access_admin")
    assert not get_user_model().objects.get(username="accountant").has_perm("care.view_beneficiarysensitive")
    # A year of giving out: what the public site calls "allocated" is real money paid to people.
    paid = Allocation.objects.filter(status=Allocation.Status.DISBURSED)
    assert paid.filter(fund=cpf, kind="cash", beneficiary__group=Beneficiary.Group.CHILD).count() == 26
    assert paid.filter(fund=spf, beneficiary__group=Beneficiary.Group.ADULT).exists()
    assert fund_balance(cpf).allocated == sum((a.amount for a in paid.filter(fund=cpf)), Money(0, "VND"))
    assert fund_balance(spf).allocated == sum((a.amount for a in paid.filter(fund=spf)), Money(0, "VND"))
    assert fund_balance(cpf).allocated > Money(Decimal("50000000"), "VND")
    assert {
        Allocation.Status.REJECTED,
        Allocation.Status.CANCELLED,
        Allocation.Status.REVERSED,
        Allocation.Status.PROPOSED,
    } <= set(Allocation.objects.values_list("status", flat=True))
    for allocation in paid.filter(amount__gt=Decimal("5000000")):
        assert allocation.approvals.count() == 2, "above the threshold two people approve"
    assert not paid.filter(approvals__user=models.F("proposed_by")).exists(), "nobody approves their own proposal"
    # The school year and the stores: scholarships paid term by term on the school's letter,
    # supplies and donated goods handed over from stock with a signed handover.
    terms_paid = ScholarshipTerm.objects.filter(allocation__status=Allocation.Status.DISBURSED)
    assert terms_paid.count() >= 20
    assert all(Evidence.objects.about(term).filter(kind="enrolment").exists() for term in terms_paid)
    goods = paid.filter(kind__in=["supplies", "in_kind"])
    assert goods.filter(kind="supplies").count() >= 20 and goods.filter(kind="in_kind").count() >= 10
    assert all(Evidence.objects.about(allocation).filter(kind="handover").exists() for allocation in goods)
    assert fund_balance(cpf).allocated > sum((a.amount for a in paid.filter(fund=cpf, kind="cash")), Money(0, "VND"))
    with translation.override("vi"):  # from a shell, check_ledger speaks the site's language
        output = check_ledger()
    assert "Ledger OK" in output
    assert f"{Transaction.objects.count()} transaction(s) checked" in output
    assert "1.900.000.000 ₫" in output
    assert LedgerCheck.objects.get().ok
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Fund accountant",
        "Case worker",
        "Fund manager",
        "Content editor",
        "Auditor",
    }

    before = counts()
    output = seed()
    assert counts() == before
    assert "already seeded" in output


def test_seed_demo_refuses_a_real_cpf_fund(fund):
    with pytest.raises(CommandError, match="real data"):
        seed()
    assert not Donor.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_seed_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not Fund.objects.exists()


def test_demo_bank_statement_imports_as_described_twice(tmp_path):
    seed()
    assert Commitment.objects.get().donations.count() == 3
    path = tmp_path / "statement.csv"
    call_command("demo_bank_statement", "-o", str(path), stdout=StringIO())
    content = path.read_bytes()

    first = bank_statement_import(filename="statement.csv", content=content)
    flush_deferred_checks()
    # The 6 oldest transfer pledges: 5 paid in full, 1 paid short, the last paid twice; then bank
    # interest and a gift with no code. Short, twice, interest and no code wait for review.
    assert (first.new_count, first.matched_count, first.review_count) == (9, 5, 4)
    review = BankTransaction.objects.filter(status="review")
    assert {Decimal(12345), Decimal(300000)} <= {line.amount.amount for line in review}  # interest, no code
    short = [line for line in review if "CT" in line.description and line.donation_id is None]
    assert len(short) == 2  # the short payment and the second copy of a transfer, each naming its pledge

    postings = Posting.objects.count()
    second = bank_statement_import(filename="statement.csv", content=content)
    assert (second.new_count, second.matched_count, second.review_count) == (0, 0, 0)
    assert Posting.objects.count() == postings
    assert "Ledger OK" in check_ledger()
