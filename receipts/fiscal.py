"""Fiscal years: numbered by the calendar year they start in (RECEIPTS_FISCAL_YEAR_START_MONTH).

With the default (January) a fiscal year is the calendar year; with July, fiscal year 2026 runs
from 1 July 2026 to 30 June 2027.
"""

import datetime

from django.conf import settings


def _start_month() -> int:
    month = int(settings.RECEIPTS_FISCAL_YEAR_START_MONTH)
    if not 1 <= month <= 12:
        raise ValueError("RECEIPTS_FISCAL_YEAR_START_MONTH must be 1 to 12.")
    return month


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= _start_month() else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day (inclusive) of fiscal ``year``."""
    start = datetime.date(year, _start_month(), 1)
    next_start = datetime.date(year + 1, _start_month(), 1)
    return start, next_start - datetime.timedelta(days=1)
