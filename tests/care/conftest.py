import datetime

import pytest
from django.contrib.auth.models import Permission, User

from care.services import beneficiary_admit
from fund.services import donation_receive, donation_record


def give(fund, donor, amount, *, kind="cash", channel="bank_transfer"):
    extra = {"scholarship_count": 1, "school_year": "2026-2027"} if kind == "scholarship" else {}
    gift = donation_record(fund=fund, donor=donor, kind=kind, channel=channel, amount=str(amount), **extra)
    donation_receive(donation=gift)
    return gift


def staff_user(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="care", codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def child(db):
    return beneficiary_admit(
        case_number="TE-0001",
        full_name="Demo Bé Một",
        date_of_birth=datetime.date(2016, 3, 1),
        group="child",
        programme="orphan",
        admitted_on=datetime.date(2022, 1, 10),
    )


@pytest.fixture
def case_worker(db):
    return staff_user(
        "caseworker", "view_allocation", "add_allocation", "disburse_allocation", "add_evidence", "view_evidence"
    )


@pytest.fixture
def manager(db):
    return staff_user("manager", "view_allocation", "approve_allocation")


@pytest.fixture
def second_manager(db):
    return staff_user("manager2", "view_allocation", "approve_allocation")


@pytest.fixture
def funded(fund, donor):
    """3.000.000 ₫ unrestricted and 5.000.000 ₫ of scholarship gifts in the bank, 500.000 ₫ in the cash box."""
    give(fund, donor, 3_000_000)
    give(fund, donor, 5_000_000, kind="scholarship")
    give(fund, donor, 500_000, channel="cash")
    return fund
