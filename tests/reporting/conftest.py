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
from donors.models import Donor
from donors.services import donor_create
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


# The contributions report's year: this one, so that a refund recorded today falls inside it.
# Its gifts come in on 1 January (local time), a few hours apart, never after now.
ANONYMOUS_DONORS = ("Trần Thị Demo", "Lê Thị Kín")
NAMED_PERSON = "Phạm Văn Bình"
MINH_LEGAL_NAME = "Nguyễn Văn Minh"
MINH_PUBLIC_NAME = "Gia đình anh Minh"
SECOND_ORGANISATION = "Hội Phụ nữ Phường 1"
CONTRIBUTIONS_CHILD = "Demo Bé Ba"


def local_moment(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    moment = timezone.make_aware(datetime.datetime(year, month, day, hour, minute))
    return min(moment, timezone.now() - datetime.timedelta(minutes=1))


@pytest.fixture
def report_year():
    return timezone.localdate().year


@pytest.fixture
def contributions_ledger(fund, other_fund, donor, organisation, report_year):
    """This year (1 January, local time): the organisation gives cash (5.000.000, at 00:30, still
    31 December in UTC) and notebooks (500.000); a second organisation without a tax code gives
    rice (400.000); Minh, shown as "Gia đình anh Minh", gives cash (200.000) and a scholarship
    (3.000.000) named and cash (1.000.000) anonymously; Bình, named with no public name, gives
    100.000 and 250.000 (refunded today); Demo gives 300.000 and 50.000 and Kín 150.000,
    anonymously. Last year: the organisation's 7.000.000 at 23:30 on 31 December, and Kín's
    80.000 (refunded today). Not counted: a pledge, and a gift to the other fund. One allocation
    of 1.000.000 to an orphan today."""
    year = report_year
    minh = donor_create(kind="person", name=MINH_LEGAL_NAME)
    # No service writes the public name yet (donor_create does not take it): set as a form would.
    Donor.objects.filter(pk=minh.pk).update(public_name=MINH_PUBLIC_NAME)
    minh.refresh_from_db()
    binh = donor_create(kind="person", name=NAMED_PERSON)
    kin = donor_create(kind="person", name=ANONYMOUS_DONORS[1])
    union = donor_create(kind="organisation", name=SECOND_ORGANISATION)

    def gift(who, kind, amount=None, *, at, to=None, lines=None, anonymous=None, received=True):
        extra = {"scholarship_count": 1, "school_year": f"{year}-{year + 1}"} if kind == "scholarship" else {}
        channel = "bank_transfer"
        if lines:
            channel, extra["lines"] = "in_kind_delivery", lines
        else:
            extra["amount"] = str(amount)
        return donation_record(
            fund=to or fund,
            donor=who,
            kind=kind,
            channel=channel,
            is_anonymous=anonymous,
            received_at=at if received else None,
            **extra,
        )

    gift(organisation, "cash", 7_000_000, at=local_moment(year - 1, 12, 31, 23, 30))
    old = gift(kin, "cash", 80_000, at=local_moment(year - 1, 12, 20, 10))
    gift(organisation, "cash", 5_000_000, at=local_moment(year, 1, 1, 0, 30))
    gift(
        organisation,
        "supplies",
        at=local_moment(year, 1, 1, 1),
        lines=[{"description": "Vở", "quantity": "100", "unit": "quyển", "fair_value": "500000"}],
    )
    gift(
        union,
        "in_kind",
        at=local_moment(year, 1, 1, 2),
        lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "400000"}],
    )
    gift(minh, "cash", 200_000, at=local_moment(year, 1, 1, 3), anonymous=False)
    gift(minh, "scholarship", 3_000_000, at=local_moment(year, 1, 1, 3, 10), anonymous=False)
    gift(minh, "cash", 1_000_000, at=local_moment(year, 1, 1, 3, 20), anonymous=True)
    gift(binh, "cash", 100_000, at=local_moment(year, 1, 1, 4), anonymous=False)
    refunded = gift(binh, "cash", 250_000, at=local_moment(year, 1, 1, 4, 10), anonymous=False)
    gift(donor, "cash", 300_000, at=local_moment(year, 1, 1, 5))
    gift(donor, "cash", 50_000, at=local_moment(year, 1, 1, 5, 10))
    gift(kin, "cash", 150_000, at=local_moment(year, 1, 1, 5, 20))
    gift(organisation, "cash", 2_000_000, at=None, received=False)  # a pledge
    gift(organisation, "cash", 999_000, at=local_moment(year, 1, 1, 6), to=other_fund)

    donation_refund(donation=refunded, reason="Sent twice")
    donation_refund(donation=old, reason="Sent to the wrong fund")

    case_worker = staff("cw3", "add_allocation", "disburse_allocation", "add_evidence")
    manager = staff("mgr3", "approve_allocation")
    child = beneficiary_admit(
        case_number="TE-7003",
        full_name=CONTRIBUTIONS_CHILD,
        date_of_birth=datetime.date(2015, 5, 1),
        group="child",
        programme="orphan",
        admitted_on=datetime.date(2022, 1, 10),
    )
    allocation = allocation_propose(
        beneficiary=child, fund=fund, kind="cash", amount="1000000", purpose="Support", actor=case_worker
    )
    allocation_approve(allocation=allocation, actor=manager)
    handover_attach(allocation, case_worker)
    allocation_disburse(
        allocation=allocation, disbursed_on=timezone.localdate(), method="bank_transfer_guardian", actor=case_worker
    )
    return fund
