"""Months relative to today, for the closed-period and journal tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)


def month_before(months: int = 1) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the calendar month ``months`` before this one."""
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - ONE_DAY).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - ONE_DAY


def noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
