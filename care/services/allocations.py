"""Allocations, from proposal to payment (or not). One transaction and one audit entry each.

Lock order, the same in every service here: the allocation's row first, then the fund's
(fund.services.fund_lock, inside fund_spend_check / fund_spend). Two approvals of one fund at
once therefore queue on the fund row, and each counts what the other approved.

Audit entries name the allocation, fund, kind and amounts, never the person: the audit trail
shows its data about a case only to those who may open case files, and here there is nothing
of the case file to hide anyway.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from fund.errors import FundError
from fund.models import Fund
from fund.money import money_parse
from fund.services import fund_lock, fund_spend, fund_spend_check, fund_spend_reverse
from fund.text import text_clean

from ..errors import CareError
from ..models import Allocation, AllocationApproval, Beneficiary, ScholarshipTerm
from ..selectors import allocations_committed
from .evidence import HANDOVER_KINDS, evidence_require
from .stock import stock_available_check

APPROVE_PERMISSION = "care.approve_allocation"
# How each payment method takes money out of the fund.
PAID_FROM = {
    Allocation.Method.CASH: "cash_on_hand",
    Allocation.Method.BANK_TRANSFER_GUARDIAN: "bank",
    Allocation.Method.BANK_TRANSFER_SCHOOL: "bank",
}


def _user(actor: Any) -> Any:
    if not getattr(actor, "is_authenticated", False):
        raise CareError(_("This step is recorded with the name of the person who takes it: sign in first."))
    return actor


def _locked(allocation: Allocation) -> Allocation:
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("fund", "beneficiary", "posting")
        .get(pk=allocation.pk)
    )


def _require_status(allocation: Allocation, *allowed: str) -> None:
    if allocation.status in allowed:
        return
    names = [str(Allocation.Status(status).label).lower() for status in allowed]
    values = {"ref": allocation.pk, "status": allocation.get_status_display().lower(), "needed": names[0]}
    if len(names) == 1:
        raise CareError(_("Allocation %(ref)s is %(status)s; this step needs it %(needed)s.") % values)
    raise CareError(
        _("Allocation %(ref)s is %(status)s; this step needs it %(needed)s or %(other)s.")
        % {**values, "other": names[1]}
    )


def _require_in_care(beneficiary: Beneficiary, *, refusal: str) -> None:
    """``refusal`` is a whole sentence with %(case)s and %(date)s, said when the person has left."""
    beneficiary = Beneficiary.objects.get(pk=beneficiary.pk)  # the case file as it is now
    if not beneficiary.in_care:
        raise CareError(refusal % {"case": beneficiary.case_number, "date": beneficiary.left_on.isoformat()})


def _amount(fund: Fund, amount: Money | Decimal | str) -> Money:
    if isinstance(amount, Money) and amount.currency.code != fund.currency:
        raise CareError(
            {
                "amount": _("Fund %(fund)s gives in %(currency)s; the amount is in %(given)s.")
                % {"fund": fund.code, "currency": fund.currency, "given": amount.currency.code}
            }
        )
    try:
        return money_parse(amount, fund.currency)
    except FundError as exc:
        raise CareError({"amount": exc.messages}) from exc


def _audit(allocation: Allocation, *, action: str, actor: Any, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=f"allocation.{action}",
        obj=allocation,
        data={
            "fund": allocation.fund.code,
            "kind": allocation.kind,
            "programme": allocation.programme,
            "amount": str(allocation.amount.amount),
            "currency": allocation.amount.currency.code,
            "status": allocation.status,
            **data,
        },
    )


def allocation_propose(
    *,
    beneficiary: Beneficiary,
    fund: Fund,
    kind: str,
    amount: Money | Decimal | str,
    purpose: str,
    actor: Any,
) -> Allocation:
    """A case worker proposes support for a person in care from an open fund. The programme is
    the person's own at the time of the proposal (the ledger posting will carry it)."""
    proposer = _user(actor)
    if kind in Allocation.GOODS_KINDS:
        raise CareError({"kind": _("Goods are proposed with their lines, from the stock.")})
    if kind not in Allocation.Kind.values:
        raise CareError({"kind": _("An allocation is cash or a scholarship for now, not %(kind)r.") % {"kind": kind}})
    fund = Fund.objects.get(pk=fund.pk)
    if not fund.is_active:
        raise CareError({"fund": _("Fund %(fund)s is closed: nothing more is given from it.") % {"fund": fund.code}})
    money = _amount(fund, amount)
    purpose = text_clean(purpose, field="purpose", max_length=500, required=True)
    _require_in_care(beneficiary, refusal=_("%(case)s left care on %(date)s: nothing more is proposed for them."))
    beneficiary = Beneficiary.objects.get(pk=beneficiary.pk)
    with transaction.atomic():
        allocation = Allocation.objects.create(
            beneficiary=beneficiary,
            fund=fund,
            kind=kind,
            amount=money,
            purpose=purpose,
            programme=beneficiary.programme,
            proposed_by=proposer,
        )
        _audit(allocation, action="propose", actor=actor)
    return allocation


def approvals_needed(allocation: Allocation) -> int:
    """Two distinct approvers above the fund's threshold, else one."""
    threshold = allocation.fund.second_approval_above
    return 2 if threshold is not None and allocation.amount.amount > threshold else 1


def allocation_approve(*, allocation: Allocation, actor: Any) -> Allocation:
    """A fund manager approves. Never the proposer, never twice by one person. The approval
    that completes it (the second one above the fund's threshold) locks the fund and checks
    its money covers this allocation on top of every other one approved and not yet paid, so
    approvals at once cannot promise more than the fund holds."""
    approver = _user(actor)
    if not approver.has_perm(APPROVE_PERMISSION):
        raise CareError(_("Approving an allocation needs the fund manager role."))
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.PROPOSED)
        if allocation.proposed_by_id == approver.pk:
            raise CareError(_("You proposed this allocation: someone else must approve it."))
        if allocation.approvals.filter(user=approver).exists():
            raise CareError(_("You have already approved this allocation; it needs a different second approver."))
        _require_in_care(
            allocation.beneficiary, refusal=_("%(case)s left care on %(date)s: cancel this allocation instead.")
        )
        fund = fund_lock(fund=allocation.fund)
        if not fund.is_active:
            raise CareError(_("Fund %(fund)s is closed: nothing more is given from it.") % {"fund": fund.code})
        count = allocation.approvals.count() + 1
        needed = approvals_needed(allocation)
        complete = count >= needed
        if complete and allocation.is_goods:
            # Goods are promised from the stock, on top of what other approvals hold back.
            lines = [(line.item, line.restriction, line.quantity) for line in allocation.lines.select_related("item")]
            stock_available_check(fund=fund, lines=lines, exclude=allocation)
        elif complete:
            committed = allocations_committed(fund=fund, exclude=allocation)  # read under the fund lock
            fund_spend_check(
                fund=fund,
                purpose=allocation.kind,
                amount=allocation.amount,
                committed_cash=committed[Allocation.Kind.CASH],
                committed_scholarship=committed[Allocation.Kind.SCHOLARSHIP],
            )
        AllocationApproval.objects.create(allocation=allocation, user=approver)
        if complete:
            allocation.status = Allocation.Status.APPROVED
            allocation.approved_at = timezone.now()
            allocation.save(update_fields=["status", "approved_at"])
        _audit(allocation, action="approve", actor=actor, approvals=count, needed=needed)
    return allocation


def _close(allocation: Allocation, *, status: str, reason: str, actor: Any, action: str) -> Allocation:
    allocation.status = status
    allocation.closed_reason = reason
    allocation.closed_at = timezone.now()
    allocation.closed_by = _user(actor)
    allocation.save(update_fields=["status", "closed_reason", "closed_at", "closed_by"])
    _audit(allocation, action=action, actor=actor, reason=reason)
    return allocation


def allocation_reject(*, allocation: Allocation, reason: str, actor: Any) -> Allocation:
    """A fund manager turns a proposal down, saying why."""
    user = _user(actor)
    if not user.has_perm(APPROVE_PERMISSION):
        raise CareError(_("Rejecting an allocation needs the fund manager role."))
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.PROPOSED)
        return _close(allocation, status=Allocation.Status.REJECTED, reason=reason, actor=actor, action="reject")


def allocation_cancel(*, allocation: Allocation, reason: str, actor: Any) -> Allocation:
    """Withdraw an allocation not yet paid (proposed or approved); what it reserved is free again."""
    _user(actor)
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.PROPOSED, Allocation.Status.APPROVED)
        return _close(allocation, status=Allocation.Status.CANCELLED, reason=reason, actor=actor, action="cancel")


def allocation_undeliverable(*, allocation: Allocation, reason: str, actor: Any) -> Allocation:
    """An allocation not yet paid that cannot be given (the person left care first, the school
    closed): nothing was paid, and what it reserved is free again. Usually approved; a proposal
    too, when the person leaves care before anyone approved it (beneficiary_discharge)."""
    _user(actor)
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.APPROVED, Allocation.Status.PROPOSED)
        return _close(
            allocation, status=Allocation.Status.UNDELIVERABLE, reason=reason, actor=actor, action="undeliverable"
        )


def _require_payee_method(allocation: Allocation, method: str) -> None:
    """A scholarship term is paid to its award's payee, by the payee's method."""
    term = ScholarshipTerm.objects.filter(allocation=allocation).select_related("award").first()
    if term is not None and method != term.award.payment_method:
        raise CareError(
            {
                "method": _("This allocation pays a scholarship term to %(payee)s: choose %(method)s.")
                % {
                    "payee": term.award.get_payee_display().lower(),
                    "method": Allocation.Method(term.award.payment_method).label.lower(),
                }
            }
        )


def allocation_disburse(*, allocation: Allocation, disbursed_on: datetime.date, method: str, actor: Any) -> Allocation:
    """Pay an approved allocation out: post it to the fund's ledger (fund.services.fund_spend,
    which locks the fund and checks its money again) and keep the posting. A person who has
    left care is refused: mark the allocation undeliverable instead."""
    user = _user(actor)
    if method not in PAID_FROM:
        raise CareError({"method": _("Choose how it was paid: cash or a bank transfer.")})
    if disbursed_on > timezone.localdate():
        raise CareError({"disbursed_on": _("Record a payment on the day it is made, not in advance.")})
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.APPROVED)
        if allocation.is_goods:
            raise CareError(_("Goods are handed over, not paid: record the handover instead."))
        _require_in_care(
            allocation.beneficiary,
            refusal=_("%(case)s left care on %(date)s: mark this allocation undeliverable instead."),
        )
        _require_payee_method(allocation, method)
        # Money handed to someone needs their signature or signed receipt on file. A scholarship
        # term's payment is released only on the school's enrolment letter, kept on the term
        # (scholarship_term_enrolment_confirm), and is paid to the award's payee; the payee's
        # acknowledgement follows as the term's next step.
        if not ScholarshipTerm.objects.filter(allocation=allocation).exists():
            evidence_require(
                subject=allocation,
                kinds=HANDOVER_KINDS,
                refusal=_("Allocation %(ref)s has no handover document or signature yet: attach one, then pay it out."),
            )
        posting = fund_spend(
            fund=allocation.fund,
            purpose=allocation.kind,
            programme=allocation.programme,
            reference=allocation.reference,
            recipient=allocation.ledger_recipient,
            amount=allocation.amount,
            date=disbursed_on,
            paid_from=PAID_FROM[method],
            description=f"Allocation {allocation.pk}: {allocation.get_kind_display()} ({allocation.programme})",
            actor=actor,
        )
        allocation.status = Allocation.Status.DISBURSED
        allocation.posting = posting
        allocation.disbursed_on = disbursed_on
        allocation.disbursed_at = timezone.now()
        allocation.disbursed_by = user
        allocation.method = method
        allocation.save(update_fields=["status", "posting", "disbursed_on", "disbursed_at", "disbursed_by", "method"])
        _audit(allocation, action="disburse", actor=actor, posting=posting.pk, method=method)
    return allocation


def allocation_reverse(*, allocation: Allocation, reason: str, actor: Any) -> Allocation:
    """A payment recorded by mistake: its posting is reversed in the ledger (never edited) and
    the allocation says so, with the reason. It is not paid again: propose a new one."""
    _user(actor)
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.DISBURSED)
        reversal = fund_spend_reverse(posting=allocation.posting, reason=reason, actor=actor)
        if allocation.is_goods:
            from .goods import goods_return_after_reversal  # goods builds on this module

            goods_return_after_reversal(allocation=allocation, actor=actor)
        allocation.status = Allocation.Status.REVERSED
        allocation.reversal_posting = reversal
        allocation.reversed_at = timezone.now()
        allocation.closed_reason = reason
        allocation.closed_at = allocation.reversed_at
        allocation.closed_by = actor
        allocation.save(
            update_fields=["status", "reversal_posting", "reversed_at", "closed_reason", "closed_at", "closed_by"]
        )
        _audit(allocation, action="reverse", actor=actor, reversal=reversal.pk, reason=reason)
    return allocation
