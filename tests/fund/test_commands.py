"""seed_demo and check_ledger, end to end through call_command, plus the beneficiary_admit
service the seed relies on.

hordak's balance trigger is deferred to commit and a test never commits, so after seeding the
tests run ``SET CONSTRAINTS ALL IMMEDIATE`` (what the ``immediate_constraints`` fixture does):
PostgreSQL then fires every pending check at once, so an unbalanced seed fails the test. The
fixture itself cannot be used before seeding: ledger_post inserts a transaction's legs one at a
time, and an immediate check after the first leg always sees an unbalanced transaction.
"""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from djmoney.money import Money
from hordak.models import Transaction

from audit.models import AuditEntry
from care.models import Beneficiary, BeneficiarySensitive
from care.services import beneficiary_admit
from donors.models import Donor
from fund.errors import FundError
from fund.models import Donation, Fund, LedgerCheck, Posting
from fund.selectors import fund_balance

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    flush_deferred_checks()
    return out.getvalue()


def flush_deferred_checks() -> None:
    """Run hordak's deferred balance and currency checks now, as a commit would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def check_ledger() -> str:
    out = StringIO()
    call_command("check_ledger", stdout=out)
    return out.getvalue()


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


def test_seed_demo_builds_the_demo_centre():
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
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Fund accountant",
        "Case worker",
        "Fund manager",
        "Content editor",
        "Auditor",
    }


def test_seed_demo_twice_changes_nothing():
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "already seeded" in output


def test_seed_demo_refuses_a_real_cpf_fund(fund):
    with pytest.raises(CommandError, match="real data"):
        seed()
    assert not Donor.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_check_ledger_passes_after_seeding():
    seed()
    output = check_ledger()
    assert "Ledger OK" in output
    assert f"{Transaction.objects.count()} transaction(s) checked" in output
    assert "1.900.000.000 ₫" in output
    assert LedgerCheck.objects.get().ok


def test_check_ledger_reports_a_tampered_transaction():
    seed()
    posting = Posting.objects.filter(fund__code="CPF", kind=Posting.Kind.DONATION_RECEIVED).order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE hordak_leg DISABLE TRIGGER hordak_leg_append_only")
        # Both legs in one statement: still balanced, so hordak's own trigger lets it through.
        cursor.execute(
            "UPDATE hordak_leg SET debit = debit + 10000, credit = credit + 10000 WHERE transaction_id = %s",
            [posting.transaction_id],
        )
        assert cursor.rowcount == 2
        cursor.execute("ALTER TABLE hordak_leg ENABLE TRIGGER hordak_leg_append_only")

    out = StringIO()
    with pytest.raises(CommandError, match=r"^\d+ ledger problem\(s\) found$"):
        call_command("check_ledger", stdout=out)
    output = out.getvalue()
    assert "Ledger OK" not in output
    assert f"Posting {posting.pk}: transaction {posting.transaction_id} differs" in output
    assert f"Gift {posting.donation.reference} is worth" in output
    assert not LedgerCheck.objects.get().ok


# --- beneficiary_admit -----------------------------------------------------------------------

CHILD = {
    "case_number": "TE-9001",
    "full_name": "Demo Trần Bé",
    "date_of_birth": datetime.date(2018, 5, 1),
    "group": "child",
    "programme": "orphan",
    "admitted_on": datetime.date(2022, 1, 10),
}


def test_beneficiary_admit_writes_both_rows_and_one_audit_entry():
    beneficiary = beneficiary_admit(**CHILD, sensitive={"health_notes": " Demo notes ", "hiv_status": "negative"})
    assert beneficiary.sensitive.health_notes == "Demo notes"
    assert beneficiary.sensitive.hiv_status == "negative"
    entry = AuditEntry.objects.get()
    assert entry.action == "beneficiary.admit"
    assert entry.object_id == str(beneficiary.pk)
    assert "Demo notes" not in str(entry.data)


def test_beneficiary_admit_always_creates_the_sensitive_record():
    beneficiary = beneficiary_admit(**CHILD)
    assert BeneficiarySensitive.objects.get(beneficiary=beneficiary).hiv_status == "unknown"


@pytest.mark.parametrize(
    "change",
    [
        {"case_number": ""},
        {"group": "teen"},
        {"programme": "elderly"},  # an adult programme for a child
        {"admitted_on": datetime.date(2017, 1, 1)},  # before birth
        {"date_of_birth": datetime.date.today() + datetime.timedelta(days=30)},
        {"sensitive": {"hiv_status": "maybe"}},
        {"sensitive": {"religion": "x"}},
    ],
)
def test_beneficiary_admit_refuses_invalid_input(change):
    with pytest.raises(FundError):
        beneficiary_admit(**{**CHILD, **change})
    assert not Beneficiary.objects.exists()
    assert not AuditEntry.objects.exists()


def test_beneficiary_admit_refuses_a_duplicate_case_number():
    beneficiary_admit(**CHILD)
    with pytest.raises(FundError):
        beneficiary_admit(**{**CHILD, "full_name": "Demo Someone Else"})
    assert Beneficiary.objects.count() == 1


def test_seed_demo_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not Fund.objects.exists()


def test_demo_bank_statement_imports_as_described_twice(tmp_path):
    from fund.models import Commitment
    from payments.models import BankTransaction
    from payments.services.bank_import import bank_statement_import

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
