"""beneficiary_admit: a case file and its sensitive record written together, or nothing."""

import datetime

import pytest

from audit.models import AuditEntry
from care.models import Beneficiary, BeneficiarySensitive
from care.services import beneficiary_admit
from fund.errors import FundError

pytestmark = pytest.mark.django_db


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
