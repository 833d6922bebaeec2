"""Reads about scholarships: which donors' scholarship gifts paid which awards' terms.

The split itself is fund's (fund.selectors.scholarship_funding_fifo: first in, first out within
the fund, from the ledger alone); here each payment's reference ("allocation:12") is mapped to
the scholarship term it paid. Nothing is written. These feed a donor's impact statement: they
give award and term numbers, never a person.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.utils import timezone
from djmoney.money import Money

from fund.models import Donation
from fund.selectors import ScholarshipFunding, scholarship_funding_fifo

from .models import ScholarshipAward, ScholarshipTerm

_PREFIX = "allocation:"


class GiftFunding(NamedTuple):
    award_id: int
    term: ScholarshipTerm
    amount: Money


class AwardFunding(NamedTuple):
    """``donation`` is None for the part of a term paid from unrestricted money."""

    donation: Donation | None
    term: ScholarshipTerm
    amount: Money


def _terms_by_reference(funding: list[ScholarshipFunding]) -> dict[str, ScholarshipTerm]:
    ids = {int(f.reference.removeprefix(_PREFIX)) for f in funding if f.reference.startswith(_PREFIX)}
    terms = ScholarshipTerm.objects.filter(allocation_id__in=ids).select_related("award")
    return {f"{_PREFIX}{term.allocation_id}": term for term in terms}


def scholarship_funding_for_gift(donation: Donation) -> list[GiftFunding]:
    """What one scholarship gift paid: (award id, term, amount) for each paid term it funded,
    oldest payment first. Scholarship allocations made outside an award use the gift's money
    too but are not listed (they have no award)."""
    if donation.kind != Donation.Kind.SCHOLARSHIP or donation.status != Donation.Status.RECEIVED:
        return []
    funding = [f for f in scholarship_funding_fifo(donation.fund) if f.donation_id == donation.pk]
    terms = _terms_by_reference(funding)
    return [
        GiftFunding(terms[f.reference].award_id, terms[f.reference], f.amount) for f in funding if f.reference in terms
    ]


def scholarship_funding_for_award(award: ScholarshipAward) -> list[AwardFunding]:
    """Who paid one award: (gift, term, amount) for each part of each paid term, in the order
    of payment; a part paid from unrestricted money has no gift."""
    funding = scholarship_funding_fifo(award.fund)
    terms = {ref: term for ref, term in _terms_by_reference(funding).items() if term.award_id == award.pk}
    mine = [f for f in funding if f.reference in terms]
    gifts = Donation.objects.in_bulk({f.donation_id for f in mine if f.donation_id is not None})
    return [AwardFunding(gifts.get(f.donation_id), terms[f.reference], f.amount) for f in mine]


def scholarship_school_years() -> list[str]:
    """The school years awards exist for, latest first (the listing's filter)."""
    years = ScholarshipAward.objects.values_list("school_year", flat=True).distinct().order_by("-school_year")
    return list(years)


def scholarship_terms_awaiting_enrolment(*, today: datetime.date | None = None, within_days: int = 30):
    """Terms of running awards whose enrolment nobody has confirmed yet, due by ``within_days``
    from today (overdue ones included), earliest first: the case worker's next calls to schools."""
    today = today or timezone.localdate()
    return (
        ScholarshipTerm.objects.filter(
            award__status=ScholarshipAward.Status.ACTIVE,
            enrolment_confirmed_on__isnull=True,
            closed_at__isnull=True,
            allocation__isnull=True,
            due_on__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("award__beneficiary")
        .order_by("due_on", "award_id", "number")
    )
