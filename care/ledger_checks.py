"""What `check_ledger` must also look at for allocations: every paid allocation has its
posting, of its amount, referring to it; every reversed one its reversal; and no allocation
posting refers to an allocation that is not paid. Registered with fund's checks
(fund.selectors.ledger_checks), which find this module by its name."""

from decimal import Decimal

from django.db.models import Q, Sum
from hordak.models import Leg

from fund.models import Posting
from fund.selectors.ledger_checks import ledger_check_register

from .models import Allocation

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
