"""Stock counts: what is really on the shelves. Recording one changes nothing; approving it,
by someone other than the counter, writes the differences as adjustments and posts their value
(fund.services.fund_goods_adjust). A shortfall leaves at weighted average cost; a surplus comes
back at the line's average cost, crediting "Goods lost or damaged" (it is almost always goods
an earlier count or issue miscounted). A surplus of an item the fund holds none of has no cost
to take: it is refused, and the goods are taken in as a gift instead (the intake screen)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from fund.models import Fund
from fund.money import to_decimal
from fund.services import fund_goods_adjust, fund_lock
from fund.text import text_clean

from ..errors import CareError
from ..models import StockCount, StockCountLine, StockItem, StockMovement, StockRestriction
from ..selectors import stock_on_hand
from .allocations import _user
from .stock import QUANTITY_QUANTUM, _round, stock_movements_write, stock_value_out

APPROVE_PERMISSION = "care.approve_stockcount"


def _counted(value: Any) -> Decimal:
    try:
        number = to_decimal(value, field="counted")
    except Exception:  # noqa: BLE001 - any unreadable input gets the same words
        raise CareError({"lines": _("The quantity %(value)s is not a number.") % {"value": str(value)[:40]}}) from None
    if number < 0 or number != number.quantize(QUANTITY_QUANTUM) or number >= Decimal("1000000000"):
        raise CareError({"lines": _("A counted quantity is zero or more, with at most three decimals.")})
    return number


def _audit(count: StockCount, *, action: str, actor: Any, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=f"stock_count.{action}",
        obj=count,
        data={"fund": count.fund.code, "status": count.status, **data},
    )


def stock_count_record(
    *,
    fund: Fund,
    counted_on: datetime.date,
    lines: Iterable[Mapping[str, Any]],
    notes: str = "",
    actor: Any,
) -> StockCount:
    """Record what was found (lines of item, restriction, counted) beside what the log holds
    now. Nothing moves until someone else approves."""
    counter = _user(actor)
    if counted_on > timezone.localdate():
        raise CareError({"counted_on": _("A count is recorded on or after the day it was made.")})
    notes = text_clean(notes, field="notes", max_length=500)
    fund = Fund.objects.get(pk=fund.pk)
    cleaned = []
    for line in list(lines or []):
        item, restriction = line.get("item"), line.get("restriction") or ""
        if not isinstance(item, StockItem) or restriction not in StockRestriction.values:
            raise CareError({"lines": _("Each line needs an item and the stock it belongs to.")})
        if any(i.pk == item.pk and r == restriction for i, r, _e, _c in cleaned):
            raise CareError({"lines": _("%(item)s is on two lines: put it on one.") % {"item": item}})
        counted = _counted(line.get("counted"))
        expected, _value = stock_on_hand(fund=fund, item=item, restriction=restriction)
        if not StockMovement.objects.filter(fund=fund, item=item, restriction=restriction).exists():
            raise CareError(
                {"lines": _("%(item)s was never in the stock of %(fund)s.") % {"item": item, "fund": fund.code}}
            )
        if counted > expected and expected <= 0:
            raise CareError(
                {
                    "lines": _(
                        "%(item)s: the records hold none, so a surplus has no cost to take. "
                        "Take the goods in as a gift on the intake screen instead."
                    )
                    % {"item": item}
                }
            )
        cleaned.append((item, restriction, expected, counted))
    if not cleaned:
        raise CareError({"lines": _("A count needs at least one line: which item and how many were found.")})
    with transaction.atomic():
        count = StockCount.objects.create(fund=fund, counted_on=counted_on, counted_by=counter, notes=notes)
        StockCountLine.objects.bulk_create(
            StockCountLine(count=count, item=i, restriction=r, expected=e, counted=c) for i, r, e, c in cleaned
        )
        _audit(count, action="record", actor=actor, lines=len(cleaned))
    return count


def _locked(count: StockCount) -> StockCount:
    return StockCount.objects.select_for_update(of=("self",)).select_related("fund").get(pk=count.pk)


def _decider(count: StockCount, actor: Any) -> Any:
    user = _user(actor)
    if not user.has_perm(APPROVE_PERMISSION):
        raise CareError(_("Deciding on a stock count needs the fund manager role."))
    if count.counted_by_id == user.pk:
        raise CareError(_("You made this count: someone else must approve or reject it."))
    if count.status != StockCount.Status.RECORDED:
        raise CareError(
            _("Stock count %(ref)s is already %(status)s.")
            % {"ref": count.pk, "status": count.get_status_display().lower()}
        )
    return user


def stock_count_approve(*, count: StockCount, actor: Any) -> StockCount:
    """Apply the count's differences to the stock as it is now and post their value. Refused,
    writing nothing, when the stock has since moved so that a shortfall would take it below
    zero (count again)."""
    with transaction.atomic():
        count = _locked(count)
        user = _decider(count, actor)
        fund = fund_lock(fund=count.fund)
        movements = []
        for line in count.lines.select_related("item"):
            difference = line.difference
            if difference == 0:
                continue
            if difference < 0:
                value = -stock_value_out(fund=fund, item=line.item, restriction=line.restriction, quantity=-difference)
            else:
                on_hand, on_hand_value = stock_on_hand(fund=fund, item=line.item, restriction=line.restriction)
                if on_hand <= 0:
                    raise CareError(
                        _("%(item)s: the stock holds none now, so the surplus has no cost; count again.")
                        % {"item": line.item}
                    )
                value = Money(_round(on_hand_value.amount * difference / on_hand, fund.currency), fund.currency)
            movements.append(
                {
                    "item": line.item,
                    "restriction": line.restriction,
                    "quantity": difference,
                    "value": value,
                    "count_line": line,
                }
            )
        stock_movements_write(
            fund=fund,
            kind=StockMovement.Kind.ADJUSTMENT,
            lines=movements,
            date=count.counted_on,
            reference=count.reference,
            actor=actor,
        )
        net = sum((m["value"].amount for m in movements), Decimal(0))
        if net:
            count.posting = fund_goods_adjust(
                fund=fund,
                loss=Money(-net, fund.currency),
                reference=count.reference,
                date=count.counted_on,
                description=f"Stock count {count.pk} of {count.counted_on.isoformat()}",
                # The count's day was fixed when it was recorded; approved after that day's
                # period closed, its value moves in the open period (fund.services.ledger).
                late_into_open_period=True,
                actor=actor,
            )
        count.status = StockCount.Status.APPROVED
        count.decided_by = user
        count.decided_at = timezone.now()
        count.save(update_fields=["status", "decided_by", "decided_at", "posting"])
        _audit(count, action="approve", actor=actor, adjusted=len(movements), loss=str(-net))
    return count


def stock_count_reject(*, count: StockCount, reason: str, actor: Any) -> StockCount:
    """Turn a count down (miscounted, wrong shelf), saying why. Nothing moves."""
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        count = _locked(count)
        user = _decider(count, actor)
        count.status = StockCount.Status.REJECTED
        count.decided_by = user
        count.decided_at = timezone.now()
        count.reason = reason
        count.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        _audit(count, action="reject", actor=actor, reason=reason)
    return count
