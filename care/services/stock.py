"""The stock log's writes: goods in from gifts (whatever path received them), out again when a
gift is refunded, and the checks and valuation every issue uses (docs/decisions/0017-stock.md).

Never negative: every write that takes goods out locks the fund's row (fund.services.fund_lock)
before reading what is on hand, in the same transaction as the movement it writes, so two
issues of one fund run one after the other and the second sees the first. Lock order: the
allocation's (or count's, or gift's) row first, then the fund's.

Valuation: weighted average cost per fund, item and restriction. Goods leave at
value-on-hand x quantity / quantity-on-hand, rounded to the currency; the last of a line takes
all the value left, so no value stays behind with nothing on the shelf.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from config.actors import actor_user
from fund.models import Donation, Fund
from fund.money import currency_exponent, money_convert, to_decimal
from fund.services import fund_lock

from ..errors import CareError
from ..models import StockItem, StockLine, StockMovement, StockRestriction, stock_item_key
from ..selectors import stock_on_hand, stock_reserved

QUANTITY_QUANTUM = Decimal("0.001")
MAX_QUANTITY = Decimal("1000000000")


def stock_item_for(*, name: str, unit: str) -> StockItem:
    """The catalogue item a gift line's text stands for, created on first sight."""
    item, _created = StockItem.objects.get_or_create(
        key=stock_item_key(name, unit), defaults={"name": " ".join(name.split()), "unit": " ".join(unit.split())}
    )
    return item


def quantity_clean(value: Any, *, field: str = "quantity") -> Decimal:
    """A positive quantity with at most three decimals (the gift lines' precision)."""
    try:
        number = to_decimal(value, field=field)
    except Exception:  # noqa: BLE001 - any unreadable input gets the same words
        raise CareError({field: _("The quantity %(value)s is not a number.") % {"value": str(value)[:40]}}) from None
    if number <= 0:
        raise CareError({field: _("The quantity must be above zero.")})
    if number >= MAX_QUANTITY or number != number.quantize(QUANTITY_QUANTUM):
        raise CareError({field: _("The quantity can have at most three decimals and must be below a billion.")})
    return number


def restriction_of(donation: Donation) -> str:
    return StockRestriction.SUPPLIES if donation.kind == Donation.Kind.SUPPLIES else StockRestriction.IN_KIND


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-currency_exponent(currency)), rounding=ROUND_HALF_UP)


def stock_value_out(*, fund: Fund, item: StockItem, restriction: str, quantity: Decimal) -> Money:
    """What ``quantity`` is worth leaving the line now (weighted average cost). Refuses when the
    line does not hold it. Call under the fund's row lock."""
    on_hand, value = stock_on_hand(fund=fund, item=item, restriction=restriction)
    if quantity > on_hand:
        raise CareError(
            _("Only %(left)s %(unit)s of %(item)s in the stock of %(fund)s (%(restriction)s); %(asked)s asked.")
            % {
                "left": f"{on_hand.normalize():f}",
                "unit": item.unit,
                "item": item.name,
                "fund": fund.code,
                "restriction": StockRestriction(restriction).label,
                "asked": f"{quantity.normalize():f}",
            }
        )
    if quantity == on_hand:
        return value
    return Money(_round(value.amount * quantity / on_hand, fund.currency), fund.currency)


def stock_available_check(
    *, fund: Fund, lines: Iterable[tuple[StockItem, str, Decimal]], exclude: Any = None, reserved: bool = True
) -> None:
    """Refuse unless the fund's stock holds every (item, restriction, quantity), less what
    approved, unissued allocations (other than ``exclude``) hold back when ``reserved``. The
    caller holds the fund's row lock when it writes on the strength of this."""
    held = stock_reserved(fund=fund, exclude=exclude) if reserved else {}
    for item, restriction, quantity in lines:
        on_hand, _value = stock_on_hand(fund=fund, item=item, restriction=restriction)
        free = on_hand - held.get((item.pk, restriction), Decimal("0"))
        if quantity > free:
            if on_hand <= 0:
                raise CareError(
                    _("The stock of %(fund)s holds no %(item)s (%(restriction)s).")
                    % {"fund": fund.code, "item": item, "restriction": StockRestriction(restriction).label}
                )
            raise CareError(
                _(
                    "Only %(free)s %(unit)s of %(item)s are free in the stock of %(fund)s "
                    "(%(held)s held for approved allocations); %(asked)s asked."
                )
                % {
                    "free": f"{max(free, Decimal(0)).normalize():f}",
                    "unit": item.unit,
                    "item": item.name,
                    "fund": fund.code,
                    "held": f"{held.get((item.pk, restriction), Decimal(0)).normalize():f}",
                    "asked": f"{quantity.normalize():f}",
                }
            )


def _line_values(donation: Donation) -> list[tuple[Any, Decimal]]:
    """Each gift line's value in the fund's currency. Converted lines are rounded one by one
    and the last takes what is left, so they add up to exactly what the ledger received."""
    lines = list(donation.lines.order_by("id"))
    if donation.amount.currency.code == donation.fund.currency:
        return [(line, line.fair_value) for line in lines]
    total = donation.fund_value.amount
    values = [
        money_convert(
            Money(line.fair_value, donation.amount.currency.code),
            to_currency=donation.fund.currency,
            rate=donation.exchange_rate,
        ).amount
        for line in lines[:-1]
    ]
    values.append(total - sum(values, Decimal(0)))
    return list(zip(lines, values, strict=True))


def stock_intake_from_gift(*, donation: Donation, actor: Any = None) -> list[StockMovement]:
    """A received goods gift enters stock: one intake movement per line, at its fair value (what
    the ledger's "Donated goods in stock" received). Idempotent: a line already in stock is
    skipped (the backfill and a repeated signal cannot count it twice)."""
    if not donation.is_goods:
        return []
    donation = Donation.objects.select_related("fund").get(pk=donation.pk)
    done = set(
        StockMovement.objects.filter(donation_line__donation=donation, kind=StockMovement.Kind.INTAKE).values_list(
            "donation_line_id", flat=True
        )
    )
    restriction = restriction_of(donation)
    day = timezone.localdate(donation.received_at)
    items = {line.pk: stock_item_for(name=line.description, unit=line.unit) for line, _value in _line_values(donation)}
    movements = [
        StockMovement(
            fund=donation.fund,
            item=items[line.pk],
            restriction=restriction,
            kind=StockMovement.Kind.INTAKE,
            quantity=line.quantity,
            value=Money(value, donation.fund.currency),
            date=day,
            reference=f"gift:{donation.reference}",
            donation_line=line,
            actor=actor_user(actor),
        )
        for line, value in _line_values(donation)
        if line.pk not in done
    ]
    with transaction.atomic():
        for movement in movements:
            StockLine.objects.get_or_create(fund=donation.fund, item=movement.item, restriction=restriction)
        StockMovement.objects.bulk_create(movements)
        if movements:
            audit_record(
                actor=actor,
                action="stock.intake",
                obj=donation,
                data={"fund": donation.fund.code, "lines": len(movements), "restriction": restriction},
            )
    return movements


def stock_refund_from_gift(*, donation: Donation, actor: Any = None) -> list[StockMovement]:
    """A refunded goods gift leaves stock at the value it came in with (the ledger reverses that
    value). Refused, and with it the refund, when its goods are no longer all on the shelf:
    goods already issued cannot be given back."""
    if not donation.is_goods:
        return []
    with transaction.atomic():
        fund = fund_lock(fund=donation.fund)  # after the gift's row, which the refund holds
        intakes = StockMovement.objects.filter(
            donation_line__donation=donation, kind=StockMovement.Kind.INTAKE
        ).select_related("item")
        refunded = set(
            StockMovement.objects.filter(donation_line__donation=donation, kind=StockMovement.Kind.REFUND).values_list(
                "donation_line_id", flat=True
            )
        )
        movements = []
        for intake in intakes:
            if intake.donation_line_id in refunded:
                continue
            on_hand, value = stock_on_hand(fund=fund, item=intake.item, restriction=intake.restriction)
            if intake.quantity > on_hand or intake.value > value:
                raise CareError(
                    _(
                        "Gift %(gift)s cannot be refunded: %(item)s from it has already left stock "
                        "(%(left)s %(unit)s left of %(given)s). Record a stock count instead."
                    )
                    % {
                        "gift": donation.reference,
                        "item": intake.item.name,
                        "left": f"{on_hand.normalize():f}",
                        "unit": intake.item.unit,
                        "given": f"{intake.quantity.normalize():f}",
                    }
                )
            movements.append(
                StockMovement(
                    fund=fund,
                    item=intake.item,
                    restriction=intake.restriction,
                    kind=StockMovement.Kind.REFUND,
                    quantity=-intake.quantity,
                    value=-intake.value,
                    date=timezone.localdate(),
                    reference=f"gift:{donation.reference}",
                    donation_line_id=intake.donation_line_id,
                    actor=actor_user(actor),
                )
            )
        StockMovement.objects.bulk_create(movements)
        if movements:
            audit_record(
                actor=actor,
                action="stock.refund",
                obj=donation,
                data={"fund": fund.code, "lines": len(movements)},
            )
    return movements


def stock_movements_write(
    *,
    fund: Fund,
    kind: str,
    lines: Iterable[Mapping[str, Any]],
    date: datetime.date,
    reference: str,
    actor: Any,
) -> list[StockMovement]:
    """Write movements the caller has checked and valued (issues, returns, adjustments) under
    the fund's row lock; each line: item, restriction, quantity (signed), value (signed Money)
    and the allocation_line or count_line it belongs to."""
    movements = [
        StockMovement(
            fund=fund,
            kind=kind,
            date=date,
            reference=reference,
            actor=actor_user(actor),
            **dict(line),
        )
        for line in lines
    ]
    return StockMovement.objects.bulk_create(movements)
