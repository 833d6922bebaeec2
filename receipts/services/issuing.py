"""The core every numbered document shares, gift receipt or statement: taking its number and
saving it, voiding it, and the reason a void must give. Gift receipts (receipts.py) and
statements (statements.py) both build on it, so neither has to reach into the other."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.actors import actor_user
from fund.models import Donation
from fund.text import text_clean

from ..errors import AlreadyVoid, ReceiptError
from ..fiscal import fiscal_year_of
from ..models import Receipt
from .content import donor_snapshot, letterhead_snapshot
from .numbering import number_take, receipt_number_format


def receipt_create(
    *,
    kind: str,
    series: str,
    donor: Any,
    content_extra: dict[str, Any],
    donation: Donation | None = None,
    period: tuple[datetime.date, datetime.date] | None = None,
    amount: Any = None,
    replaces: Receipt | None = None,
    language: str | None = None,
    actor: Any = None,
) -> Receipt:
    """Number and save one receipt inside the caller's transaction (gift or statement). A gift
    receipt is written in the gift's own ``language``; a statement in the donor's."""
    issued_at = timezone.now()
    fiscal_year = fiscal_year_of(timezone.localdate(issued_at))
    sequence = number_take(series=series, fiscal_year=fiscal_year)
    language = language or donor.preferred_language
    language = language if language in ("vi", "en") else "vi"
    content = {
        "issuer": letterhead_snapshot(language=language),
        "donor": donor_snapshot(donor),
        **content_extra,
    }
    if replaces is not None:
        content["replaces"] = {"number": replaces.number, "reason": replaces.void_reason}
    return Receipt.objects.create(
        number=receipt_number_format(series=series, fiscal_year=fiscal_year, sequence=sequence),
        series=series,
        fiscal_year=fiscal_year,
        sequence=sequence,
        kind=kind,
        donor=donor,
        donation=donation,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        amount=amount,
        language=language,
        content=content,
        issued_at=issued_at,
        issued_by=actor_user(actor),
        replaces=replaces,
    )


def receipt_void_locked(receipt: Receipt, *, reason: str, actor: Any) -> Receipt:
    """Mark a receipt void; the caller holds its row lock and writes the audit entry."""
    if receipt.is_void:
        raise AlreadyVoid(_("Receipt %(number)s is already void.") % {"number": receipt.number})
    receipt.status = Receipt.Status.VOID
    receipt.voided_at = timezone.now()
    receipt.voided_by = actor_user(actor)
    receipt.void_reason = reason
    receipt.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    return receipt


def void_reason_clean(reason: str) -> str:
    reason = text_clean(reason, field="reason", max_length=500)
    if not reason:
        raise ReceiptError(_("Say why the receipt is void."))
    return reason


__all__ = ["receipt_create", "receipt_void_locked", "void_reason_clean"]
