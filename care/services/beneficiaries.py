"""Admitting a child or adult into the centre's care: the case file and its sensitive part,
written together, with one audit entry that carries no sensitive detail."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.text import text_clean

from ..errors import CareError
from ..models import Beneficiary, BeneficiarySensitive

# Which programmes belong to which group: a child cannot be in the elderly programme.
PROGRAMMES_BY_GROUP = {
    Beneficiary.Group.CHILD: (
        Beneficiary.Programme.ORPHAN,
        Beneficiary.Programme.DISABILITY,
        Beneficiary.Programme.HIV,
    ),
    Beneficiary.Group.ADULT: (
        Beneficiary.Programme.ELDERLY,
        Beneficiary.Programme.ADULT_DISABILITY,
    ),
}
SENSITIVE_FIELDS = ("health_notes", "disability", "hiv_status", "family_situation", "guardian_contact")


def _label(name: str, model: type = Beneficiary) -> str:
    """A refusal names the field as the case file's screens do (its translated verbose name)."""
    return model._meta.get_field(name).verbose_name


def beneficiary_admit(
    *,
    case_number: str,
    full_name: str,
    date_of_birth: datetime.date,
    group: str,
    programme: str,
    admitted_on: datetime.date,
    sensitive: Mapping[str, Any] | None = None,
    actor: Any = None,
) -> Beneficiary:
    """Open a case file and its sensitive record in one transaction.

    ``sensitive`` may give any of health_notes, disability, hiv_status, family_situation and
    guardian_contact; a sensitive record is created even when it is empty, so every case file
    has one. Nothing is written unless everything is valid. The audit entry names the case,
    never its sensitive content.
    """
    sensitive = dict(sensitive or {})
    unknown = set(sensitive) - set(SENSITIVE_FIELDS)
    if unknown:
        raise CareError(_("Unknown sensitive fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})

    beneficiary = Beneficiary(
        case_number=text_clean(
            case_number, field="case_number", max_length=20, required=True, label=_label("case_number")
        ),
        full_name=text_clean(full_name, field="full_name", max_length=200, required=True, label=_label("full_name")),
        date_of_birth=date_of_birth,
        group=group,
        programme=programme,
        admitted_on=admitted_on,
    )
    record = BeneficiarySensitive(
        **{
            name: text_clean(value, field=name, max_length=5000, label=_label(name, BeneficiarySensitive))
            if name != "hiv_status"
            else value
            for name, value in sensitive.items()
        }
    )
    try:
        beneficiary.full_clean()
        record.full_clean(exclude=["beneficiary"])
    except ValidationError as exc:
        raise CareError(exc.message_dict) from exc

    # full_clean has converted the fields (e.g. an ISO date string to a date): use its values.
    group, programme = beneficiary.group, beneficiary.programme
    if programme not in PROGRAMMES_BY_GROUP[group]:
        raise CareError(
            {
                "programme": _("The programme “%(programme)s” is not for the %(group)s group.")
                % {"programme": beneficiary.get_programme_display(), "group": beneficiary.get_group_display().lower()}
            }
        )
    today = timezone.localdate()
    date_of_birth, admitted_on = beneficiary.date_of_birth, beneficiary.admitted_on
    if date_of_birth > today:
        raise CareError({"date_of_birth": _("The date of birth cannot be in the future.")})
    if admitted_on < date_of_birth:
        raise CareError({"admitted_on": _("A person cannot be admitted before they were born.")})
    if admitted_on > today:
        raise CareError({"admitted_on": _("Record the admission on the day it happens, not in advance.")})

    with transaction.atomic():
        beneficiary.save()
        record.beneficiary = beneficiary
        record.save()
        audit_record(
            actor=actor,
            action="beneficiary.admit",
            obj=beneficiary,
            data={"case_number": beneficiary.case_number, "group": group, "programme": programme},
        )
    return beneficiary
