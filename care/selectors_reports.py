"""Reads behind the back-office reports on support given (reporting/reports/allocations.py,
stock.py, scholarships.py). They are read by accountants and auditors who may not open case
files: a person is only ever their case number here, never a name or a sensitive field.

Each returns a queryset a report filters and pages, with what a row shows joined or annotated
so a page of rows costs the same few queries however long it is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from djmoney.money import Money

from .models import Allocation, AllocationApproval, ScholarshipAward, ScholarshipTerm, StockMovement

_AMOUNT = DecimalField(max_digits=20, decimal_places=2)


def allocations_report() -> QuerySet[Allocation]:
    """Every allocation, newest first, with ``report_date`` annotated: the day it was paid out,
    or for one not paid, the centre's day it was proposed. The person comes with it for their
    case number only; the approvals (and who gave them) are prefetched."""
    proposed_on = TruncDate("proposed_at", tzinfo=timezone.get_default_timezone())
    approvals = AllocationApproval.objects.select_related("user").order_by("at", "pk")
    return (
        Allocation.objects.select_related("fund")
        .annotate(report_date=Coalesce("disbursed_on", proposed_on), case_number=F("beneficiary__case_number"))
        .prefetch_related(Prefetch("approvals", queryset=approvals))
        .order_by("-report_date", "-pk")
    )


@dataclass(frozen=True)
class ProgrammeKindTotal:
    programme: str
    programme_label: str
    kind: str
    kind_label: str
    count: int
    total: Money
    people: int


def allocation_summary(allocations: QuerySet[Allocation]) -> list[ProgrammeKindTotal]:
    """``allocations`` (an allocations_report queryset, filtered) by programme and kind: how many,
    their total per currency, and how many different people they reached."""
    programmes = dict(Allocation._meta.get_field("programme").choices)
    kinds = dict(Allocation.Kind.choices)
    rows = (
        allocations.order_by()
        .values("programme", "kind", "amount_currency")
        .annotate(count=Count("pk"), total=Sum("amount"), people=Count("beneficiary", distinct=True))
        .order_by("programme", "kind", "amount_currency")
    )
    return [
        ProgrammeKindTotal(
            programme=row["programme"],
            programme_label=str(programmes.get(row["programme"], row["programme"])),
            kind=row["kind"],
            kind_label=str(kinds.get(row["kind"], row["kind"])),
            count=row["count"],
            total=Money(row["total"] or Decimal(0), row["amount_currency"]),
            people=row["people"],
        )
        for row in rows
    ]


def stock_movements_report() -> QuerySet[StockMovement]:
    """Every stock movement, latest day first, with its fund and item joined."""
    return StockMovement.objects.select_related("fund", "item").order_by("-date", "-created_at", "-pk")


def scholarships_report() -> QuerySet[ScholarshipAward]:
    """Every scholarship award, latest school year first, with its terms counted as they stand:
    ``terms_paid`` (their allocation paid out), ``terms_due`` (enrolment confirmed, not paid
    yet), ``terms_awaiting_enrolment``, ``terms_closed``, and ``total_paid``. A term's status is
    never stored (ScholarshipTerm.status); these conditions are the same as that property's.
    The person comes with it for their case number only."""
    closed = Q(terms__closed_at__isnull=False) | Q(terms__allocation__status=Allocation.Status.UNDELIVERABLE)
    paid = Q(terms__allocation__status=Allocation.Status.DISBURSED) & ~closed
    awaiting = Q(terms__enrolment_confirmed_on__isnull=True) & ~closed
    due = Q(terms__enrolment_confirmed_on__isnull=False) & ~closed & ~paid
    return (
        ScholarshipAward.objects.select_related("fund")
        .annotate(
            case_number=F("beneficiary__case_number"),
            terms_paid=Count("terms", filter=paid),
            terms_due=Count("terms", filter=due),
            terms_awaiting_enrolment=Count("terms", filter=awaiting),
            terms_closed=Count("terms", filter=closed),
            total_paid=Coalesce(Sum("terms__allocation__amount", filter=paid), Value(Decimal(0)), output_field=_AMOUNT),
        )
        .order_by("-year_starts_on", "-pk")
    )


def scholarship_paid_totals(awards: QuerySet[ScholarshipAward]) -> list[Money]:
    """What was paid for ``awards`` (a scholarships_report queryset, filtered), per currency:
    the paid-out allocations of their terms that are not closed (the report's ``total_paid``)."""
    terms = ScholarshipTerm.objects.filter(
        award__in=awards.order_by().values("pk"),
        closed_at__isnull=True,
        allocation__status=Allocation.Status.DISBURSED,
    )
    totals = (
        terms.values("allocation__amount_currency")
        .annotate(total=Sum("allocation__amount"))
        .order_by("allocation__amount_currency")
    )
    return [Money(row["total"], row["allocation__amount_currency"]) for row in totals]


def scholarship_schools() -> list[str]:
    """The schools awards name, alphabetically (the report's filter)."""
    return list(ScholarshipAward.objects.values_list("school", flat=True).distinct().order_by("school"))
