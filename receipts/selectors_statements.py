"""Reads for statements of gifts: which gifts a period covers, who is due a statement, and how
far the issuing and sending of a period's statements has got."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from fund.models import Donation

from .models import Receipt, ReceiptDelivery


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware instants [from, until) covering the local days ``start`` to ``end`` inclusive:
    a gift received at 00:30 on 1 January in Hanoi (17:30 UTC the day before) is a January gift."""
    zone = timezone.get_default_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return since, until


def gifts_received_in_period(start: datetime.date, end: datetime.date) -> QuerySet[Donation]:
    """Gifts still counted as received (not pledged, cancelled or refunded) whose local receipt
    date falls in the period."""
    since, until = period_bounds(start, end)
    return Donation.objects.filter(status=Donation.Status.RECEIVED, received_at__gte=since, received_at__lt=until)


def statement_gifts(*, donor_id: int, start: datetime.date, end: datetime.date) -> QuerySet[Donation]:
    return (
        gifts_received_in_period(start, end)
        .filter(donor_id=donor_id)
        .select_related("fund")
        .order_by("received_at", "id")
    )


def valid_statements(start: datetime.date, end: datetime.date) -> QuerySet[Receipt]:
    return Receipt.objects.filter(
        kind=Receipt.Kind.STATEMENT, status=Receipt.Status.VALID, period_start=start, period_end=end
    )


def donors_with_gifts(start: datetime.date, end: datetime.date) -> list[int]:
    """Ids of donors with received gifts in the period: those due a statement."""
    return list(gifts_received_in_period(start, end).order_by("donor_id").values_list("donor_id", flat=True).distinct())


def donors_with_statement(start: datetime.date, end: datetime.date) -> set[int]:
    return set(valid_statements(start, end).values_list("donor_id", flat=True))


@dataclass(frozen=True)
class PeriodProgress:
    statements: int  # valid statements for the period
    deliveries: int  # email deliveries of those statements
    sent: int
    failed: int

    @property
    def queued(self) -> int:
        return self.deliveries - self.sent - self.failed


def period_progress(
    start: datetime.date, end: datetime.date, *, issued_since: datetime.datetime | None = None
) -> PeriodProgress:
    """Valid statements for the period (issued at or after ``issued_since`` if given) and
    their deliveries by status."""
    statements = valid_statements(start, end)
    if issued_since is not None:
        statements = statements.filter(issued_at__gte=issued_since)
    deliveries = ReceiptDelivery.objects.filter(receipt__in=statements).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(status=ReceiptDelivery.Status.SENT)),
        failed=Count("id", filter=Q(status=ReceiptDelivery.Status.FAILED)),
    )
    return PeriodProgress(
        statements=statements.count(),
        deliveries=deliveries["total"],
        sent=deliveries["sent"],
        failed=deliveries["failed"],
    )


def recent_statement_periods(*, limit: int = 20) -> list[dict]:
    """The periods statements were issued for, latest issue first, with how many are valid,
    void (replaced or refunded away) and emailed."""
    return list(
        Receipt.objects.filter(kind=Receipt.Kind.STATEMENT)
        .values("period_start", "period_end")
        .annotate(
            valid=Count("id", filter=Q(status=Receipt.Status.VALID), distinct=True),
            void=Count("id", filter=Q(status=Receipt.Status.VOID), distinct=True),
            emailed=Count(
                "id",
                filter=Q(status=Receipt.Status.VALID, deliveries__status=ReceiptDelivery.Status.SENT),
                distinct=True,
            ),
            last_issued=Max("issued_at"),
        )
        .order_by("-last_issued")[:limit]
    )
