from typing import Any

from django.core.exceptions import PermissionDenied

from audit.services import audit_record

from .models import Beneficiary, BeneficiarySensitive

SENSITIVE_PERMISSION = "care.view_beneficiarysensitive"


def beneficiary_sensitive_get(*, actor: Any, beneficiary: Beneficiary, purpose: str = "") -> BeneficiarySensitive:
    """The only way to read a case file's sensitive part: checks the permission and leaves an
    audit entry for every read, allowed or refused."""
    allowed = bool(actor and actor.has_perm(SENSITIVE_PERMISSION))
    audit_record(
        actor=actor,
        action="beneficiary_sensitive.read" if allowed else "beneficiary_sensitive.refused",
        obj=beneficiary,
        data={"purpose": purpose[:200]},
    )
    if not allowed:
        raise PermissionDenied("Viewing sensitive case data needs the case worker role.")
    found = BeneficiarySensitive.objects.filter(beneficiary=beneficiary).first()
    return found or BeneficiarySensitive(beneficiary=beneficiary)
