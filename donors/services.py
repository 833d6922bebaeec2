"""Writes to donors. Each service validates everything first and writes in one transaction."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .errors import DonorError
from .models import Donor

_EDITABLE_FIELDS = (
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
    "consent_public_name",
    "anonymous_by_default",
)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _validate(donor: Donor) -> None:
    if any(ch in (donor.email or "") for ch in "\r\n"):
        raise DonorError({"email": "An email address cannot contain line breaks."})
    if donor.kind == Donor.Kind.PERSON and (donor.tax_code or donor.contact_person):
        raise DonorError({"kind": "Tax code and contact person apply to organisations only."})
    try:
        donor.full_clean(exclude=["public_id"])
    except ValidationError as exc:
        raise DonorError(exc.message_dict) from exc


def donor_create(*, actor: Any = None, **fields: Any) -> Donor:
    unknown = set(fields) - set(_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"donor_create() got unexpected fields: {', '.join(sorted(unknown))}")
    donor = Donor(**{k: _clean_text(v) for k, v in fields.items()})
    _validate(donor)
    with transaction.atomic():
        donor.save()
        audit_record(actor=actor, action="donor.create", obj=donor)
    return donor


def donor_update(*, donor: Donor, actor: Any = None, **fields: Any) -> Donor:
    unknown = set(fields) - set(_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"donor_update() got unexpected fields: {', '.join(sorted(unknown))}")
    changed = {}
    for name, value in fields.items():
        value = _clean_text(value)
        if getattr(donor, name) != value:
            changed[name] = value
            setattr(donor, name, value)
    _validate(donor)
    if changed:
        with transaction.atomic():
            donor.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, action="donor.update", obj=donor, data={"fields": sorted(changed)})
    return donor
