"""Scholarship awards and their terms, from the award to the payee's acknowledgement (renewal
and end: care.services.scholarship_year_end). One transaction and one audit entry each, plus
the entries of the allocation services they call: a term's money moves only through
care.services.allocations, never beside it.

Lock order: the award's row, then the term's, then (inside the allocation services) the
allocation's and the fund's. Audit entries name the award, term, fund and amounts, never the
person.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from fund.errors import FundError
from fund.models import Fund
from fund.text import text_clean

from ..errors import CareError
from ..models import Allocation, Beneficiary, Evidence, ScholarshipAward, ScholarshipTerm
from .allocations import (
    _require_in_care,
    _user,
    allocation_disburse,
    allocation_propose,
)
from .evidence import evidence_attach
from .scholarship_schedules import TermLine, schedule_check


def _text(value: Any, *, field: str, max_length: int) -> str:
    """Required free text, cleaned; a refusal names the form field it belongs to."""
    try:
        return text_clean(value, field=field, max_length=max_length, required=True)
    except CareError:
        raise
    except FundError as exc:
        raise CareError({field: exc.messages}) from exc


def _audit(obj: Any, *, action: str, actor: Any, award: ScholarshipAward, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=f"scholarship.{action}",
        obj=obj,
        data={"award": award.pk, "fund": award.fund.code, "school_year": award.school_year, **data},
    )


def _locked_award(award: ScholarshipAward) -> ScholarshipAward:
    return ScholarshipAward.objects.select_for_update(of=("self",)).select_related("fund").get(pk=award.pk)


def _locked_term(term: ScholarshipTerm) -> tuple[ScholarshipAward, ScholarshipTerm]:
    award = _locked_award(term.award)
    term = ScholarshipTerm.objects.select_for_update(of=("self",)).select_related("allocation").get(pk=term.pk)
    return award, term


def _require_active(award: ScholarshipAward) -> None:
    if award.status != ScholarshipAward.Status.ACTIVE:
        raise CareError(
            _("Scholarship %(award)s is %(status)s: its terms no longer move.")
            % {"award": award.pk, "status": award.get_status_display().lower()}
        )


def _not_in_future(day: datetime.date, *, field: str) -> None:
    if not isinstance(day, datetime.date):
        raise CareError({field: _("Give the date.")})
    if day > timezone.localdate():
        raise CareError({field: _("Record it on the day it happens, not in advance.")})


def _create(
    *,
    beneficiary: Beneficiary,
    fund: Fund,
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
    renewed_from: ScholarshipAward | None = None,
) -> ScholarshipAward:
    """Check everything, then write the award and its terms (the caller's transaction)."""
    creator = _user(actor)
    fund = Fund.objects.get(pk=fund.pk)
    if not fund.is_active:
        raise CareError({"fund": _("Fund %(fund)s is closed: nothing more is given from it.") % {"fund": fund.code}})
    beneficiary = Beneficiary.objects.get(pk=beneficiary.pk)
    _require_in_care(beneficiary, refusal=_("%(case)s left care on %(date)s: no scholarship is awarded to them."))
    if level not in ScholarshipAward.Level.values:
        raise CareError({"level": _("Choose the level of schooling.")})
    if payee not in ScholarshipAward.Payee.values:
        raise CareError({"payee": _("Choose who is paid: the school, the guardian or the centre.")})
    school = _text(school, field="school", max_length=200)
    schedule = schedule_check(
        fund=fund,
        school_year=school_year,
        year_starts_on=year_starts_on,
        year_ends_on=year_ends_on,
        amount_per_term=amount_per_term,
        total=total,
        terms=terms,
    )
    if ScholarshipAward.objects.filter(
        beneficiary=beneficiary,
        fund=fund,
        school_year=schedule.school_year,
        status__in=[ScholarshipAward.Status.ACTIVE, ScholarshipAward.Status.RENEWED],
    ).exists():
        raise CareError(
            {
                "school_year": _("This person already has a scholarship from %(fund)s for %(year)s.")
                % {"fund": fund.code, "year": schedule.school_year}
            }
        )
    award = ScholarshipAward.objects.create(
        beneficiary=beneficiary,
        fund=fund,
        school_year=schedule.school_year,
        year_starts_on=schedule.year_starts_on,
        year_ends_on=schedule.year_ends_on,
        school=school,
        level=level,
        amount_per_term=schedule.amount_per_term,
        total=schedule.total,
        payee=payee,
        programme=beneficiary.programme,
        renewed_from=renewed_from,
        created_by=creator,
    )
    ScholarshipTerm.objects.bulk_create(
        ScholarshipTerm(award=award, number=number, due_on=due_on, amount=amount)
        for number, due_on, amount in schedule.terms
    )
    return award


def scholarship_award_create(
    *,
    beneficiary: Beneficiary,
    fund: Fund,
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
    """A case worker awards a scholarship to a person in care, from an open fund, for one school
    year, with its schedule of terms (each awaiting its enrolment). Nothing is proposed yet."""
    with transaction.atomic():
        award = _create(
            beneficiary=beneficiary,
            fund=fund,
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
        )
        _audit(award, action="create", actor=actor, award=award, **_money_data(award))
    return award


def _money_data(award: ScholarshipAward) -> dict[str, Any]:
    return {
        "level": award.level,
        "payee": award.payee,
        "amount_per_term": str(award.amount_per_term.amount),
        "total": str(award.total.amount),
        "currency": award.total.currency.code,
        "terms": award.terms.count(),
    }


def _release(award: ScholarshipAward, term: ScholarshipTerm, *, actor: Any) -> Allocation:
    """Propose the term's allocation (the fund manager approves it as any other)."""
    return allocation_propose(
        beneficiary=award.beneficiary,
        fund=award.fund,
        kind=Allocation.Kind.SCHOLARSHIP,
        amount=term.amount,
        # Shown to every viewer of the allocation: no name, no school.
        purpose=_("Scholarship %(award)s (%(year)s), term %(term)s")
        % {"award": award.pk, "year": award.school_year, "term": term.number},
        actor=actor,
    )


def scholarship_term_enrolment_confirm(
    *, term: ScholarshipTerm, confirmed_on: datetime.date, reference: str, confirmation: Any, actor: Any
) -> ScholarshipTerm:
    """The school confirmed the enrolment for this term: keep its letter (``confirmation``, a
    PDF, JPEG or PNG, attached to the term as evidence), record its facts (when, the school's
    reference, who recorded it) and release the term, which proposes its allocation. A term is
    released only on the school's word on file, so the letter is required."""
    user = _user(actor)
    if not confirmation:
        raise CareError({"file": _("Attach the school's enrolment confirmation (a PDF, JPEG or PNG).")})
    _not_in_future(confirmed_on, field="confirmed_on")
    reference = _text(reference, field="reference", max_length=100)
    with transaction.atomic():
        award, term = _locked_term(term)
        _require_active(award)
        if term.status == ScholarshipTerm.Status.CLOSED:
            raise CareError(_("Term %(term)s is closed.") % {"term": term.number})
        if term.enrolment_confirmed_on is not None:
            raise CareError(
                _("The enrolment for term %(term)s was already confirmed on %(date)s (%(reference)s).")
                % {
                    "term": term.number,
                    "date": term.enrolment_confirmed_on.isoformat(),
                    "reference": term.enrolment_reference,
                }
            )
        # Last of the checks: the file is stored only once everything else is known to be right.
        evidence_attach(
            subject=term,
            kind=Evidence.Kind.ENROLMENT,
            upload=confirmation,
            original_name=getattr(confirmation, "name", "") or "",
            note=reference,
            actor=actor,
        )
        term.enrolment_confirmed_on = confirmed_on
        term.enrolment_reference = reference
        term.enrolment_recorded_at = timezone.now()
        term.enrolment_recorded_by = user
        term.allocation = _release(award, term, actor=actor)
        term.save(
            update_fields=[
                "enrolment_confirmed_on",
                "enrolment_reference",
                "enrolment_recorded_at",
                "enrolment_recorded_by",
                "allocation",
            ]
        )
        _audit(
            term,
            action="enrolment_confirm",
            actor=actor,
            award=award,
            term=term.number,
            allocation=term.allocation_id,
        )
    return term


def scholarship_term_release(*, term: ScholarshipTerm, actor: Any) -> ScholarshipTerm:
    """Propose a term's allocation again after the last one was rejected, cancelled or reversed.
    A term is released only when its enrolment is confirmed."""
    _user(actor)
    with transaction.atomic():
        award, term = _locked_term(term)
        _require_active(award)
        if term.enrolment_confirmed_on is None:
            raise CareError(
                _("Term %(term)s is awaiting its enrolment: confirm the enrolment first.") % {"term": term.number}
            )
        if term.live_allocation is not None:
            raise CareError(
                _("Term %(term)s is released already: allocation %(allocation)s is %(status)s.")
                % {
                    "term": term.number,
                    "allocation": term.allocation_id,
                    "status": term.allocation.get_status_display().lower(),
                }
            )
        if not term.releasable:
            raise CareError(
                _("Term %(term)s is %(status)s: there is nothing to release.")
                % {"term": term.number, "status": term.get_status_display().lower()}
            )
        previous = term.allocation_id
        term.allocation = _release(award, term, actor=actor)
        # An acknowledgement was of the payment now reversed.
        term.acknowledged_on, term.acknowledged_by_payee, term.acknowledgement_recorded_by = None, "", None
        term.save(
            update_fields=["allocation", "acknowledged_on", "acknowledged_by_payee", "acknowledgement_recorded_by"]
        )
        _audit(
            term,
            action="release",
            actor=actor,
            award=award,
            term=term.number,
            allocation=term.allocation_id,
            previous_allocation=previous,
        )
    return term


def scholarship_term_pay(*, term: ScholarshipTerm, paid_on: datetime.date, actor: Any) -> ScholarshipTerm:
    """Pay an approved term to the award's payee: allocation_disburse, by the payee's method
    (bank transfer to the school or the guardian, cash to the centre)."""
    _user(actor)
    with transaction.atomic():
        award, term = _locked_term(term)
        if term.status != ScholarshipTerm.Status.APPROVED:
            raise CareError(
                _("Term %(term)s is %(status)s; it is paid once its allocation is approved.")
                % {"term": term.number, "status": term.get_status_display().lower()}
            )
        allocation_disburse(allocation=term.allocation, disbursed_on=paid_on, method=award.payment_method, actor=actor)
        term.refresh_from_db()
        _audit(
            term,
            action="pay",
            actor=actor,
            award=award,
            term=term.number,
            allocation=term.allocation_id,
            method=award.payment_method,
        )
    return term


def scholarship_term_acknowledge(
    *, term: ScholarshipTerm, acknowledged_on: datetime.date, acknowledged_by: str, actor: Any
) -> ScholarshipTerm:
    """The payee acknowledged a paid term (who signed, by their role, and when)."""
    user = _user(actor)
    _not_in_future(acknowledged_on, field="acknowledged_on")
    acknowledged_by = _text(acknowledged_by, field="acknowledged_by", max_length=200)
    with transaction.atomic():
        award, term = _locked_term(term)
        if term.status == ScholarshipTerm.Status.ACKNOWLEDGED:
            raise CareError(
                _("Term %(term)s was already acknowledged on %(date)s.")
                % {"term": term.number, "date": term.acknowledged_on.isoformat()}
            )
        if term.status != ScholarshipTerm.Status.PAID:
            raise CareError(
                _("Term %(term)s is %(status)s; a payee acknowledges a term once it is paid.")
                % {"term": term.number, "status": term.get_status_display().lower()}
            )
        if acknowledged_on < term.allocation.disbursed_on:
            raise CareError(
                {
                    "acknowledged_on": _("Term %(term)s was paid on %(date)s: it cannot be acknowledged before.")
                    % {"term": term.number, "date": term.allocation.disbursed_on.isoformat()}
                }
            )
        term.acknowledged_on = acknowledged_on
        term.acknowledged_by_payee = acknowledged_by
        term.acknowledgement_recorded_by = user
        term.save(update_fields=["acknowledged_on", "acknowledged_by_payee", "acknowledgement_recorded_by"])
        _audit(term, action="acknowledge", actor=actor, award=award, term=term.number)
    return term
