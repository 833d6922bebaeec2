"""Goods gifts and goods allocations for the stock tests."""

import datetime
from decimal import Decimal

from django.utils import timezone
from djmoney.money import Money

from care.models import Evidence, StockItem, StockMovement, stock_item_key
from care.services import allocation_approve, allocation_goods_issue, allocation_goods_propose
from fund.services import donation_record
from tests.support.evidence import handover_attach


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def goods_gift(fund, donor, *lines, kind="in_kind", received=True):
    """lines: (description, quantity, unit, fair_value)."""
    return donation_record(
        fund=fund,
        donor=donor,
        kind=kind,
        channel="in_kind_delivery",
        lines=[{"description": d, "quantity": str(q), "unit": u, "fair_value": str(v)} for d, q, u, v in lines],
        received_at=timezone.now() if received else None,
    )


def item(name, unit) -> StockItem:
    return StockItem.objects.get(key=stock_item_key(name, unit))


def propose_goods(child, fund, case_worker, *lines, kind="in_kind"):
    """lines: (StockItem, restriction, quantity)."""
    return allocation_goods_propose(
        beneficiary=child,
        fund=fund,
        kind=kind,
        lines=[{"item": i, "restriction": r, "quantity": str(q)} for i, r, q in lines],
        purpose="Food for the month",
        actor=case_worker,
    )


def issue(allocation, case_worker, **extra):
    """Hand goods over, with the signed handover on file first (as the service requires; once
    per allocation), unless ``evidence=False``."""
    if extra.pop("evidence", True) and not Evidence.objects.about(allocation).exists():
        handover_attach(allocation, case_worker)
    return allocation_goods_issue(
        allocation=allocation,
        handed_over_on=extra.pop("on", timezone.localdate()),
        recipient=extra.pop("recipient", "guardian"),
        recipient_name=extra.pop("recipient_name", "Bà Demo"),
        actor=case_worker,
        **extra,
    )


def approved_goods(child, fund, case_worker, manager, *lines, kind="in_kind"):
    allocation = propose_goods(child, fund, case_worker, *lines, kind=kind)
    return allocation_approve(allocation=allocation, actor=manager)


def stock_writes():
    from audit.models import AuditEntry
    from care.models import Allocation, AllocationLine, GoodsHandover, StockCount
    from fund.models import Posting

    return (
        StockMovement.objects.count(),
        Allocation.objects.count(),
        AllocationLine.objects.count(),
        GoodsHandover.objects.count(),
        StockCount.objects.count(),
        Posting.objects.count(),
        AuditEntry.objects.count(),
        list(Allocation.objects.order_by("pk").values_list("status", flat=True)),
    )


YESTERDAY = datetime.timedelta(days=1)
