"""What `check_ledger` must also look at for allocations: every paid allocation has its
posting, of its amount, referring to it and naming its person's token; every reversed one its
reversal; and no allocation posting refers to an allocation that is not paid. And the stock: its
value per fund is the ledger's goods in stock, no line is below zero, and every goods issue took
from stock what its posting says. Registered with fund's checks
(fund.selectors.ledger_checks), which find this module by its name."""

from decimal import Decimal

from django.db.models import Q, Sum
from hordak.models import Leg

from audit.db import append_only_trigger_name
from fund.models import Fund, Posting
from fund.selectors.balances import fund_goods_in_stock_all
from fund.selectors.ledger_checks import ledger_check_register, ledger_guard_require

from .models import Allocation, StockLine, StockMovement
from .selectors import stock_value_by_fund

PAID = (Allocation.Status.DISBURSED, Allocation.Status.REVERSED)


@ledger_check_register
def allocations_match_their_postings() -> list[str]:
    problems = []
    credited = dict(
        Leg.objects.filter(transaction__posting__kind=Posting.Kind.ALLOCATION, credit__isnull=False)
        .values("transaction__posting")
        .annotate(total=Sum("credit"))
        .values_list("transaction__posting", "total")
        .order_by()
    )
    allocations = Allocation.objects.select_related("posting", "reversal_posting").order_by("pk")
    for allocation in allocations.filter(Q(status__in=PAID) | Q(posting__isnull=False)).iterator(chunk_size=2000):
        posting = allocation.posting
        if posting is None or allocation.status not in PAID:
            problems.append(f"Allocation {allocation.pk} is {allocation.status} but its posting disagrees")
            continue
        if posting.kind != Posting.Kind.ALLOCATION or posting.reference != allocation.reference:
            problems.append(f"Allocation {allocation.pk}: posting {posting.pk} is not its allocation posting")
        if posting.fund_id != allocation.fund_id:
            problems.append(f"Allocation {allocation.pk}: posting {posting.pk} is in another fund")
        # The people a statement counts as helped are these tokens (docs/decisions/0020).
        for named in (posting, allocation.reversal_posting):
            if named is not None and named.recipient != allocation.ledger_recipient:
                problems.append(f"Allocation {allocation.pk}: posting {named.pk} names another recipient")
        if credited.get(posting.pk, Decimal(0)) != allocation.amount.amount:
            problems.append(
                f"Allocation {allocation.pk} is {allocation.amount.amount} but posting {posting.pk} paid "
                f"{credited.get(posting.pk, Decimal(0))}"
            )
        reversal = allocation.reversal_posting
        if (allocation.status == Allocation.Status.REVERSED) != (
            reversal is not None and reversal.reverses_id == posting.pk
        ):
            problems.append(f"Allocation {allocation.pk} is {allocation.status}; its reversal in the ledger disagrees")
    linked = set(Allocation.objects.filter(posting__isnull=False).values_list("posting_id", flat=True))
    for posting in Posting.objects.filter(kind=Posting.Kind.ALLOCATION, reference__startswith="allocation:").exclude(
        pk__in=linked
    ):
        problems.append(f"Posting {posting.pk} pays {posting.reference}, which is not recorded as paid")
    return problems


# The stock log is append-only in the database, like the ledger (care migration 0005).
ledger_guard_require(trigger=append_only_trigger_name("care_stockmovement"), table="care_stockmovement")


@ledger_check_register
def stock_agrees_with_the_ledger() -> list[str]:
    """The stock report's value per fund is the ledger's "Donated goods in stock", to the unit."""
    problems = []
    in_stock = stock_value_by_fund()
    in_ledger = fund_goods_in_stock_all()
    for fund in Fund.objects.order_by("code"):
        stock = in_stock.get(fund.pk) or Decimal(0)
        ledger = in_ledger.get(fund.pk) or Decimal(0)
        if stock != ledger:
            problems.append(
                f"Fund {fund.code}: the stock report is worth {stock} but the ledger holds {ledger} of goods in stock"
            )
    negative = (
        StockMovement.objects.values("fund__code", "item__name", "item__unit", "restriction")
        .annotate(quantity=Sum("quantity"), value=Sum("value"))
        .filter(Q(quantity__lt=0) | Q(value__lt=0))
        .order_by("fund__code", "item__name")
    )
    for row in negative:
        problems.append(
            f"Fund {row['fund__code']}: stock of {row['item__name']} ({row['item__unit']}, {row['restriction']}) "
            f"is below zero: {row['quantity']} worth {row['value']}"
        )
    listed = set(StockLine.objects.values_list("fund_id", "item_id", "restriction"))
    moved = StockMovement.objects.values_list("fund_id", "item_id", "restriction").distinct().order_by()
    for fund_id, item_id, restriction in moved:
        if (fund_id, item_id, restriction) not in listed:
            problems.append(
                f"Fund {fund_id}: item {item_id} ({restriction}) has stock movements but no line in the stock report"
            )
    issued = dict(
        StockMovement.objects.filter(kind=StockMovement.Kind.ISSUE)
        .values("allocation_line__allocation")
        .annotate(total=Sum("value"))
        .values_list("allocation_line__allocation", "total")
        .order_by()
    )
    goods = Allocation.objects.filter(kind__in=Allocation.GOODS_KINDS, status__in=PAID).order_by("pk")
    for allocation in goods:
        if -(issued.get(allocation.pk) or Decimal(0)) != allocation.amount.amount:
            problems.append(
                f"Allocation {allocation.pk} issued goods worth {allocation.amount.amount} but its stock movements "
                f"took {-(issued.get(allocation.pk) or Decimal(0))}"
            )
    return problems
