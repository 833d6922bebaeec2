import hashlib
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import storages
from django.db.models import Sum
from djmoney.money import Money

from audit.services import audit_record

from .models import Allocation, Beneficiary, BeneficiarySensitive, Evidence

SENSITIVE_PERMISSION = "care.view_beneficiarysensitive"
EVIDENCE_VIEW_PERMISSION = "care.view_evidence"

logger = logging.getLogger(__name__)


class EvidenceDamaged(Exception):
    """The stored file is missing or no longer matches its SHA-256: changed behind our back."""


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


def allocations_committed(*, fund: Any, exclude: Allocation | None = None) -> dict[str, Money]:
    """What the fund has promised and not yet paid: approved allocations, by kind, in the
    fund's currency. Read it under the fund's row lock (fund.services.fund_lock), or another
    approval may commit between this read and the check that uses it."""
    rows = Allocation.objects.filter(fund=fund, status=Allocation.Status.APPROVED)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    totals = dict(rows.values("kind").annotate(total=Sum("amount")).values_list("kind", "total").order_by())
    return {kind: Money(totals.get(kind) or Decimal("0.00"), fund.currency) for kind in Allocation.Kind.values}


def evidence_visible(*, actor: Any, subject: Any) -> list[Evidence] | None:
    """The files attached to ``subject``, oldest first, for those who may open them; None for
    everyone else (who is not told whether there are any)."""
    if not (actor and actor.has_perm(EVIDENCE_VIEW_PERMISSION)):
        return None
    return list(Evidence.objects.about(subject).select_related("uploaded_by", "superseded_by"))


def evidence_open(*, actor: Any, evidence: Evidence) -> File:
    """The only way to read an evidence file: checks the permission, leaves an audit entry for
    every download, allowed or refused, and checks the bytes still match their SHA-256. The
    entry names the file's number, kind and subject, never its name (it may name the child)."""
    allowed = bool(actor and actor.has_perm(EVIDENCE_VIEW_PERMISSION))
    audit_record(
        actor=actor,
        action="evidence.download" if allowed else "evidence.download_refused",
        obj=evidence,
        data={
            "subject": evidence.content_type.model_class()._meta.label_lower,
            "subject_id": evidence.object_id,
            "kind": evidence.kind,
        },
    )
    if not allowed:
        raise PermissionDenied("Opening evidence files needs a role that may see them.")
    storage = storages["evidence"]
    try:
        handle = storage.open(evidence.stored_name, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("Evidence %s: stored file %s is missing", evidence.pk, evidence.stored_name)
        raise EvidenceDamaged(evidence.pk) from exc
    digest = hashlib.sha256()
    for chunk in handle.chunks():
        digest.update(chunk)
    if digest.hexdigest() != evidence.sha256:
        handle.close()
        logger.error("Evidence %s: stored file %s does not match its SHA-256", evidence.pk, evidence.stored_name)
        raise EvidenceDamaged(evidence.pk)
    handle.seek(0)
    return handle
