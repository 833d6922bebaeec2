"""Evidence files: attach one to a care record (or supersede a wrong one), and require one before
a step that needs proof. One transaction and one audit entry per attachment.

The file is checked by its bytes first (care.evidence_files); only then is anything written. It
is stored under a random name on the private "evidence" storage; if the row cannot be written,
the stored file is removed again, so a refusal leaves neither a row nor a file.

Audit entries carry the subject's type and number, the kind, size, type and hashes, never the
file's name or the note: either may name the child.
"""

from __future__ import annotations

import ntpath
import posixpath
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.errors import FundError
from fund.text import text_clean

from ..errors import CareError
from ..evidence_files import evidence_file_check
from ..models import Evidence

ADD_PERMISSION = "care.add_evidence"
# What proves a handover: a scan or photo of the signed receipt, or a signature drawn on screen.
HANDOVER_KINDS = (Evidence.Kind.HANDOVER, Evidence.Kind.SIGNATURE)
STORAGE_ALIAS = "evidence"


def evidence_storage():
    return storages[STORAGE_ALIAS]


def _user(actor: Any) -> Any:
    if not getattr(actor, "is_authenticated", False):
        raise CareError(_("This step is recorded with the name of the person who takes it: sign in first."))
    return actor


def _check_subject(subject: Any) -> None:
    if (
        not isinstance(subject, models.Model)
        or subject._meta.app_label != "care"
        or isinstance(subject, Evidence)
        or subject.pk is None
    ):
        raise CareError(_("Evidence is attached to a saved care record, such as an allocation."))


def _original_name(name: str) -> str:
    # Only the last part of a path a browser may send ("C:\\scans\\x.pdf"), bounded.
    base = ntpath.basename(posixpath.basename(name or ""))
    try:
        return text_clean(base, field="file name", max_length=255)
    except FundError:
        return base.replace("\x00", "")[:255]


def _clean(value: str, *, field: str, required: bool = False) -> str:
    try:
        return text_clean(value, field=field, max_length=500, required=required)
    except FundError as exc:
        raise CareError({field.replace(" ", "_"): exc.messages}) from exc


def evidence_attach(
    *,
    subject: models.Model,
    kind: str,
    upload: Any,
    actor: Any,
    original_name: str = "",
    note: str = "",
    supersedes: Evidence | None = None,
    reason: str = "",
) -> Evidence:
    """Attach a checked file to ``subject``. With ``supersedes``, the new file replaces an
    earlier one of the same subject (which stays, marked replaced), and ``reason`` says why."""
    user = _user(actor)
    if not user.has_perm(ADD_PERMISSION):
        raise CareError(_("Attaching evidence needs the case worker role."))
    _check_subject(subject)
    if kind not in Evidence.Kind.values:
        raise CareError(
            {
                "kind": _(
                    "Choose what the file is: a handover document, a signature, an enrolment "
                    "confirmation, an invoice or other."
                )
            }
        )
    note = _clean(note, field="note")
    reason = _clean(reason, field="reason", required=supersedes is not None) if supersedes is not None else ""
    checked = evidence_file_check(upload, signature=kind == Evidence.Kind.SIGNATURE)
    name = _original_name(original_name or getattr(upload, "name", "") or "")

    storage = evidence_storage()
    key = uuid.uuid4().hex
    stored = None
    try:
        with transaction.atomic():
            if supersedes is not None:
                supersedes = _replaceable(subject, supersedes)
            stored = storage.save(f"{key[:2]}/{key}.{checked.extension}", ContentFile(checked.content))
            evidence = Evidence.objects.create(
                subject=subject,
                kind=kind,
                stored_name=stored,
                original_name=name,
                mime_type=checked.mime_type,
                size=len(checked.content),
                sha256=checked.sha256,
                uploaded_sha256=checked.uploaded_sha256,
                uploaded_by=user,
                note=note,
                supersedes=supersedes,
                supersede_reason=reason,
            )
            audit_record(
                actor=actor,
                action="evidence.attach",
                obj=evidence,
                data={
                    "subject": subject._meta.label_lower,
                    "subject_id": subject.pk,
                    "kind": kind,
                    "mime_type": checked.mime_type,
                    "size": evidence.size,
                    "sha256": checked.sha256,
                    "uploaded_sha256": checked.uploaded_sha256,
                    "supersedes": supersedes.pk if supersedes else None,
                },
            )
    except BaseException:
        if stored is not None:
            storage.delete(stored)  # the row was never written: leave no file behind
        raise
    return evidence


def _replaceable(subject: models.Model, supersedes: Evidence) -> Evidence:
    earlier = Evidence.objects.select_for_update().filter(pk=supersedes.pk).first()
    if earlier is None or not Evidence.objects.about(subject).filter(pk=earlier.pk).exists():
        raise CareError({"supersedes": _("The file to replace must be attached to the same record.")})
    if Evidence.objects.filter(supersedes=earlier).exists():
        raise CareError({"supersedes": _("That file has already been replaced: replace the newer one.")})
    return earlier


def evidence_require(*, subject: models.Model, kinds: Iterable[str], refusal: str) -> None:
    """Refuse with ``refusal`` (a whole sentence, %(ref)s is the subject's number) unless a
    current file of one of ``kinds`` is attached to ``subject``. A replaced file does not count;
    the one that replaced it does."""
    if not Evidence.objects.about(subject).current().filter(kind__in=list(kinds)).exists():
        raise CareError(refusal % {"ref": subject.pk})
