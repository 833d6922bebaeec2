"""The end of a scholarship's year: renewed into the next school year, or ended with a reason
(also when its person leaves care). Terms not paid are closed, their allocations withdrawn
through the allocation services. One transaction and one audit entry each; lock order as in
care.services.scholarships (the award's row first)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ..errors import CareError
from ..models import Allocation, Beneficiary, ScholarshipAward, ScholarshipTerm
from .allocations import _user, allocation_cancel, allocation_undeliverable
from .scholarship_schedules import TermLine
from .scholarships import _audit, _create, _locked_award, _money_data, _require_active, _text


def _close_unpaid_terms(award: ScholarshipAward, *, reason: str, actor: Any, left_care: bool) -> list[int]:
    """Close every term not paid: its allocation, if one is on its way, is cancelled (or, for a
    person who left care, marked undeliverable once approved) through the allocation services."""
    closed = []
    now = timezone.now()
    for term in award.terms.select_for_update(of=("self",)).select_related("allocation"):
        if term.status in (ScholarshipTerm.Status.PAID, ScholarshipTerm.Status.ACKNOWLEDGED):
            continue
        allocation = term.live_allocation
        if allocation is not None and allocation.status == Allocation.Status.APPROVED and left_care:
            allocation_undeliverable(allocation=allocation, reason=reason, actor=actor)
        elif allocation is not None:
            allocation_cancel(allocation=allocation, reason=reason, actor=actor)
        if term.closed_at is None:
            term.closed_at, term.closed_reason = now, reason
            term.save(update_fields=["closed_at", "closed_reason"])
        closed.append(term.number)
    return closed


def _end(award: ScholarshipAward, *, reason: str, actor: Any, left_care: bool) -> ScholarshipAward:
    closed = _close_unpaid_terms(award, reason=reason, actor=actor, left_care=left_care)
    award.status = ScholarshipAward.Status.ENDED
    award.ended_at = timezone.now()
    award.ended_by = actor
    award.ended_reason = reason
    award.save(update_fields=["status", "ended_at", "ended_by", "ended_reason"])
    _audit(award, action="end", actor=actor, award=award, reason=reason, terms_closed=closed)
    return award


def scholarship_award_end(*, award: ScholarshipAward, reason: str, actor: Any) -> ScholarshipAward:
    """End an active award, saying why (the year is over and it is not renewed, the child left
    school). Terms not paid are closed; their allocations, if proposed or approved, cancelled."""
    _user(actor)
    reason = _text(reason, field="reason", max_length=500)
    with transaction.atomic():
        award = _locked_award(award)
        _require_active(award)
        return _end(award, reason=reason, actor=actor, left_care=False)


def scholarship_awards_end_for_leaver(*, beneficiary: Beneficiary, actor: Any) -> list[ScholarshipAward]:
    """A person who left care: end every active award of theirs. Terms not paid become closed
    (approved allocations undeliverable, proposed ones cancelled). Called when a person is
    discharged, in the same transaction; safe to call again (it then ends nothing)."""
    _user(actor)
    beneficiary = Beneficiary.objects.get(pk=beneficiary.pk)
    if beneficiary.in_care:
        raise CareError(_("%(case)s is still in care.") % {"case": beneficiary.case_number})
    reason = _("Left care on %(date)s.") % {"date": beneficiary.left_on.isoformat()}
    with transaction.atomic():
        awards = list(
            ScholarshipAward.objects.select_for_update(of=("self",))
            .select_related("fund")
            .filter(beneficiary=beneficiary, status=ScholarshipAward.Status.ACTIVE)
            .order_by("pk")
        )
        return [_end(award, reason=reason, actor=actor, left_care=True) for award in awards]


def scholarship_award_renew(
    *,
    award: ScholarshipAward,
    school_year: str,
    year_starts_on: datetime.date,
    year_ends_on: datetime.date,
    school: str,
    level: str,
    payee: str,
    amount_per_term: Money | Decimal | str,
    total: Money | Decimal | str,
    terms: Sequence[TermLine],
    actor: Any,
) -> ScholarshipAward:
    """Renew an active award into a later school year: a new award with its own terms, linked
    to this one, which becomes "renewed". Its terms still waiting for an enrolment are closed;
    a term whose allocation is proposed or approved must be paid or withdrawn first."""
    _user(actor)
    with transaction.atomic():
        award = _locked_award(award)
        _require_active(award)
        if isinstance(year_starts_on, datetime.date) and year_starts_on <= award.year_ends_on:
            raise CareError(
                {
                    "year_starts_on": _("A renewal starts after scholarship %(award)s's year ends (%(date)s).")
                    % {"award": award.pk, "date": award.year_ends_on.isoformat()}
                }
            )
        for term in award.terms.select_related("allocation"):
            allocation = term.live_allocation
            if allocation is not None and allocation.status != Allocation.Status.DISBURSED:
                raise CareError(
                    _("Term %(term)s's allocation %(allocation)s is %(status)s: pay it or withdraw it before renewing.")
                    % {
                        "term": term.number,
                        "allocation": allocation.pk,
                        "status": allocation.get_status_display().lower(),
                    }
                )
        renewal = _create(
            beneficiary=award.beneficiary,
            fund=award.fund,
            school_year=school_year,
            year_starts_on=year_starts_on,
            year_ends_on=year_ends_on,
            school=school,
            level=level,
            payee=payee,
            amount_per_term=amount_per_term,
            total=total,
            terms=terms,
            actor=actor,
            renewed_from=award,
        )
        reason = _("Renewed as scholarship %(award)s.") % {"award": renewal.pk}
        closed = _close_unpaid_terms(award, reason=reason, actor=actor, left_care=False)
        award.status = ScholarshipAward.Status.RENEWED
        award.save(update_fields=["status"])
        _audit(
            renewal,
            action="renew",
            actor=actor,
            award=renewal,
            renews=award.pk,
            terms_closed=closed,
            **_money_data(renewal),
        )
    return renewal
