"""A small ledger with one of everything a fund statement shows, on dates relative to today (a
refund and a reversal are always recorded today, so the period ends today).

Before the period: a 1.000.000 ₫ cash gift (the opening balance). In the period: cash from an
organisation (5.000.000) and a person (200.000, refunded today), a scholarship gift (3.000.000),
rice (10 kg, 400.000) and notebooks (100, 500.000); 1.000.000 cash to child A (orphan),
2.000.000 scholarship to child B (disability), 300.000 cash to child B reversed today, 20
notebooks (100.000) to child A, one kilo of rice found missing at a count (40.000).
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from djmoney.money import Money

from care.models import StockLine
from care.services import (
    allocation_approve,
    allocation_disburse,
    allocation_propose,
    allocation_reverse,
    beneficiary_admit,
    stock_count_approve,
    stock_count_record,
)
from fund.services import donation_record, donation_refund
from tests.care.stock_helpers import approved_goods, issue, item
from tests.support.evidence import handover_attach

CHILD_NAMES = ("Demo Bé Một", "Demo Bé Hai")
CASE_NUMBERS = ("TE-7001", "TE-7002")
GUARDIAN_NAME = "Bà Giám Hộ Demo"


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="care", codename__in=codenames))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def period():
    return days_ago(200), timezone.localdate()


@pytest.fixture
def built_ledger(fund, donor, organisation):
    def gift(who, kind, amount=None, *, on, lines=None, channel="bank_transfer"):
        extra = {"scholarship_count": 1, "school_year": "2026-2027"} if kind == "scholarship" else {}
        if lines:
            channel, extra["lines"] = "in_kind_delivery", lines
        else:
            extra["amount"] = str(amount)
        return donation_record(
            fund=fund, donor=who, kind=kind, channel=channel, received_at=at_noon(days_ago(on)), **extra
        )

    gift(donor, "cash", 1_000_000, on=300)
    gift(organisation, "cash", 5_000_000, on=190)
    gift(organisation, "scholarship", 3_000_000, on=180)
    gift(
        donor, "in_kind", on=170, lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "400000"}]
    )
    gift(
        organisation,
        "supplies",
        on=160,
        lines=[{"description": "Vở", "quantity": "100", "unit": "quyển", "fair_value": "500000"}],
    )
    refunded = gift(donor, "cash", 200_000, on=150)

    case_worker = staff("cw", "add_allocation", "disburse_allocation", "add_evidence", "add_stockcount")
    manager = staff("mgr", "approve_allocation", "approve_stockcount")
    child_a, child_b = (
        beneficiary_admit(
            case_number=case,
            full_name=name,
            date_of_birth=datetime.date(2015, 5, 1),
            group="child",
            programme=programme,
            admitted_on=datetime.date(2022, 1, 10),
        )
        for case, name, programme in zip(CASE_NUMBERS, CHILD_NAMES, ("orphan", "disability"), strict=True)
    )

    def pay(child, kind, amount, *, on):
        allocation = allocation_propose(
            beneficiary=child, fund=fund, kind=kind, amount=str(amount), purpose="Support", actor=case_worker
        )
        allocation_approve(allocation=allocation, actor=manager)
        handover_attach(allocation, case_worker)
        return allocation_disburse(
            allocation=allocation, disbursed_on=days_ago(on), method="bank_transfer_guardian", actor=case_worker
        )

    pay(child_a, "cash", 1_000_000, on=100)
    pay(child_b, "scholarship", 2_000_000, on=90)
    mistaken = pay(child_b, "cash", 300_000, on=80)
    notebooks = approved_goods(
        child_a, fund, case_worker, manager, (item("Vở", "quyển"), "supplies", 20), kind="supplies"
    )
    issue(notebooks, case_worker, on=days_ago(50), recipient_name=GUARDIAN_NAME)
    rice = StockLine.objects.get(item=item("Gạo", "kg"))
    count = stock_count_record(
        fund=fund,
        counted_on=days_ago(40),
        lines=[{"item": rice.item, "restriction": "in_kind", "counted": "9"}],
        actor=case_worker,
    )
    stock_count_approve(count=count, actor=manager)

    donation_refund(donation=refunded, reason="Sent to the wrong fund")
    allocation_reverse(allocation=mistaken, reason="Paid twice", actor=case_worker)
    return fund
