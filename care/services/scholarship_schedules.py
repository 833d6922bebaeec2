"""Checking an award's terms before anything is written: the school year, the schedule of terms
and its money. Pure functions, no database writes; care.services.scholarships calls them.

The money model (docs/decisions/0019-scholarships.md): an award pays its amount per term on
each term, so its total is the amount per term times the number of terms. The person creating
it states that total as a control total, as on the school's or donor's letter; a term line
with another amount, or lines that do not add up to the total, are refused."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from djmoney.money import Money

from fund.models import Fund
from fund.money import money_display

from ..errors import CareError
from .allocations import _amount

# "2026-2027", or with an en dash as people type it.
_SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$")
MAX_TERMS = 12  # monthly at most; a school year has ten months


@dataclass(frozen=True)
class TermLine:
    """One line of a schedule as given: when it is due and, optionally, its amount (empty: the
    award's amount per term)."""

    due_on: datetime.date
    amount: Money | Decimal | str | None = None


@dataclass(frozen=True)
class Schedule:
    """A checked schedule, ready to write."""

    school_year: str
    year_starts_on: datetime.date
    year_ends_on: datetime.date
    amount_per_term: Money
    total: Money
    terms: tuple[tuple[int, datetime.date, Money], ...]


def school_year_check(school_year: str, starts_on: datetime.date, ends_on: datetime.date) -> str:
    """The school year as "2026-2027": two consecutive years, starting in the first and ending
    after it starts, no later than the second."""
    match = _SCHOOL_YEAR.match(school_year or "")
    if not match or int(match[2]) != int(match[1]) + 1:
        raise CareError({"school_year": _("Write the school year as two consecutive years, e.g. 2026-2027.")})
    first, second = int(match[1]), int(match[2])
    if not isinstance(starts_on, datetime.date) or not isinstance(ends_on, datetime.date):
        raise CareError({"year_starts_on": _("Give the dates the school year starts and ends.")})
    if starts_on.year != first:
        raise CareError(
            {
                "year_starts_on": _("School year %(year)s starts in %(first)s, not on %(date)s.")
                % {"year": f"{first}-{second}", "first": first, "date": starts_on.isoformat()}
            }
        )
    if ends_on <= starts_on or ends_on.year > second:
        raise CareError(
            {
                "year_ends_on": _("School year %(year)s ends after it starts and no later than %(second)s.")
                % {"year": f"{first}-{second}", "second": second}
            }
        )
    return f"{first}-{second}"


def schedule_check(
    *,
    fund: Fund,
    school_year: str,
    year_starts_on: datetime.date,
    year_ends_on: datetime.date,
    amount_per_term: Money | Decimal | str,
    total: Money | Decimal | str,
    terms: Sequence[TermLine],
) -> Schedule:
    """Refuse (CareError, nothing written) a schedule that does not add up, or whose due dates
    are outside the school year or not in order."""
    school_year = school_year_check(school_year, year_starts_on, year_ends_on)
    try:
        per_term = _amount(fund, amount_per_term)
    except CareError as exc:
        raise CareError({"amount_per_term": exc.messages}) from exc
    try:
        stated_total = _amount(fund, total)
    except CareError as exc:
        raise CareError({"total": exc.messages}) from exc
    terms = list(terms)
    if not terms:
        raise CareError({"terms": _("Give the schedule: at least one term with its due date.")})
    if len(terms) > MAX_TERMS:
        raise CareError({"terms": _("A school year has at most %(count)s terms.") % {"count": MAX_TERMS}})
    lines = []
    previous = None
    for number, line in enumerate(terms, start=1):
        values = {"term": number, "date": line.due_on.isoformat() if line.due_on else "—"}
        if not isinstance(line.due_on, datetime.date):
            raise CareError({"terms": _("Term %(term)s has no due date.") % values})
        if not year_starts_on <= line.due_on <= year_ends_on:
            raise CareError(
                {
                    "terms": _("Term %(term)s is due on %(date)s, outside the school year (%(start)s to %(end)s).")
                    % {**values, "start": year_starts_on.isoformat(), "end": year_ends_on.isoformat()}
                }
            )
        if previous is not None and line.due_on <= previous:
            raise CareError({"terms": _("Term %(term)s is due on %(date)s, not after the term before it.") % values})
        previous = line.due_on
        try:
            amount = per_term if line.amount in (None, "") else _amount(fund, line.amount)
        except CareError as exc:
            raise CareError({"terms": exc.messages}) from exc
        if amount != per_term:
            raise CareError(
                {
                    "terms": _("Term %(term)s is %(amount)s; every term pays the amount per term, %(per_term)s.")
                    % {**values, "amount": money_display(amount), "per_term": money_display(per_term)}
                }
            )
        lines.append((number, line.due_on, amount))
    added = sum((amount for _number, _due, amount in lines), Money(0, fund.currency))
    if added != stated_total:
        raise CareError(
            {
                "total": _(
                    "The schedule does not add up: %(count)s terms of %(per_term)s make %(added)s, not %(total)s."
                )
                % {
                    "count": len(lines),
                    "per_term": money_display(per_term),
                    "added": money_display(added),
                    "total": money_display(stated_total),
                }
            }
        )
    return Schedule(
        school_year=school_year,
        year_starts_on=year_starts_on,
        year_ends_on=year_ends_on,
        amount_per_term=per_term,
        total=stated_total,
        terms=tuple(lines),
    )
