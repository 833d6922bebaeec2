"""Goods allocations: proposed with their lines (the stock must hold them, less what approved
allocations already hold back), approved like any allocation (care.services.allocations), then
issued with a handover record: movements out of stock at weighted average cost and one ledger
posting through fund.services.fund_goods_issue. Lock order as everywhere in care: the
allocation's row, then the fund's."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from fund.models import Fund
from fund.services import fund_goods_issue, fund_lock
from fund.text import text_clean

from ..errors import CareError
from ..models import Allocation, AllocationLine, Beneficiary, GoodsHandover, StockItem, StockMovement, StockRestriction
from .allocations import _audit, _locked, _require_in_care, _require_status, _user
from .evidence import HANDOVER_KINDS, evidence_require
from .stock import quantity_clean, stock_available_check, stock_movements_write, stock_value_out

MAX_LINES = 50


def goods_restriction_check(*, kind: str, restriction: str) -> None:
    """School supplies are given only as school supplies; other goods serve either kind (like
    unrestricted money, which may pay a scholarship)."""
    if restriction not in StockRestriction.values:
        raise CareError({"lines": _("Choose which stock the goods come from.")})
    if restriction == StockRestriction.SUPPLIES and kind != Allocation.Kind.SUPPLIES:
        raise CareError({"lines": _("Goods given as school supplies are issued only in a school-supplies allocation.")})


def _clean_lines(kind: str, lines: Iterable[Mapping[str, Any]]) -> list[tuple[StockItem, str, Decimal]]:
    cleaned: list[tuple[StockItem, str, Decimal]] = []
    for line in list(lines or []):
        item = line.get("item")
        if not isinstance(item, StockItem):
            raise CareError({"lines": _("Each line needs an item from the stock catalogue.")})
        restriction = line.get("restriction") or ""
        goods_restriction_check(kind=kind, restriction=restriction)
        quantity = quantity_clean(line.get("quantity"))
        if any(seen.pk == item.pk and r == restriction for seen, r, _q in cleaned):
            raise CareError({"lines": _("%(item)s is on two lines: put it on one.") % {"item": item}})
        cleaned.append((item, restriction, quantity))
    if not cleaned:
        raise CareError({"lines": _("A goods allocation needs at least one line: which item and how many.")})
    if len(cleaned) > MAX_LINES:
        raise CareError({"lines": _("At most %(count)s lines per allocation.") % {"count": MAX_LINES}})
    return cleaned


def allocation_goods_propose(
    *,
    beneficiary: Beneficiary,
    fund: Fund,
    kind: str,
    lines: Iterable[Mapping[str, Any]],
    purpose: str,
    actor: Any,
) -> Allocation:
    """A case worker proposes goods from the fund's stock (lines of item, restriction,
    quantity) for a person in care. Its amount is an estimate at today's average cost, which
    the approval threshold reads; the issue records what the goods are really worth then."""
    proposer = _user(actor)
    if kind not in Allocation.GOODS_KINDS:
        raise CareError({"kind": _("A goods allocation is school supplies or in-kind goods.")})
    fund = Fund.objects.get(pk=fund.pk)
    if not fund.is_active:
        raise CareError({"fund": _("Fund %(fund)s is closed: nothing more is given from it.") % {"fund": fund.code}})
    cleaned = _clean_lines(kind, lines)
    purpose = text_clean(purpose, field="purpose", max_length=500, required=True)
    _require_in_care(beneficiary, refusal=_("%(case)s left care on %(date)s: nothing more is proposed for them."))
    beneficiary = Beneficiary.objects.get(pk=beneficiary.pk)
    with transaction.atomic():
        # Not a promise yet (approval is), so no lock: a clear refusal now beats one at approval.
        stock_available_check(fund=fund, lines=cleaned)
        estimate = sum(
            (stock_value_out(fund=fund, item=i, restriction=r, quantity=q).amount for i, r, q in cleaned), Decimal(0)
        )
        if estimate <= 0:
            raise CareError({"lines": _("These goods carry no value in the stock records; count the stock first.")})
        allocation = Allocation.objects.create(
            beneficiary=beneficiary,
            fund=fund,
            kind=kind,
            amount=Money(estimate, fund.currency),
            purpose=purpose,
            programme=beneficiary.programme,
            proposed_by=proposer,
        )
        AllocationLine.objects.bulk_create(
            AllocationLine(allocation=allocation, item=i, restriction=r, quantity=q) for i, r, q in cleaned
        )
        _audit(allocation, action="propose", actor=actor, lines=len(cleaned))
    return allocation


def goods_lines_of(allocation: Allocation) -> list[tuple[StockItem, str, Decimal]]:
    return [(line.item, line.restriction, line.quantity) for line in allocation.lines.select_related("item")]


def allocation_goods_issue(
    *,
    allocation: Allocation,
    handed_over_on: datetime.date,
    recipient: str,
    recipient_name: str = "",
    notes: str = "",
    actor: Any,
) -> Allocation:
    """Hand an approved goods allocation over: its goods leave stock at weighted average cost,
    the ledger moves their value from goods in stock to goods issued, and a handover record
    says who handed them to whom and when. Refused, writing nothing, when the stock no longer
    holds them."""
    user = _user(actor)
    if recipient not in GoodsHandover.Recipient.values:
        raise CareError({"recipient": _("Say who received the goods: the guardian or the person in care.")})
    recipient_name = text_clean(recipient_name, field="recipient_name", max_length=200)
    if recipient == GoodsHandover.Recipient.GUARDIAN and not recipient_name:
        raise CareError({"recipient_name": _("Write the name of the guardian who received the goods.")})
    notes = text_clean(notes, field="notes", max_length=500)
    if handed_over_on > timezone.localdate():
        raise CareError({"handed_over_on": _("Record a handover on the day it happens, not in advance.")})
    with transaction.atomic():
        allocation = _locked(allocation)
        _require_status(allocation, Allocation.Status.APPROVED)
        if not allocation.is_goods:
            raise CareError(_("Allocation %(ref)s gives money: disburse it instead.") % {"ref": allocation.pk})
        # The signed receipt or the recipient's drawn signature is the proof the goods reached them.
        evidence_require(
            subject=allocation,
            kinds=HANDOVER_KINDS,
            refusal=_("Allocation %(ref)s has no handover document or signature yet: attach one, then hand it over."),
        )
        _require_in_care(
            allocation.beneficiary,
            refusal=_("%(case)s left care on %(date)s: mark this allocation undeliverable instead."),
        )
        fund = fund_lock(fund=allocation.fund)
        if not fund.is_active:
            raise CareError(_("Fund %(fund)s is closed: nothing more is given from it.") % {"fund": fund.code})
        movements = []
        lines = list(allocation.lines.select_related("item"))
        for line in lines:
            goods_restriction_check(kind=allocation.kind, restriction=line.restriction)
            line.value = stock_value_out(
                fund=fund, item=line.item, restriction=line.restriction, quantity=line.quantity
            )
            movements.append(
                {
                    "item": line.item,
                    "restriction": line.restriction,
                    "quantity": -line.quantity,
                    "value": -line.value,
                    "allocation_line": line,
                }
            )
        total = sum((line.value for line in lines), Money(0, fund.currency))
        if total.amount <= 0:
            raise CareError(_("These goods carry no value in the stock records; count the stock first."))
        for line in lines:
            line.save(update_fields=["value", "value_currency"])
        stock_movements_write(
            fund=fund,
            kind=StockMovement.Kind.ISSUE,
            lines=movements,
            date=handed_over_on,
            reference=allocation.reference,
            actor=actor,
        )
        posting = fund_goods_issue(
            fund=fund,
            purpose=allocation.kind,
            programme=allocation.programme,
            reference=allocation.reference,
            recipient=allocation.ledger_recipient,
            value=total,
            date=handed_over_on,
            description=f"Allocation {allocation.pk}: {allocation.get_kind_display()} ({allocation.programme})",
            actor=actor,
        )
        GoodsHandover.objects.create(
            allocation=allocation,
            handed_over_by=user,
            recipient=recipient,
            recipient_name=recipient_name,
            handed_over_on=handed_over_on,
            notes=notes,
        )
        allocation.amount = total
        allocation.status = Allocation.Status.DISBURSED
        allocation.posting = posting
        allocation.disbursed_on = handed_over_on
        allocation.disbursed_at = timezone.now()
        allocation.disbursed_by = user
        allocation.method = Allocation.Method.GOODS_HANDED_OVER
        allocation.save(
            update_fields=[
                "amount",
                "amount_currency",
                "status",
                "posting",
                "disbursed_on",
                "disbursed_at",
                "disbursed_by",
                "method",
            ]
        )
        # The recipient's name stays out: audit entries about care never carry names.
        _audit(allocation, action="issue", actor=actor, posting=posting.pk, recipient=recipient, lines=len(lines))
    return allocation


def goods_return_after_reversal(*, allocation: Allocation, actor: Any) -> None:
    """A reversed issue puts its goods back at the value they left with (the posting's mirror
    moves the same value back into goods in stock). Called by allocation_reverse, in its
    transaction."""
    fund = fund_lock(fund=allocation.fund)
    lines = list(allocation.lines.select_related("item"))
    stock_movements_write(
        fund=fund,
        kind=StockMovement.Kind.RETURN,
        lines=[
            {
                "item": line.item,
                "restriction": line.restriction,
                "quantity": line.quantity,
                "value": line.value,
                "allocation_line": line,
            }
            for line in lines
        ],
        date=timezone.localdate(),
        reference=allocation.reference,
        actor=actor,
    )
