"""The demo centre's school year and its stores: scholarships for school-age children paid term
by term, school supplies at the start of the school year and donated food and clothes handed
over from stock, through the same services and four-eyes steps as the admin.

Scholarship terms are released on the school's enrolment letter and paid to the school; goods
leave stock at their average recorded value with a signed handover on file. Everything here is
fictitious and marked "(demo)".
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils.html import escape
from weasyprint import HTML

from care.models import Allocation, Beneficiary, ScholarshipAward, ScholarshipTerm, StockItem
from care.selectors import stock_levels
from care.services import (
    TermLine,
    allocation_approve,
    allocation_goods_issue,
    allocation_goods_propose,
    evidence_attach,
    scholarship_award_create,
    scholarship_term_acknowledge,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
)
from fund.models import Fund

from .common import _Clock, _round

SCHOLARSHIPS = 30  # school-age children with a scholarship this school year
SUPPLY_KITS = 40  # children given school supplies when the year began
GOODS_HANDOVERS = 24  # food and clothes handed over from stock
PURPOSES = {"supplies": "Đồ dùng học tập đầu năm học (demo)", "in_kind": "Thực phẩm và quần áo (demo)"}

SCHOOLS = {
    ScholarshipAward.Level.PRIMARY: ("Trường Tiểu học Demo 1", range(6, 11)),
    ScholarshipAward.Level.LOWER_SECONDARY: ("Trường THCS Demo", range(11, 15)),
    ScholarshipAward.Level.UPPER_SECONDARY: ("Trường THPT Demo", range(15, 18)),
}


def _pdf(title: str, lines: list[str]) -> bytes:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return HTML(
        string=f'<html lang="vi"><body style="font-family: sans-serif"><h1>{escape(title)}</h1>{body}</body></html>'
    ).write_pdf()


def _school_year(today: datetime.date) -> tuple[str, datetime.date, datetime.date]:
    """The school year running today (Vietnamese schools start in early September)."""
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}-{first + 1}", datetime.date(first, 9, 5), datetime.date(first + 1, 5, 31)


def _age(beneficiary: Beneficiary, today: datetime.date) -> int:
    born = beneficiary.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _scholarships(rng: random.Random, clock: _Clock, users: dict[str, Any], cpf: Fund) -> int:
    today = clock.today
    school_year, starts, ends = _school_year(today)
    pupils = [
        (child, level)
        for child in Beneficiary.objects.filter(group=Beneficiary.Group.CHILD, left_on__isnull=True).order_by(
            "case_number"
        )
        for level, (_, ages) in SCHOOLS.items()
        if _age(child, starts) in ages
    ]
    paid = 0
    for child, level in rng.sample(pupils, min(SCHOLARSHIPS, len(pupils))):
        per_term = Decimal(_round(rng.uniform(1_200_000, 3_000_000)))
        terms = [TermLine(starts + datetime.timedelta(days=7)), TermLine(datetime.date(ends.year, 1, 15))]
        award = scholarship_award_create(
            beneficiary=child,
            fund=cpf,
            school_year=school_year,
            year_starts_on=starts,
            year_ends_on=ends,
            school=SCHOOLS[level][0],
            level=level,
            payee=ScholarshipAward.Payee.SCHOOL,
            amount_per_term=per_term,
            total=per_term * len(terms),
            terms=terms,
            actor=users["proposer"],
        )
        first = ScholarshipTerm.objects.get(award=award, number=1)
        if first.due_on > today:
            continue  # the year has not begun: both terms wait for their enrolment letters
        confirmed_on = min(today, first.due_on - datetime.timedelta(days=rng.randint(0, 5)))
        reference = f"GXN-{award.pk:03d}/{starts.year} (demo)"
        letter = _pdf("Giấy xác nhận nhập học (demo)", [SCHOOLS[level][0], f"Năm học {school_year}", reference])
        term = scholarship_term_enrolment_confirm(
            term=first,
            confirmed_on=confirmed_on,
            reference=reference,
            confirmation=ContentFile(letter, name=f"giay-xac-nhan-{award.pk}.pdf"),
            actor=users["proposer"],
        )
        allocation_approve(allocation=term.allocation, actor=users["approver"])
        paid_on = min(today, confirmed_on + datetime.timedelta(days=rng.randint(1, 10)))
        term = scholarship_term_pay(term=term, paid_on=paid_on, actor=users["proposer"])
        if rng.random() < 0.8:  # most schools have sent back their receipt
            scholarship_term_acknowledge(
                term=term,
                acknowledged_on=min(today, paid_on + datetime.timedelta(days=rng.randint(1, 14))),
                acknowledged_by=f"Kế toán {SCHOOLS[level][0]} (demo)",
                actor=users["proposer"],
            )
        paid += 1
    return paid


def _hand_over(rng: random.Random, users: dict[str, Any], allocation: Allocation, day: datetime.date) -> None:
    lines = [f"{line.quantity.normalize():f} {line.item.unit} {line.item.name}" for line in allocation.lines.all()]
    evidence_attach(
        subject=allocation,
        kind="handover",
        upload=ContentFile(
            _pdf(
                "Biên bản bàn giao hiện vật (demo)",
                [f"Khoản hỗ trợ số {allocation.pk}", *lines, "Người nhận ký tên: ........"],
            ),
            name=f"ban-giao-{allocation.pk}.pdf",
        ),
        actor=users["proposer"],
    )
    allocation_goods_issue(
        allocation=allocation,
        handed_over_on=day,
        recipient=rng.choice(["guardian", "child"]),
        recipient_name="Người giám hộ (demo)",
        actor=users["proposer"],
    )


def _goods(rng: random.Random, clock: _Clock, users: dict[str, Any], cpf: Fund, *, restriction: str, count: int) -> int:
    """Hand goods of one restriction to ``count`` children, a few units each, while stock lasts."""
    children = list(Beneficiary.objects.filter(group=Beneficiary.Group.CHILD, left_on__isnull=True))
    issued = 0
    for child in rng.sample(children, min(count, len(children))):
        levels = [level for level in stock_levels(fund=cpf, restriction=restriction) if level.quantity >= 2]
        if not levels:
            break
        picked = rng.sample(levels, min(len(levels), rng.randint(1, 2)))
        lines = [
            {
                "item": StockItem.objects.get(pk=level.item_id),
                "restriction": restriction,
                "quantity": str(min(level.quantity // 2, rng.randint(1, 5))),
            }
            for level in picked
        ]
        allocation = allocation_goods_propose(
            beneficiary=child,
            fund=cpf,
            kind=restriction,
            lines=lines,
            purpose="Đồ dùng học tập đầu năm học (demo)"
            if restriction == "supplies"
            else "Thực phẩm và quần áo (demo)",
            actor=users["proposer"],
        )
        allocation = allocation_approve(allocation=allocation, actor=users["approver"])
        if allocation.status != Allocation.Status.APPROVED:  # above the threshold: a second approver
            allocation = allocation_approve(allocation=allocation, actor=users["second"])
        _hand_over(rng, users, allocation, clock.today - datetime.timedelta(days=rng.randint(1, 60)))
        issued += 1
    return issued


def _care_year(rng: random.Random, clock: _Clock, users: dict[str, Any], *, cpf: Fund) -> dict[str, int]:
    return {
        "scholarship terms paid": _scholarships(rng, clock, users, cpf),
        "supply handovers": _goods(rng, clock, users, cpf, restriction="supplies", count=SUPPLY_KITS),
        "goods handovers": _goods(rng, clock, users, cpf, restriction="in_kind", count=GOODS_HANDOVERS),
    }
