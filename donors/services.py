"""Writes to donors. Each service validates everything first and writes in one transaction."""

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .errors import DonorError
from .models import Donor

# What a person may set on a donor (forms, imports, the admin); everything else is derived.
DONOR_FIELDS = (
    "kind",
    "name",
    "tax_code",
    "contact_person",
    "email",
    "phone",
    "address",
    "preferred_language",
    "consent_receipts_by_email",
    "consent_news",
    "anonymous_by_default",
)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _validate(donor: Donor) -> None:
    for name in DONOR_FIELDS:
        value = getattr(donor, name)
        if isinstance(value, str) and "\x00" in value:
            raise DonorError({name: "Text cannot contain NUL characters."})
    if any(ch in (donor.email or "") for ch in "\r\n"):
        raise DonorError({"email": "An email address cannot contain line breaks."})
    if donor.kind == Donor.Kind.PERSON and (donor.tax_code or donor.contact_person):
        raise DonorError({"kind": "Tax code and contact person apply to organisations only."})
    try:
        donor.full_clean(exclude=["public_id"])
    except ValidationError as exc:
        raise DonorError(exc.message_dict) from exc


def _check_fields(fields: dict, service: str) -> None:
    unknown = set(fields) - set(DONOR_FIELDS)
    if unknown:
        raise TypeError(f"{service}() got unexpected fields: {', '.join(sorted(unknown))}")


def donor_create(*, actor: Any = None, **fields: Any) -> Donor:
    _check_fields(fields, "donor_create")
    donor = Donor(**{k: _clean_text(v) for k, v in fields.items()})
    _validate(donor)
    with transaction.atomic():
        donor.save()
        audit_record(actor=actor, action="donor.create", obj=donor)
    return donor


def donor_update(*, donor: Donor, actor: Any = None, **fields: Any) -> Donor:
    """Validate the changed donor on a copy, so a refused update leaves ``donor`` as it was.

    Changes are judged against the stored row, not the instance: a form may already have
    written the new values onto the instance it was given.
    """
    _check_fields(fields, "donor_update")
    stored = Donor.objects.get(pk=donor.pk)
    candidate = copy.copy(stored)
    changed = {}
    for name, value in fields.items():
        value = _clean_text(value)
        if getattr(stored, name) != value:
            changed[name] = value
            setattr(candidate, name, value)
    _validate(candidate)
    if changed:
        with transaction.atomic():
            candidate.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, action="donor.update", obj=candidate, data={"fields": sorted(changed)})
        for name, value in changed.items():
            setattr(donor, name, value)
        donor.updated_at = candidate.updated_at
    return donor


def donor_find_or_create(*, actor: Any = None, **fields: Any) -> Donor:
    """The donor a public gift is credited to: an existing record when one matches the same
    kind, email and name (and tax code, for organisations), else a new one.

    Matching needs all of them, not the email alone: someone typing another person's email
    must not attach gifts to, or learn anything about, that person's record. A match changes
    nothing on the stored donor; the back office merges near-duplicates.
    """
    _check_fields(fields, "donor_find_or_create")
    candidate = Donor(**{k: _clean_text(v) for k, v in fields.items()})
    _validate(candidate)
    if candidate.email:
        matches = Donor.objects.filter(
            kind=candidate.kind,
            email__iexact=candidate.email,
            name__iexact=candidate.name,
            tax_code=candidate.tax_code if candidate.kind == Donor.Kind.ORGANISATION else "",
        ).order_by("pk")
        existing = matches.first()
        if existing is not None:
            return existing
    with transaction.atomic():
        candidate.save()
        audit_record(actor=actor, action="donor.create", obj=candidate, data={"source": "public gift"})
    return candidate
