"""Recording that a donor's data left the system (an export is a read, but a whole person's data
in one file is worth a line in the audit trail, like a sensitive read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from audit.services import audit_record
from donors.models import Donor

from ..selectors_data_export import donor_data_export, export_csv_zip, export_json

FORMATS = ("json", "csv")


def donor_data_export_download(*, donors: Sequence[Donor], file_format: str, actor: Any, via: str) -> bytes:
    """The export of ``donors`` as ``file_format`` ("json": one document; "csv": a zip of one CSV
    per section), with one "donor.data_exported" audit entry per donor record, in one
    transaction. ``via`` says who asked: "admin" or "portal"."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown export format {file_format!r}")
    with transaction.atomic():
        export = donor_data_export(donors)
        content = export_json(export) if file_format == "json" else export_csv_zip(export)
        for donor in donors:
            audit_record(actor=actor, action="donor.data_exported", obj=donor, data={"format": file_format, "via": via})
    return content
