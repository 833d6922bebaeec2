"""Constants and small helpers shared by the demo modules: targets, counts, rounding, the clock."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone

from staff.passwords import DEMO_PASSWORD  # noqa: F401 - printed on purpose: demo logins only

CPF_CODE = "CPF"
SPF_CODE = "SPF"
CAMPAIGN_SLUG = "demo-nam-hoc-2026-2027"
SCHOOL_YEAR = "2026-2027"
SEED = 2026

ORGANISATION_COUNT = 200
PERSON_COUNT = 40
CHILD_COUNT = 89
ADULT_COUNT = 157
CPF_TARGET = Decimal("1900000000")  # received by CPF from organisations, exactly
SPF_TARGET = Decimal("250000000")  # SPF ends just above this
USD_RATE = Decimal("25400")
STEP = 10_000  # every amount is a multiple of 10,000 VND

Plan = dict[str, Any]


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _round(value: float) -> int:
    return max(STEP, int(round(value / STEP)) * STEP)


def _years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _Clock:
    """Dates counted back from the day of the run, in the centre's time zone."""

    def __init__(self) -> None:
        self.today = timezone.localdate()

    def at(self, days_ago: int, rng: random.Random) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randrange(0, 60, 5)))
        return timezone.make_aware(moment)
