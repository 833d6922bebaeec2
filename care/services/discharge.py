"""A person leaving the centre's care: the case file closes on the day they left, and whatever
was proposed or approved for them and not yet given becomes undeliverable, in one transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.text import text_clean

from ..errors import CareError
from ..models import Allocation, Beneficiary
from .allocations import allocation_undeliverable
from .scholarship_year_end import scholarship_awards_end_for_leaver


def beneficiary_discharge(*, beneficiary: Beneficiary, left_on: datetime.date, reason: str, actor: Any) -> Beneficiary:
    """Record that a person left care on ``left_on``, saying why. Their active scholarships
    end (care.services.scholarship_year_end).

    Open allocations (proposed or approved) are closed through allocation_undeliverable, the
    same step a case worker takes by hand, so what they reserved is free again. Their reason
    says only that the person left and when: the allocation is read by finance roles, who do not
    see case files. The audit entry names the case number, never the person or the reason."""
    if not getattr(actor, "is_authenticated", False):
        raise CareError(_("This step is recorded with the name of the person who takes it: sign in first."))
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    if not isinstance(left_on, datetime.date):
        raise CareError({"left_on": _("Give the day the person left care.")})
    if left_on > timezone.localdate():
        raise CareError({"left_on": _("Record a departure on the day it happens, not in advance.")})
    with transaction.atomic():
        person = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
        if not person.in_care:
            raise CareError(
                _("%(case)s already left care on %(date)s.")
                % {"case": person.case_number, "date": formats.date_format(person.left_on, "SHORT_DATE_FORMAT")}
            )
        if left_on < person.admitted_on:
            raise CareError({"left_on": _("A person cannot leave care before they were admitted.")})
        person.left_on = left_on
        person.left_reason = reason
        person.save(update_fields=["left_on", "left_reason"])
        # Their scholarships end first: unpaid terms close with their allocations, as a
        # scholarship ends; whatever else is still open is then undeliverable.
        ended = [award.pk for award in scholarship_awards_end_for_leaver(beneficiary=person, actor=actor)]
        note = _("The person left care on %(date)s.") % {"date": formats.date_format(left_on, "SHORT_DATE_FORMAT")}
        open_allocations = Allocation.objects.filter(
            beneficiary=person, status__in=(Allocation.Status.PROPOSED, Allocation.Status.APPROVED)
        ).order_by("pk")
        closed = [allocation_undeliverable(allocation=a, reason=note, actor=actor).pk for a in open_allocations]
        audit_record(
            actor=actor,
            action="beneficiary.discharge",
            obj=person,
            data={
                "case_number": person.case_number,
                "left_on": left_on.isoformat(),
                "allocations_closed": closed,
                "scholarships_ended": ended,
            },
        )
    beneficiary.left_on, beneficiary.left_reason = person.left_on, person.left_reason
    return beneficiary
