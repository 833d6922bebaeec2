"""Closing a period of the ledger after the accountant has checked it, and reopening one.

A closed period is a promise that its statements print the same numbers forever, so closing is
careful: only a whole calendar month or quarter, only once its last day is over, never overlapping
a period already closed, and in order (every earlier day of the books closed first, so no late
entry can land behind a closed month). Reopening is the administrator's alone, with a reason; the
closed row stays as history. The guard itself is in fund.services.ledger.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_record

from ..errors import FundError, InvalidTransition
from ..models import ClosedPeriod
from ..selectors.periods import ONE_DAY, closed_periods, first_open_day_from, ledger_first_day, period_fingerprint
from ..text import text_clean
from .ledger import period_lock

CLOSE_PERMISSION = "fund.add_closedperiod"  # the accountant's
REOPEN_PERMISSION = "fund.reopen_closedperiod"  # the administrator's alone (staff/roles.py)
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _month_end(day: datetime.date, months_on: int = 0) -> datetime.date:
    """The last day of the month ``months_on`` months after ``day``'s."""
    month_index = day.year * 12 + day.month - 1 + months_on + 1
    return datetime.date(month_index // 12, month_index % 12 + 1, 1) - ONE_DAY


def _is_month_or_quarter(starts_on: datetime.date, ends_on: datetime.date) -> bool:
    if starts_on.day != 1:
        return False
    if ends_on == _month_end(starts_on):
        return True
    return starts_on.month in QUARTER_FIRST_MONTHS and ends_on == _month_end(starts_on, 2)


def _signed_in(actor: Any) -> Any:
    if not getattr(actor, "is_authenticated", False):
        raise FundError(_("This step is recorded with the name of the person who takes it: sign in first."))
    return actor


def period_close(*, starts_on: datetime.date, ends_on: datetime.date, actor: Any) -> ClosedPeriod:
    """Close a calendar month or quarter of the whole ledger: from the commit on, nothing can be
    posted with a date inside it (fund.services.ledger and a database trigger refuse it). Records
    how many transactions it holds and their fingerprint, which check_ledger verifies later.
    Refuses (FundError) and writes nothing when the actor may not close periods, the dates are
    not a month or a quarter, the last day is not over, it overlaps a closed period, or an earlier
    day of the books is still open."""
    user = _signed_in(actor)
    if not user.has_perm(CLOSE_PERMISSION):
        raise FundError(_("Closing a period needs the fund accountant role."))
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise FundError({name: _("Give the period's first and last day.")})
    if starts_on > ends_on:
        raise FundError({"ends_on": _("The last day comes before the first day.")})
    if not _is_month_or_quarter(starts_on, ends_on):
        raise FundError(
            {"ends_on": _("A period is a calendar month or a quarter (January to March, April to June, and so on).")}
        )
    if ends_on >= timezone.localdate():
        # Gifts dated today may still arrive: a day closes only once it is over.
        raise FundError(
            {"ends_on": _("A period closes once its last day is over: %(end)s is not.") % {"end": _day(ends_on)}}
        )
    with transaction.atomic():
        # Waits for postings already past their check, and holds new ones off until the commit.
        period_lock(exclusive=True)
        overlapping = closed_periods().filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if overlapping is not None:
            raise FundError(
                _("The period overlaps %(period)s, which is closed already.") % {"period": str(overlapping)}
            )
        first = ledger_first_day()
        if first is not None and first < starts_on:
            still_open = first_open_day_from(first)
            if still_open < starts_on:
                raise FundError(
                    _(
                        "The books are still open from %(open)s: close the periods before %(start)s first, "
                        "so no late entry can land behind a closed one."
                    )
                    % {"open": _day(still_open), "start": _day(starts_on)}
                )
        count, digest = period_fingerprint(starts_on, ends_on)
        period = ClosedPeriod.objects.create(
            starts_on=starts_on,
            ends_on=ends_on,
            closed_at=timezone.now(),
            closed_by=user,
            transactions=count,
            digest=digest,
        )
        audit_record(
            actor=user,
            action="period.close",
            obj=period,
            data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "transactions": count},
        )
    return period


def period_reopen(*, period: ClosedPeriod, reason: str, actor: Any) -> ClosedPeriod:
    """Open a closed period again, for a correction the administrator accepts. The closed row
    stays, with who reopened it, when and why, and an audit entry; close it again afterwards (a
    new row). Refuses (FundError) anyone but an administrator, and a period already reopened."""
    user = _signed_in(actor)
    if not user.has_perm(REOPEN_PERMISSION):
        raise FundError(_("Only an administrator can reopen a closed period."))
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        locked = ClosedPeriod.objects.select_for_update().get(pk=period.pk)
        if not locked.is_closed:
            raise InvalidTransition(_("The period %(period)s has been reopened already.") % {"period": str(locked)})
        locked.reopened_at = timezone.now()
        locked.reopened_by = user
        locked.reopen_reason = reason
        locked.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
        audit_record(
            actor=user,
            action="period.reopen",
            obj=locked,
            data={"starts_on": locked.starts_on.isoformat(), "ends_on": locked.ends_on.isoformat(), "reason": reason},
        )
    return locked
