"""Which days of the ledger are closed, and the fingerprint of what a closed period holds."""

from __future__ import annotations

import datetime
import hashlib

from django.db import connection
from django.utils import timezone

from ..models import ClosedPeriod

ONE_DAY = datetime.timedelta(days=1)


def closed_periods():
    """The periods closed now (not reopened), earliest first."""
    return ClosedPeriod.objects.filter(reopened_at__isnull=True).order_by("starts_on")


def closed_period_on(day: datetime.date) -> ClosedPeriod | None:
    """The closed period ``day`` falls in, if any."""
    return closed_periods().filter(starts_on__lte=day, ends_on__gte=day).first()


def first_open_day_from(day: datetime.date) -> datetime.date:
    """``day`` if it is open, else the first open day after it (closed periods may follow one
    another, so one step past a period is not always enough)."""
    for period in closed_periods().filter(ends_on__gte=day):
        if period.starts_on > day:
            break
        day = period.ends_on + ONE_DAY
    return day


def period_fingerprint(starts_on: datetime.date, ends_on: datetime.date) -> tuple[int, str]:
    """How many ledger transactions are dated inside the period, and a SHA-256 over their ids and
    their postings' digests (each of which covers the transaction's legs). The same ledger gives
    the same fingerprint, so check_ledger can prove a closed period did not change."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, COALESCE(p.digest, '') FROM hordak_transaction t "
            "LEFT JOIN fund_posting p ON p.transaction_id = t.id "
            "WHERE t.date BETWEEN %s AND %s ORDER BY t.id",
            [starts_on, ends_on],
        )
        rows = cursor.fetchall()
    digest = hashlib.sha256("\n".join(f"{tx}:{posting}" for tx, posting in rows).encode()).hexdigest()
    return len(rows), digest


def ledger_first_day() -> datetime.date | None:
    """The date of the earliest ledger transaction: where the books begin."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(date) FROM hordak_transaction")
        (first,) = cursor.fetchone()
    return first


def _month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    return first, (first + datetime.timedelta(days=32)).replace(day=1) - ONE_DAY


def period_next_to_close() -> tuple[datetime.date, datetime.date]:
    """The month a close form suggests: the first month still open since the books began (or
    last month, for books with nothing in them yet)."""
    first = ledger_first_day()
    if first is None:
        return _month_of(timezone.localdate().replace(day=1) - ONE_DAY)
    return _month_of(first_open_day_from(first))
