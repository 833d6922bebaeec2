"""A believable, entirely fictitious demo centre for `manage.py seed_demo`.

Everything is written through the services, exactly as the admin and the public site would
write it, so every gift is posted to the ledger and audited and `check_ledger` passes. Random
choices come from ``random.Random(2026)``: two runs produce the same donors, gifts, amounts and
case files (dates are counted back from the day of the run). Names are prefixed "Demo",
organisations carry "Demo" in their names, emails are @example.org / @example.com and tax codes
start with 99, which no Vietnamese province uses.

The CPF fund doubles as the marker: if it exists the data part is skipped, so seeding twice
changes nothing. Roles and demo users are created only when missing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from hordak.models import Transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from donors.models import Donor
from donors.services import donor_create

from .errors import FundError
from .models import Beneficiary, Campaign, Donation, Fund
from .services import (
    beneficiary_admit,
    campaign_create,
    donation_cancel,
    donation_record,
    donation_refund,
    fund_create,
)

DEMO_PASSWORD = "chungtay-demo"  # noqa: S105 - printed on purpose: demo logins only
CPF_CODE = "CPF"
SPF_CODE = "SPF"
CAMPAIGN_SLUG = "demo-nam-hoc-2026-2027"
SCHOOL_YEAR = "2026-2027"
SEED = 2026

ORGANISATION_COUNT = 200
PERSON_COUNT = 40
CHILD_COUNT = 89
ADULT_COUNT = 157
CPF_TARGET = Decimal("1900000000")  # received by CPF from organisations, exactly
SPF_TARGET = Decimal("250000000")  # SPF ends just above this
USD_RATE = Decimal("25400")
STEP = 10_000  # every amount is a multiple of 10,000 VND

Plan = dict[str, Any]

# --- Roles ---------------------------------------------------------------------------------

ADMIN_ACCESS = "wagtailadmin.access_admin"
HORDAK_VIEW = ["hordak.view_account", "hordak.view_transaction", "hordak.view_leg"]
ROLES: dict[str, dict[str, Any]] = {
    "Fund accountant": {
        "username": "accountant",
        "permissions": [
            "fund.view_fund",
            "fund.view_campaign",
            "fund.add_donation",
            "fund.change_donation",
            "fund.view_donation",
            "fund.add_donationline",
            "fund.view_donationline",
            "fund.view_fundaccount",
            "fund.view_posting",
            "fund.add_ledgercheck",
            "fund.view_ledgercheck",
            "donors.add_donor",
            "donors.change_donor",
            "donors.view_donor",
            *HORDAK_VIEW,
        ],
    },
    "Case worker": {
        "username": "caseworker",
        "permissions": [
            "fund.add_beneficiary",
            "fund.change_beneficiary",
            "fund.view_beneficiary",
            "fund.add_beneficiarysensitive",
            "fund.change_beneficiarysensitive",
            "fund.view_beneficiarysensitive",
        ],
    },
    "Fund manager": {
        "username": "manager",
        "permissions": [
            "fund.add_fund",
            "fund.change_fund",
            "fund.view_fund",
            "fund.add_campaign",
            "fund.change_campaign",
            "fund.view_campaign",
            "fund.view_donation",
            "fund.view_donationline",
            "fund.view_posting",
            "fund.view_ledgercheck",
            "fund.view_beneficiary",
            "donors.view_donor",
        ],
    },
    "Content editor": {
        "username": "editor",
        "permissions": [
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
        ],
        # Wagtail checks pages and media per tree node: granted on the root of each tree.
        "page_permissions": ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page"],
        "collection_permissions": [
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
        ],
    },
    "Auditor": {
        "username": "auditor",
        "permissions": [
            "fund.view_fund",
            "fund.view_campaign",
            "fund.view_donation",
            "fund.view_donationline",
            "fund.view_fundaccount",
            "fund.view_posting",
            "fund.view_ledgercheck",
            "fund.view_beneficiary",
            "donors.view_donor",
            "audit.view_auditentry",
            *HORDAK_VIEW,
        ],
    },
}

# --- Names ---------------------------------------------------------------------------------

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = {"m": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công"], "f": ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim"]}
GIVEN = {
    "m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Tuấn"],
    "f": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Thảo", "Yến"],
}
BUSINESS_NAMES = [
    "An Phát", "Hưng Thịnh", "Minh Long", "Phúc An", "Thành Công", "Đại Việt", "Sao Mai", "Hoà Bình",
    "Tân Tiến", "Bình Minh", "Kim Ngân", "Hồng Hà", "Trường An", "Phú Quý", "Việt Tín", "Hải Đăng",
    "Ánh Dương", "Nam Sơn", "Quang Minh", "Thiên Phúc", "Lộc Phát", "Thịnh Vượng", "Đông Á", "Gia Hưng",
    "Hoàng Long", "Mai Linh", "Ngọc Lan", "Phương Nam", "Thái Bình", "Vạn Xuân",
]  # fmt: skip
BUSINESS_FORMS = [
    "Công ty TNHH Demo {}",
    "Công ty Cổ phần Demo {}",
    "Công ty TNHH Thương mại Demo {}",
    "Công ty Cổ phần Xây dựng Demo {}",
    "Công ty TNHH Thực phẩm Demo {}",
    "Doanh nghiệp tư nhân Demo {}",
]
ASSOCIATION_FORMS = [
    "Hội Doanh nhân trẻ Demo {}",
    "Câu lạc bộ Thiện nguyện Demo {}",
    "Hội Phụ nữ Demo {}",
    "Hội Cựu chiến binh Demo {}",
    "Hội Chữ thập đỏ Demo {}",
]
SCHOOL_FORMS = ["Trường Tiểu học Demo {}", "Trường THCS Demo {}", "Trường THPT Demo {}"]
PLACES = [
    "Phường Một", "Phường Hai", "Phường Ba", "Xã Bình An", "Xã Tân Phú", "Xã Hoà Lạc", "Thị trấn Demo",
    "Xã Phước Long", "Phường Đông Hoà", "Xã Mỹ Thạnh",
]  # fmt: skip
FOREIGN_DONOR = "Demo Jane Example"

# --- Goods: (description, unit, fair value per unit in VND; multiples of 10,000) -----------

RICE = ("Gạo tẻ (rice)", "kg", 20_000)
MILK = ("Sữa tươi hộp 180ml, thùng 48 hộp (milk)", "thùng", 370_000)
CLOTHES = ("Bộ quần áo trẻ em (clothes set)", "bộ", 150_000)
BLANKET = ("Chăn ấm mùa đông (blanket)", "cái", 250_000)
NOTEBOOK = ("Vở học sinh 96 trang (notebook)", "quyển", 10_000)
BACKPACK = ("Ba lô học sinh (backpack)", "cái", 250_000)
PENCIL_SET = ("Bộ dụng cụ học tập (stationery set)", "bộ", 80_000)
ELDERLY_MILK = ("Sữa bột cho người cao tuổi (milk powder)", "hộp", 450_000)
WHEELCHAIR = ("Xe lăn (wheelchair)", "chiếc", 2_500_000)
DIAPERS = ("Tã người lớn (adult diapers)", "bịch", 150_000)

CPF_MESSAGES = ["Chúc các em học tốt!", "Mong các em luôn khoẻ mạnh.", "Tấm lòng nhỏ của công ty.", "", "", ""]
SPF_MESSAGES = ["Kính chúc các cụ mạnh khoẻ.", "Một chút quà nhỏ.", "", "", ""]


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _round(value: float) -> int:
    return max(STEP, int(round(value / STEP)) * STEP)


def _years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Clock:
    """Dates counted back from the day of the run, in the centre's time zone."""

    def __init__(self) -> None:
        self.today = timezone.localdate()

    def at(self, days_ago: int, rng: random.Random) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randrange(0, 60, 5)))
        return timezone.make_aware(moment)


# --- Roles and users -----------------------------------------------------------------------


def _permissions(names: Iterable[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            raise FundError(f"Permission {name} does not exist; run `manage.py migrate` first.")
        found.append(permission)
    return found


def _role_group(name: str, role: dict[str, Any]) -> Group:
    group = Group.objects.create(name=name)
    group.permissions.add(*_permissions([ADMIN_ACCESS, *role["permissions"]]))
    root_page = Page.get_first_root_node()
    if root_page is not None:
        for permission in _permissions(role.get("page_permissions", [])):
            GroupPagePermission.objects.create(group=group, page=root_page, permission=permission)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for permission in _permissions(role.get("collection_permissions", [])):
            GroupCollectionPermission.objects.create(group=group, collection=root_collection, permission=permission)
    return group


def _roles_and_users(stdout: TextIO | None) -> None:
    """Groups with their permissions and one user per role, plus the superuser `admin`.
    Anything that already exists is left exactly as it is (passwords included)."""
    user_model = get_user_model()
    password_hash = ""

    def new_user(username: str, **extra) -> Any:
        # One hash shared by the demo users: PBKDF2 costs most of a second per call.
        nonlocal password_hash
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        user = user_model(username=username, email=f"{username}@example.org", first_name="Demo", **extra)
        user.password = password_hash
        user.save()
        return user

    if user_model.objects.filter(username="admin").exists():
        _say(stdout, "User admin already exists; left unchanged.")
    else:
        new_user("admin", last_name="Administrator", is_staff=True, is_superuser=True)
        _say(stdout, f"Created the Wagtail admin superuser: admin / {DEMO_PASSWORD}")

    for group_name, role in ROLES.items():
        group = Group.objects.filter(name=group_name).first() or _role_group(group_name, role)
        username = role["username"]
        if user_model.objects.filter(username=username).exists():
            _say(stdout, f"User {username} already exists; left unchanged.")
        else:
            new_user(username, last_name=group_name).groups.add(group)
            _say(stdout, f"Created user {username} / {DEMO_PASSWORD} ({group_name})")


# --- Donors --------------------------------------------------------------------------------


def _person_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        sex = rng.choice("mf")
        name = f"Demo {rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        if name not in taken:
            taken.add(name)
            return name


def _consents(rng: random.Random) -> dict[str, bool]:
    return {
        "consent_receipts_by_email": rng.random() < 0.7,
        "consent_news": rng.random() < 0.4,
        # About a third agreed to have their name shown on public pages.
        "anonymous_by_default": rng.random() >= 0.3,
    }


def _organisations(rng: random.Random) -> list[Donor]:
    names = (
        [form.format(name) for form in BUSINESS_FORMS for name in BUSINESS_NAMES]
        + [form.format(place) for form in ASSOCIATION_FORMS for place in PLACES]
        + [form.format(place) for form in SCHOOL_FORMS for place in PLACES]
    )
    businesses = rng.sample(names[: len(BUSINESS_FORMS) * len(BUSINESS_NAMES)], 150)
    others = rng.sample(names[len(BUSINESS_FORMS) * len(BUSINESS_NAMES) :], ORGANISATION_COUNT - 150)
    chosen = sorted(businesses + others)
    tax_codes: set[str] = set()
    contacts: set[str] = set()
    donors = []
    for number, name in enumerate(chosen, 1):
        while (tax_code := f"99{rng.randrange(10**8):08d}") in tax_codes:
            pass
        tax_codes.add(tax_code)
        donors.append(
            donor_create(
                kind=Donor.Kind.ORGANISATION,
                name=name,
                tax_code=tax_code,
                contact_person=_person_name(rng, contacts),
                email=f"demo.org{number:03d}@example.com",
                address=f"Số {rng.randint(1, 300)} Đường Demo, {rng.choice(PLACES)}, Tỉnh Demo",
                preferred_language="en" if rng.random() < 0.1 else "vi",
                **_consents(rng),
            )
        )
    return donors


def _people(rng: random.Random) -> tuple[list[Donor], Donor]:
    taken: set[str] = set()
    people = [
        donor_create(
            kind=Donor.Kind.PERSON,
            name=_person_name(rng, taken),
            email=f"demo.donor{number:02d}@example.org",
            preferred_language="en" if rng.random() < 0.15 else "vi",
            **_consents(rng),
        )
        for number in range(1, PERSON_COUNT + 1)
    ]
    foreign = donor_create(
        kind=Donor.Kind.PERSON,
        name=FOREIGN_DONOR,
        email="jane.example@example.com",
        preferred_language="en",
        consent_receipts_by_email=True,
    )
    return people, foreign


# --- Gifts ---------------------------------------------------------------------------------


def _lines(rng: random.Random, goods: list[tuple[str, str, int]], lo: int, hi: int) -> list[dict]:
    """One line per kind of goods; ``lo``..``hi`` units of value (10,000 VND each) per line."""
    lines = []
    for description, unit, price in goods:
        quantity = max(1, rng.randint(lo, hi) * STEP // price)
        if unit == "kg":
            quantity = max(50, quantity // 50 * 50)
        lines.append({"description": description, "quantity": quantity, "unit": unit, "fair_value": quantity * price})
    return lines


def _value(plan: Plan) -> int:
    if "lines" in plan:
        return sum(line["fair_value"] for line in plan["lines"])
    return plan["amount"]


def _cash_amount(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice([1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000])
    if roll < 0.85:
        return _round(rng.uniform(500_000, 8_000_000))
    if roll < 0.97:
        return rng.choice([15_000_000, 20_000_000, 30_000_000])
    return rng.choice([50_000_000, 100_000_000])


def _cash_channel(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return Donation.Channel.BANK_TRANSFER
    if roll < 0.88:
        return Donation.Channel.CASH
    return Donation.Channel.CARD


def _cpf_plan(rng: random.Random, donor: Donor, clock: _Clock, campaign: Campaign, campaign_days: int) -> Plan:
    """One received CPF gift from an organisation: money, goods, scholarships or supplies."""
    roll = rng.random()
    plan: Plan = {"donor": donor, "message": rng.choice(CPF_MESSAGES)}
    if roll < 0.6:
        days_ago = rng.randint(1, 364)
        plan.update(kind=Donation.Kind.CASH, channel=_cash_channel(rng), amount=_cash_amount(rng))
        if days_ago < campaign_days and rng.random() < 0.5:
            plan["campaign"] = campaign
    elif roll < 0.8:
        days_ago = rng.randint(1, 364)
        goods = rng.sample([RICE, MILK, CLOTHES, BLANKET], rng.randint(1, 3))
        plan.update(kind=Donation.Kind.IN_KIND, channel=Donation.Channel.IN_KIND_DELIVERY)
        plan["lines"] = _lines(rng, goods, 50, 800)
    elif roll < 0.9:
        days_ago = rng.randint(1, campaign_days - 1)
        count = rng.randint(1, 5)
        plan.update(
            kind=Donation.Kind.SCHOLARSHIP,
            channel=Donation.Channel.BANK_TRANSFER,
            amount=count * rng.choice([2_000_000, 3_000_000, 5_000_000]),
            scholarship_count=count,
            school_year=SCHOOL_YEAR,
            campaign=campaign,
        )
    else:
        days_ago = rng.randint(1, campaign_days - 1)
        goods = rng.sample([NOTEBOOK, BACKPACK, PENCIL_SET], rng.randint(1, 3))
        plan.update(kind=Donation.Kind.SUPPLIES, channel=Donation.Channel.IN_KIND_DELIVERY, campaign=campaign)
        plan["lines"] = _lines(rng, goods, 50, 400)
    plan["received_at"] = clock.at(days_ago, rng)
    return plan


def _cpf_plans(rng: random.Random, organisations: list[Donor], clock: _Clock, campaign: Campaign) -> list[Plan]:
    """Gifts adding up to exactly CPF_TARGET: every organisation gives at least once, more
    gifts follow until the rest is small, and one last transfer makes up the exact total."""
    campaign_days = (clock.today - campaign.starts_on).days
    reserve = 20_000_000
    remaining = int(CPF_TARGET)
    plans = []
    givers = rng.sample(organisations, len(organisations))
    while True:
        donor = givers[len(plans)] if len(plans) < len(givers) else rng.choice(organisations)
        plan = _cpf_plan(rng, donor, clock, campaign, campaign_days)
        if remaining - _value(plan) < reserve:
            if len(plans) < len(givers):
                raise RuntimeError("demo gifts too large for the CPF total; lower the amounts")
            break
        plans.append(plan)
        remaining -= _value(plan)
    plans.append(
        {
            "donor": rng.choice(organisations),
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.BANK_TRANSFER,
            "amount": remaining,
            "message": "Ủng hộ cuối năm tài chính.",
            "received_at": clock.at(2, rng),
        }
    )
    return plans


def _spf_plans(
    rng: random.Random, people: list[Donor], foreign: Donor, organisations: list[Donor], clock: _Clock
) -> list[Plan]:
    """Gifts from individuals (mostly) and some organisations, one of them in USD at a recorded
    rate, then one transfer that takes the total just over SPF_TARGET."""
    plans: list[Plan] = [
        {
            "donor": foreign,
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.CARD,
            "amount": Decimal("200.00"),
            "currency": "USD",
            "exchange_rate": USD_RATE,
            "message": "For the elders at the centre. Best wishes from abroad.",
            "received_at": clock.at(rng.randint(10, 200), rng),
            "value": int(Decimal("200.00") * USD_RATE),
        }
    ]
    companies = rng.sample(organisations, 20)
    total = plans[0]["value"]
    while SPF_TARGET - total > 20_000_000:  # no single gift below is larger
        plan: Plan = {"message": rng.choice(SPF_MESSAGES), "received_at": clock.at(rng.randint(1, 364), rng)}
        if rng.random() < 0.75:
            plan.update(
                donor=rng.choice(people),
                kind=Donation.Kind.CASH,
                channel=_cash_channel(rng),
                amount=_round(rng.uniform(200_000, 5_000_000)),
            )
        elif rng.random() < 0.5:
            plan.update(
                donor=rng.choice(companies),
                kind=Donation.Kind.CASH,
                channel=Donation.Channel.BANK_TRANSFER,
                amount=rng.choice([5_000_000, 10_000_000, 15_000_000, 20_000_000]),
            )
        else:
            goods = rng.sample([RICE, ELDERLY_MILK, BLANKET, WHEELCHAIR, DIAPERS], rng.randint(1, 2))
            plan.update(
                donor=rng.choice(companies),
                kind=Donation.Kind.IN_KIND,
                channel=Donation.Channel.IN_KIND_DELIVERY,
                lines=_lines(rng, goods, 50, 300),
            )
        plans.append(plan)
        total += plan.get("value") or _value(plan)
    plans.append(
        {
            "donor": rng.choice(companies),
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.BANK_TRANSFER,
            "amount": int(SPF_TARGET) - total + _round(rng.uniform(100_000, 2_000_000)),
            "message": "Quà Tết cho các cụ.",
            "received_at": clock.at(3, rng),
        }
    )
    return plans


def _record(fund: Fund, plan: Plan) -> Donation:
    plan = {k: v for k, v in plan.items() if k != "value"}
    if "amount" in plan:
        plan["amount"] = Decimal(plan["amount"])
    return donation_record(fund=fund, **plan)


def _special_gifts(
    rng: random.Random,
    cpf: Fund,
    spf: Fund,
    campaign: Campaign,
    organisations: list[Donor],
    people: list[Donor],
    clock: _Clock,
) -> None:
    """Pledges still open, one cancelled pledge and one refunded card gift (on top of the CPF
    total: the refund reverses it in full, so CPF's net received stays exact)."""
    today = clock.today
    donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.SCHOLARSHIP,
        channel=Donation.Channel.BANK_TRANSFER,
        amount=Decimal(50_000_000),
        scholarship_count=10,
        school_year=SCHOOL_YEAR,
        campaign=campaign,
        expected_on=today + datetime.timedelta(days=25),
        message="Cam kết 10 suất học bổng cho học kỳ II.",
    )
    donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.IN_KIND,
        channel=Donation.Channel.IN_KIND_DELIVERY,
        lines=[
            {"description": BLANKET[0], "quantity": 200, "unit": BLANKET[1], "fair_value": 200 * BLANKET[2]},
            {"description": CLOTHES[0], "quantity": 150, "unit": CLOTHES[1], "fair_value": 150 * CLOTHES[2]},
        ],
        expected_on=today + datetime.timedelta(days=14),
        message="Quà mùa đông, giao trước Tết.",
    )
    donation_record(
        fund=spf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.BANK_TRANSFER,
        amount=Decimal(30_000_000),
        expected_on=today + datetime.timedelta(days=30),
    )
    donation_record(
        fund=spf,
        donor=rng.choice(people),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CASH,
        amount=Decimal(2_000_000),
        expected_on=today + datetime.timedelta(days=7),
    )
    cancelled = donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.SUPPLIES,
        channel=Donation.Channel.IN_KIND_DELIVERY,
        lines=[{"description": BACKPACK[0], "quantity": 100, "unit": BACKPACK[1], "fair_value": 100 * BACKPACK[2]}],
        campaign=campaign,
        expected_on=today - datetime.timedelta(days=20),
    )
    donation_cancel(donation=cancelled, reason="Demo: the donor changed plans; the backpacks will not arrive.")
    refunded = donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CARD,
        amount=Decimal(5_000_000),
        received_at=clock.at(40, rng),
    )
    donation_refund(donation=refunded, reason="Demo: card charged twice by mistake; the duplicate is refunded.")


# --- Case files ----------------------------------------------------------------------------

HEALTH_NOTES = [
    "Dữ liệu demo: sức khoẻ ổn định, khám định kỳ hằng tháng.",
    "Dữ liệu demo: theo dõi dinh dưỡng.",
    "Dữ liệu demo: không có ghi chú đặc biệt.",
]


def _admit(rng: random.Random, clock: _Clock, *, prefix: str, count: int, group: str, programmes: dict) -> None:
    taken: set[str] = set()
    today = clock.today
    names = list(programmes)
    for number in range(1, count + 1):
        programme = rng.choices(names, weights=[w for _, _, w in programmes.values()])[0]
        lo, hi, _weight = programmes[programme]
        date_of_birth = _years_ago(today, rng.randint(lo, hi)) - datetime.timedelta(days=rng.randint(0, 360))
        earliest = max(
            date_of_birth + datetime.timedelta(days=30),
            _years_ago(date_of_birth, -18) if group == Beneficiary.Group.ADULT else date_of_birth,
            _years_ago(today, 15),
        )
        span = (today - datetime.timedelta(days=7) - earliest).days
        admitted_on = earliest + datetime.timedelta(days=rng.randint(0, max(0, span)))
        disabled = programme in (Beneficiary.Programme.DISABILITY, Beneficiary.Programme.ADULT_DISABILITY)
        beneficiary_admit(
            case_number=f"{prefix}-{number:04d}",
            full_name=_person_name(rng, taken),
            date_of_birth=date_of_birth,
            group=group,
            programme=programme,
            admitted_on=admitted_on,
            sensitive={
                "health_notes": rng.choice(HEALTH_NOTES),
                "disability": "Dữ liệu demo: cần hỗ trợ trong sinh hoạt hằng ngày." if disabled else "",
                "family_situation": "Dữ liệu demo: hoàn cảnh gia đình khó khăn.",
                "guardian_contact": "Dữ liệu demo: không phải thông tin thật." if group == "child" else "",
            },
        )


# --- Entry point ---------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    """What the database holds (all of it, not only demo rows)."""
    user_model = get_user_model()
    by_status = {s: Donation.objects.filter(status=s).count() for s in Donation.Status.values}
    return {
        "funds": Fund.objects.count(),
        "campaigns": Campaign.objects.count(),
        "organisations": Donor.objects.filter(kind=Donor.Kind.ORGANISATION).count(),
        "people": Donor.objects.filter(kind=Donor.Kind.PERSON).count(),
        "donations": Donation.objects.count(),
        **{f"donations_{status}": count for status, count in by_status.items()},
        "transactions": Transaction.objects.count(),
        "children": Beneficiary.objects.filter(group=Beneficiary.Group.CHILD).count(),
        "adults": Beneficiary.objects.filter(group=Beneficiary.Group.ADULT).count(),
        "groups": Group.objects.count(),
        "users": user_model.objects.count(),
    }


def demo_seed(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Seed the demo centre in one transaction (nothing half-done on failure) and return the
    database's counts afterwards, with ``seeded`` 1 if data was written now, 0 if it was there.

    Refuses (FundError) when a CPF fund exists without the demo campaign: that is real data.
    """
    with transaction.atomic():
        _roles_and_users(stdout)
        existing = Fund.objects.filter(code=CPF_CODE).first()
        if existing is not None:
            if not Campaign.objects.filter(fund=existing, slug=CAMPAIGN_SLUG).exists():
                raise FundError(
                    f"A fund with code {CPF_CODE} exists but holds no demo campaign: this looks like real "
                    "data, so no demo data was added."
                )
            _say(stdout, f"Demo data already seeded (fund {CPF_CODE} exists); nothing to add.")
            return {"seeded": 0, **demo_counts()}

        rng = random.Random(SEED)
        clock = _Clock()
        cpf = fund_create(
            name="Quỹ Bảo trợ trẻ em",
            code=CPF_CODE,
            restricted_purpose=(
                "Chỉ dùng cho trẻ em đang được Trung tâm nuôi dưỡng: trẻ mồ côi, bị bỏ rơi, khuyết tật nặng "
                "hoặc bị ảnh hưởng bởi HIV/AIDS.\n"
                "Children's Protection Fund: restricted to children in the centre's care (orphaned or "
                "abandoned, severely disabled, or affected by HIV/AIDS)."
            ),
        )
        spf = fund_create(
            name="Quỹ Bảo trợ xã hội",
            code=SPF_CODE,
            restricted_purpose=(
                "Chỉ dùng cho người cao tuổi và người khuyết tật trưởng thành đang được Trung tâm chăm sóc.\n"
                "Social Protection Fund: restricted to elderly people and adults with disabilities in the "
                "centre's care."
            ),
        )
        campaign = campaign_create(
            fund=cpf,
            name="Chung tay đến trường năm học 2026-2027 (Back to school 2026-2027)",
            slug=CAMPAIGN_SLUG,
            starts_on=clock.today - datetime.timedelta(days=150),
            ends_on=clock.today + datetime.timedelta(days=40),
            goal=Decimal(1_000_000_000),
        )
        _say(stdout, "Created funds CPF and SPF and the school-year campaign.")

        organisations = _organisations(rng)
        people, foreign = _people(rng)
        _say(stdout, f"Created {len(organisations)} organisations and {len(people) + 1} individual donors.")

        cpf_plans = sorted(_cpf_plans(rng, organisations, clock, campaign), key=lambda p: p["received_at"])
        spf_plans = sorted(_spf_plans(rng, people, foreign, organisations, clock), key=lambda p: p["received_at"])
        for plan in cpf_plans:
            _record(cpf, plan)
        for plan in spf_plans:
            _record(spf, plan)
        _special_gifts(rng, cpf, spf, campaign, organisations, people, clock)
        _say(stdout, f"Recorded {len(cpf_plans)} CPF gifts and {len(spf_plans)} SPF gifts, plus pledges and a refund.")

        _admit(
            rng,
            clock,
            prefix="TE",
            count=CHILD_COUNT,
            group=Beneficiary.Group.CHILD,
            programmes={"orphan": (2, 17, 50), "disability": (2, 17, 35), "hiv": (2, 17, 15)},
        )
        _admit(
            rng,
            clock,
            prefix="NL",
            count=ADULT_COUNT,
            group=Beneficiary.Group.ADULT,
            programmes={"elderly": (60, 95, 70), "adult_disability": (18, 59, 30)},
        )
        _say(stdout, f"Admitted {CHILD_COUNT} children and {ADULT_COUNT} adults (fictitious case files).")
        return {"seeded": 1, **demo_counts()}
