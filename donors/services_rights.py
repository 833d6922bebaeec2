"""A donor's data rights that change data: erasure on request, and the choices a donor makes
for themselves in the portal (consents, the public-name choice, their email address).

What erasure removes and what it keeps, and why: docs/data-rights.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ModelLogEntry

from audit.services import audit_record

from .errors import DonorError
from .models import Donor
from .signals import donor_erased
from .text import text_check, text_normalise

# The stored pseudonym is in Vietnamese, the centre's language and the one its books are kept in:
# a stored value has one language, and every listing, report and page shows this one text
# (docs/decisions/0023-donor-data-rights.md).
ERASED_NAME = "Người ủng hộ đã xoá #{short_id}"
# What replaces free text that named the person (a bank line's note), in the same language.
ERASED_TEXT = "[đã xoá]"


@dataclass(frozen=True)
class ErasedDetails:
    """What an erased record held, handed to the apps that mask their copies (donor_erased);
    never stored or audited."""

    name: str
    public_name: str
    email: str
    phone: str
    address: str

    def texts(self) -> list[str]:
        return [text for text in (self.name, self.public_name, self.email, self.phone) if text.strip()]


def erased_name(donor: Donor) -> str:
    return ERASED_NAME.format(short_id=donor.public_id.hex[:8])


def text_scrub(text: str, former: ErasedDetails, replacement: str = ERASED_TEXT) -> str:
    """``text`` with every copy of the person's name, email or phone replaced (case-insensitive)."""
    for secret in sorted(former.texts(), key=len, reverse=True):
        text = re.sub(re.escape(secret), replacement, text, flags=re.IGNORECASE)
    return text


def log_entries_relabel(instance: models.Model) -> int:
    """Wagtail's History entries keep the object's label as it was (a donor's name, a bank line's
    note); after erasure they take the masked one. Their actions and dates stay."""
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    return ModelLogEntry.objects.filter(content_type=content_type, object_id=str(instance.pk)).update(
        label=str(instance)[:255]
    )


def donor_erase(*, donor: Donor, actor: Any, reason: str) -> Donor:
    """Pseudonymise a person on their request, everywhere the system shows them, in one
    transaction with one audit entry (which names the reason and counts, never the person).

    Amounts, dates, references, the ledger and the issued receipt documents stay as accounting
    law requires. An organisation's name is not personal data, and the contributions report must
    name it: refused."""
    reason = text_normalise((reason or "").strip())
    if not reason:
        raise DonorError({"reason": _("Say which request this erasure answers.")})
    with transaction.atomic():
        locked = Donor.objects.select_for_update().get(pk=donor.pk)
        if locked.kind != Donor.Kind.PERSON:
            raise DonorError(
                _(
                    "An organisation's name is not personal data and the accounts must keep naming it: "
                    "only a person's data can be erased. Change its contact details instead."
                )
            )
        if locked.erased_at is not None:
            raise DonorError(_("This donor's personal data was erased already."))
        former = ErasedDetails(
            name=locked.name,
            public_name=locked.public_name,
            email=locked.email,
            phone=locked.phone,
            address=locked.address,
        )
        locked.name = erased_name(locked)
        locked.public_name = ""
        locked.email = ""
        locked.phone = ""
        locked.address = ""
        locked.contact_person = ""
        locked.consent_news = False
        locked.consent_receipts_by_email = False
        locked.anonymous_by_default = True
        locked.erased_at = timezone.now()
        locked.save()
        counts: dict[str, int] = {}
        for _receiver, response in donor_erased.send(sender=Donor, donor=locked, former=former, actor=actor):
            counts.update(response or {})
        counts["history_labels"] = log_entries_relabel(locked)
        audit_record(
            actor=actor,
            action="donor.erase",
            obj=locked,
            # Whoever typed the reason may have written the name in it.
            data={"reason": text_scrub(reason, former)[:500], "masked": counts},
        )
    for name in ("name", "public_name", "email", "phone", "address", "contact_person", "erased_at"):
        setattr(donor, name, getattr(locked, name))
    for name in ("consent_news", "consent_receipts_by_email", "anonymous_by_default"):
        setattr(donor, name, getattr(locked, name))
    return donor


# The choices a donor makes for themselves in the portal (receipts/views/portal_choices.py).
CHOICE_FIELDS = ("consent_news", "consent_receipts_by_email", "anonymous_by_default", "public_name")


def _check_not_erased(donor: Donor) -> None:
    if donor.erased_at is not None:
        raise DonorError(_("This donor's personal data was erased; the record takes no new details."))


def donor_choices_update(
    *,
    donor: Donor,
    consent_news: bool,
    consent_receipts_by_email: bool,
    anonymous_by_default: bool,
    public_name: str,
    actor: Any = None,
    source: str = "portal",
) -> Donor:
    """The donor's own choices for what we send them and how public pages name their future
    gifts. Gifts already made keep the choice they were made with (decision 0010)."""
    _check_not_erased(donor)
    public_name = text_normalise((public_name or "").strip())
    if public_name:
        try:
            text_check(public_name, printed=True, visible=True)
        except ValidationError as exc:
            raise DonorError({"public_name": exc.messages}) from exc
        if len(public_name) > Donor._meta.get_field("public_name").max_length:
            raise DonorError({"public_name": _("A public name has at most 200 characters.")})
    wanted = {
        "consent_news": bool(consent_news),
        "consent_receipts_by_email": bool(consent_receipts_by_email),
        "anonymous_by_default": bool(anonymous_by_default),
        "public_name": public_name,
    }
    with transaction.atomic():
        locked = Donor.objects.select_for_update().get(pk=donor.pk)
        _check_not_erased(locked)
        changed = [name for name, value in wanted.items() if getattr(locked, name) != value]
        if not changed:
            return donor
        for name in changed:
            setattr(locked, name, wanted[name])
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="donor.choices_update", obj=locked, data={"fields": changed, "by": source})
    for name in changed:
        setattr(donor, name, wanted[name])
    return donor


def email_check(email: str) -> str:
    address = (email or "").strip()
    if not address or any(ch in address for ch in "\r\n") or len(address) > 254:
        raise DonorError({"email": _("Enter a valid email address.")})
    try:
        validate_email(address)
    except ValidationError as exc:
        raise DonorError({"email": exc.messages}) from exc
    return address


def donor_email_change(*, donor: Donor, new_email: str, actor: Any = None, source: str = "portal") -> Donor:
    """A new address for a donor, once the caller has proven the donor reads it (the portal sends
    a link to it first). The audit entry names the field, not the addresses: an address in the
    append-only trail would outlive an erasure."""
    address = email_check(new_email)
    with transaction.atomic():
        locked = Donor.objects.select_for_update().get(pk=donor.pk)
        _check_not_erased(locked)
        if locked.email == address:
            return donor
        locked.email = address
        locked.save(update_fields=["email", "updated_at"])
        audit_record(actor=actor, action="donor.email_change", obj=locked, data={"fields": ["email"], "by": source})
    donor.email = address
    return donor
