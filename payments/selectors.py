"""Reads for bank reconciliation: the pledges a transfer could pay, and the lines awaiting review."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from fund.models import Donation

from .models import BankTransaction

MATCH_CHOICES_LIMIT = 200


def bank_match_candidates(line: BankTransaction, *, limit: int = MATCH_CHOICES_LIMIT) -> QuerySet[Donation]:
    """Money pledges in the transfer's currency that a person may match it to: those of exactly
    the transferred sum first, then the most recent. Goods never appear (a transfer cannot pay
    them); neither do gifts already received or cancelled."""
    pledges = Donation.objects.filter(
        status=Donation.Status.PLEDGED,
        kind__in=(Donation.Kind.CASH, Donation.Kind.SCHOLARSHIP),
        amount_currency=line.amount.currency.code,
    )
    same_amount_first = Case(
        When(amount=line.amount.amount, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    ranked = pledges.annotate(rank=same_amount_first).order_by("rank", "-pledged_at", "-pk")
    ids = list(ranked.values_list("pk", flat=True)[:limit])
    # A queryset without a slice, so a form can validate the chosen pledge against it.
    return (
        Donation.objects.filter(pk__in=ids)
        .select_related("donor", "fund")
        .annotate(rank=same_amount_first)
        .order_by("rank", "-pledged_at", "-pk")
    )


def bank_lines_to_review() -> QuerySet[BankTransaction]:
    """Statement lines the matcher could not settle, oldest first: someone must match, record or
    ignore each."""
    return BankTransaction.objects.filter(status=BankTransaction.Status.REVIEW).order_by("booked_on", "pk")
