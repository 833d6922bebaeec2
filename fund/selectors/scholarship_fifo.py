"""Which scholarship gift paid which scholarship payment: first in, first out within a fund.

Read from the ledger alone, never written: the scholarship gifts are the receipt postings of
received scholarship gifts (their credit to "Scholarship gifts"), the payments are the fund's
scholarship allocation postings (their debit to "Scholarships paid": the part paid from
scholarship money; any part paid from unrestricted money went to "Cash allocated" and is
funded by no scholarship gift). A refunded gift, or a reversed payment, drops out with its
reversal: what is left is what stands today.

The method (docs/decisions/0019-scholarships.md): gifts in the order they were received
(``received_at``, then id), payments in the order the ledger posted them (posting id, the order
in which fund_spend took scholarship money), each payment taking from the oldest gift money
not yet spent. fund knows payments only by their reference ("allocation:12"); care maps them
to awards.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from djmoney.money import Money
from hordak.models import Leg

from ..models import AccountRole, Donation, Fund, Posting

_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))


@dataclass(frozen=True)
class ScholarshipFunding:
    """``amount`` of the payment ``reference`` (posting ``posting_id``) came from gift
    ``donation_id``; ``donation_id`` is None for a part paid from unrestricted money (or from
    scholarship money no standing gift accounts for, after a gift was refunded once spent)."""

    donation_id: int | None
    posting_id: int
    reference: str
    amount: Money


def _net_by_transaction(postings, role: str, *, sign: int) -> dict[int, Decimal]:
    """Per posting id: debits minus credits (sign 1) or credits minus debits (sign -1) on the
    fund's account of ``role``, for the given postings' transactions."""
    rows = (
        Leg.objects.filter(
            transaction__posting__in=postings,
            account__fund_account__role=role,
        )
        .values("transaction__posting")
        .annotate(debits=Coalesce(Sum("debit"), _ZERO), credits=Coalesce(Sum("credit"), _ZERO))
        .order_by()
    )
    net: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        net[row["transaction__posting"]] += sign * (row["debits"] - row["credits"])
    return net


def scholarship_funding_fifo(fund: Fund) -> list[ScholarshipFunding]:
    """Every standing scholarship payment of ``fund``, split by the gifts that funded it."""
    receipts = list(
        Posting.objects.filter(
            fund=fund,
            kind=Posting.Kind.DONATION_RECEIVED,
            donation__kind=Donation.Kind.SCHOLARSHIP,
            reversed_by__isnull=True,
        )
        .select_related("donation")
        .order_by("donation__received_at", "donation_id")
    )
    given = _net_by_transaction(receipts, AccountRole.INCOME_SCHOLARSHIP, sign=-1)
    payments = list(
        Posting.objects.filter(
            fund=fund,
            kind=Posting.Kind.ALLOCATION,
            purpose=Donation.Kind.SCHOLARSHIP,
            reversed_by__isnull=True,
        ).order_by("id")
    )
    restricted = _net_by_transaction(payments, AccountRole.ALLOCATED_SCHOLARSHIP, sign=1)
    unrestricted = _net_by_transaction(payments, AccountRole.ALLOCATED_CASH, sign=1)

    queue = [[receipt.donation_id, given[receipt.pk]] for receipt in receipts if given[receipt.pk] > 0]
    head = 0
    funding: list[ScholarshipFunding] = []

    def slice_(donation_id, payment, amount):
        funding.append(ScholarshipFunding(donation_id, payment.pk, payment.reference, Money(amount, fund.currency)))

    for payment in payments:
        need = restricted[payment.pk]
        while need > 0 and head < len(queue):
            taken = min(need, queue[head][1])
            slice_(queue[head][0], payment, taken)
            queue[head][1] -= taken
            need -= taken
            if queue[head][1] == 0:
                head += 1
        if need > 0:
            slice_(None, payment, need)
        if unrestricted[payment.pk] > 0:
            slice_(None, payment, unrestricted[payment.pk])
    return funding
