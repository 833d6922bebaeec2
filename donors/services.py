"""Writes to donors. Each service validates everything first and writes in one transaction."""

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from .errors import DonorError
from .models import Donor
from .text import tax_code_clean, text_check, text_normalise

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


# Free text and what is checked in it beyond NUL and direction controls: printed on receipts
# (every character must have a glyph), and must show something when filled in.
_TEXT_FIELDS = ("name", "contact_person", "email", "phone", "address")
_PRINTED_FIELDS = ("name", "contact_person", "address")
_VISIBLE_FIELDS = ("name", "contact_person")


def _clean_text(value: Any) -> Any:
    # NFC before anything compares or stores it: one name typed two ways is one donor.
    return text_normalise(value) if isinstance(value, str) else value


def _check_text(donor: Donor, names: set[str]) -> None:
    """Direction controls, blank names, unprintable characters and the tax code's check digit,
    for the fields in ``names`` (an update checks only what it changes: a stored record that
    predates a rule stays editable)."""
    errors: dict[str, ValidationError] = {}
    for name in _TEXT_FIELDS:
        if name in names:
            try:
                text_check(getattr(donor, name), printed=name in _PRINTED_FIELDS, visible=name in _VISIBLE_FIELDS)
            except ValidationError as exc:
                errors[name] = exc
    if "tax_code" in names and donor.tax_code:
        try:
            donor.tax_code = tax_code_clean(donor.tax_code)
        except ValidationError as exc:
            errors["tax_code"] = exc
    if errors:
        raise DonorError(errors)


def _validate(donor: Donor, names: set[str] | None = None) -> None:
    for name in DONOR_FIELDS:
        value = getattr(donor, name)
        if isinstance(value, str) and "\x00" in value:
            raise DonorError({name: _("Text cannot contain NUL characters.")})
    _check_text(donor, set(DONOR_FIELDS) if names is None else names)
    if any(ch in (donor.email or "") for ch in "\r\n"):
        raise DonorError({"email": _("An email address cannot contain line breaks.")})
    if donor.kind == Donor.Kind.PERSON and (donor.tax_code or donor.contact_person):
        raise DonorError({"kind": _("Tax code and contact person apply to organisations only.")})
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
    if stored.erased_at is not None:
        # Typing the person back in would undo what they asked for (docs/data-rights.md).
        raise DonorError(_("This donor's personal data was erased; the record takes no new details."))
    candidate = copy.copy(stored)
    changed = {}
    for name, value in fields.items():
        value = _clean_text(value)
        if getattr(stored, name) != value:
            changed[name] = value
            setattr(candidate, name, value)
    _validate(candidate, set(changed))
    changed = {name: getattr(candidate, name) for name in changed}  # as cleaned (a tax code's form)
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


# A public form proves nothing about who typed it: anyone who knows a donor's name and email
# matches their record. So a public gift may move the stored record only towards showing and
# sending less (hide the name by default, stop emailing receipts); it never turns exposure on,
# and it never changes the language statements are written in. The gift keeps its own choices
# whatever happens here (docs/decisions/0010-returning-donor-choices.md).
_LESS_EXPOSING = {"anonymous_by_default": True, "consent_receipts_by_email": False}


def donor_public_choices_apply(*, donor: Donor, choices: dict[str, Any], actor: Any = None) -> Donor:
    """Apply a public gift's choices to the stored ``donor`` where that is safe (see above):
    ``choices`` may hold ``anonymous_by_default`` and ``consent_receipts_by_email``; others are
    ignored. Returns the donor, changed or not."""
    safe = {
        name: value
        for name, value in choices.items()
        if name in _LESS_EXPOSING and value == _LESS_EXPOSING[name] and getattr(donor, name) != value
    }
    if not safe:
        return donor
    return donor_update(donor=donor, actor=actor, **safe)
