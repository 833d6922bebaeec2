"""The demo centre's year of giving out: support to people in care, through the same services
and the same four-eyes steps a case worker and a fund manager take in the admin.

Emergency support (cash) for 26 children's cases from CPF, and a few for adults from SPF; above
the fund's threshold a second approver (the administrator) signs too. A few proposals end
otherwise, as they do in a real year: one rejected, one cancelled, one paid by mistake and
reversed. Payment dates are spread over the past year, so statements have a year to show.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils.html import escape
from weasyprint import HTML

from care.models import Allocation, Beneficiary
from care.services import (
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_propose,
    allocation_reject,
    allocation_reverse,
    evidence_attach,
)
from fund.models import Fund
from fund.services import fund_update

from .care_year import _care_year
from .common import _Clock, _round

EMERGENCY_CASES = 26  # the centre's reported number of emergency support cases in a year
ADULT_CASES = 8
SECOND_APPROVAL_ABOVE = Decimal("5000000")  # one approver up to 5 million ₫, two above

EMERGENCY_PURPOSES = [
    "Hỗ trợ khẩn cấp: viện phí điều trị (demo)",
    "Hỗ trợ khẩn cấp: thuốc điều trị dài ngày (demo)",
    "Hỗ trợ khẩn cấp: phẫu thuật chỉnh hình (demo)",
    "Hỗ trợ khẩn cấp: dụng cụ trợ giúp vận động (demo)",
    "Hỗ trợ khẩn cấp: chi phí đi lại khám chuyên khoa (demo)",
]
ADULT_PURPOSES = [
    "Hỗ trợ viện phí (demo)",
    "Hỗ trợ xe lăn và dụng cụ phục hồi chức năng (demo)",
    "Hỗ trợ thuốc điều trị bệnh mãn tính (demo)",
]


def _users() -> dict[str, Any]:
    names = {"proposer": "caseworker", "approver": "manager", "second": "admin", "accountant": "accountant"}
    by_name = {user.username: user for user in get_user_model().objects.filter(username__in=names.values())}
    return {role: by_name[username] for role, username in names.items()}


def _paid(
    users: dict[str, Any],
    *,
    beneficiary: Beneficiary,
    fund: Fund,
    amount: int,
    purpose: str,
    paid_on: datetime.date,
) -> Allocation:
    allocation = allocation_propose(
        beneficiary=beneficiary,
        fund=fund,
        kind=Allocation.Kind.CASH,
        amount=Decimal(amount),
        purpose=purpose,
        actor=users["proposer"],
    )
    allocation = allocation_approve(allocation=allocation, actor=users["approver"])
    if allocation.status == Allocation.Status.PROPOSED:  # above the threshold: a second approver
        allocation = allocation_approve(allocation=allocation, actor=users["second"])
    evidence_attach(
        subject=allocation,
        kind="handover",
        upload=ContentFile(_handover_pdf(allocation, paid_on), name=f"bien-ban-{allocation.pk}.pdf"),
        actor=users["proposer"],
    )
    return allocation_disburse(
        allocation=allocation,
        disbursed_on=paid_on,
        method=Allocation.Method.BANK_TRANSFER_GUARDIAN,
        actor=users["proposer"],
    )


def _handover_pdf(allocation: Allocation, paid_on: datetime.date) -> bytes:
    """A one-page handover record, as the centre scans after the guardian signs it (no names:
    the demo's evidence stands for a paper that would carry them)."""
    html = f"""<html lang="vi"><body style="font-family: sans-serif">
    <h1>Biên bản bàn giao (demo)</h1>
    <p>Khoản hỗ trợ số {allocation.pk}: {escape(allocation.purpose)}</p>
    <p>Số tiền: {allocation.amount.amount:,.0f} ₫ — ngày {paid_on:%d/%m/%Y}</p>
    <p>Người nhận ký tên: ........................</p></body></html>"""
    return HTML(string=html).write_pdf()


def _pay_day(rng: random.Random, clock: _Clock, beneficiary: Beneficiary) -> datetime.date:
    """A day in the past year, after the person was admitted."""
    first = max(beneficiary.admitted_on, clock.today - datetime.timedelta(days=350))
    span = max(0, (clock.today - datetime.timedelta(days=3) - first).days)
    return first + datetime.timedelta(days=rng.randint(0, span))


def _allocate_year(rng: random.Random, clock: _Clock, *, cpf: Fund, spf: Fund) -> dict[str, int]:
    """Cash support through the year, then the school year and the stores (demo.care_year);
    returns what was given and how many allocations ended in each status."""
    users = _users()
    for fund in (cpf, spf):
        fund_update(
            fund=fund,
            name=fund.name,
            restricted_purpose=fund.restricted_purpose,
            is_active=True,
            second_approval_above=SECOND_APPROVAL_ABOVE,
        )
    children = list(Beneficiary.objects.filter(group=Beneficiary.Group.CHILD).order_by("case_number"))
    adults = list(Beneficiary.objects.filter(group=Beneficiary.Group.ADULT).order_by("case_number"))

    for beneficiary in rng.sample(children, EMERGENCY_CASES):
        _paid(
            users,
            beneficiary=beneficiary,
            fund=cpf,
            amount=_round(rng.lognormvariate(15.2, 0.5)),  # about 4 million ₫, a few above 10
            purpose=rng.choice(EMERGENCY_PURPOSES),
            paid_on=_pay_day(rng, clock, beneficiary),
        )
    for beneficiary in rng.sample(adults, ADULT_CASES):
        _paid(
            users,
            beneficiary=beneficiary,
            fund=spf,
            amount=_round(rng.uniform(1_000_000, 4_000_000)),
            purpose=rng.choice(ADULT_PURPOSES),
            paid_on=_pay_day(rng, clock, beneficiary),
        )

    # A year has its other endings too.
    child = rng.choice(children)
    rejected = allocation_propose(
        beneficiary=child,
        fund=cpf,
        kind=Allocation.Kind.CASH,
        amount=Decimal(30_000_000),
        purpose="Hỗ trợ khẩn cấp: sửa nhà của người thân (demo)",
        actor=users["proposer"],
    )
    allocation_reject(
        allocation=rejected,
        reason="Ngoài mục đích của quỹ: quỹ chỉ hỗ trợ trực tiếp cho trẻ (demo)",
        actor=users["approver"],
    )
    cancelled = allocation_propose(
        beneficiary=rng.choice(children),
        fund=cpf,
        kind=Allocation.Kind.CASH,
        amount=Decimal(2_000_000),
        purpose="Hỗ trợ khẩn cấp: khám mắt (demo)",
        actor=users["proposer"],
    )
    allocation_cancel(allocation=cancelled, reason="Bệnh viện miễn phí khám cho trẻ (demo)", actor=users["proposer"])
    mistaken = _paid(
        users,
        beneficiary=child,
        fund=cpf,
        amount=3_000_000,
        purpose="Hỗ trợ khẩn cấp: viện phí điều trị (demo)",
        paid_on=_pay_day(rng, clock, child),
    )
    allocation_reverse(
        allocation=mistaken,
        reason="Ghi nhầm: khoản này đã được bảo hiểm y tế chi trả, tiền đã hoàn lại quỹ (demo)",
        actor=users["accountant"],
    )
    # Two waiting in the manager's queue, for the admin to show.
    for beneficiary in rng.sample(children, 2):
        allocation_propose(
            beneficiary=beneficiary,
            fund=cpf,
            kind=Allocation.Kind.CASH,
            amount=Decimal(_round(rng.uniform(1_000_000, 3_000_000))),
            purpose=rng.choice(EMERGENCY_PURPOSES),
            actor=users["proposer"],
        )
    care = _care_year(rng, clock, users, cpf=cpf)
    return {
        **care,
        **{
            status: Allocation.objects.filter(status=status).count()
            for status in Allocation.Status.values
            if Allocation.objects.filter(status=status).exists()
        },
    }
