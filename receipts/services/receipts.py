"""Issuing, voiding and reissuing gift receipts. Each function is one transaction and one audit
entry; the receipt's number is taken inside that transaction (see numbering.number_take)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from fund.models import Donation
from fund.text import text_clean

from ..errors import AlreadyVoid, NotReceivable, ReceiptError
from ..fiscal import fiscal_year_of
from ..models import Receipt
from .content import donor_snapshot, gift_snapshot, letterhead_snapshot
from .delivery import delivery_queue_if_consented
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
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        replaces=replaces,
    )


def _issue_for_locked_gift(donation: Donation, *, replaces: Receipt | None, actor: Any) -> Receipt:
    receipt = receipt_create(
        kind=Receipt.Kind.GIFT,
        series=settings.RECEIPT_SERIES,
        donor=donation.donor,
        donation=donation,
        content_extra={"gift": gift_snapshot(donation)},
        amount=donation.amount,
        replaces=replaces,
        language=donation.receipt_language,
        actor=actor,
    )
    delivery_queue_if_consented(receipt=receipt)
    return receipt


def _locked_gift(donation_id: int) -> Donation:
    # The gift's row is the lock that serialises issuing for one gift (lock order: gift, then
    # the counter row), so a repeated task finds the receipt the first one made.
    return (
        Donation.objects.select_for_update(of=("self",))
        .select_related("fund", "campaign", "donor", "payer")
        .get(pk=donation_id)
    )


def receipt_issue(*, donation_id: int, actor: Any = None) -> Receipt:
    """The receipt for a received gift: issued once; asking again returns the same receipt."""
    with transaction.atomic():
        donation = _locked_gift(donation_id)
        existing = Receipt.objects.filter(donation=donation, kind=Receipt.Kind.GIFT, status=Receipt.Status.VALID)
        if receipt := existing.first():
            return receipt
        if donation.status != Donation.Status.RECEIVED:
            raise NotReceivable(f"Gift {donation.reference} is {donation.status}; only received gifts get a receipt.")
        receipt = _issue_for_locked_gift(donation, replaces=None, actor=actor)
        audit_record(actor=actor, action="receipt.issue", obj=receipt, data={"number": receipt.number})
    return receipt


def _void_locked(receipt: Receipt, *, reason: str, actor: Any) -> Receipt:
    if receipt.is_void:
        raise AlreadyVoid(f"Receipt {receipt.number} is already void.")
    receipt.status = Receipt.Status.VOID
    receipt.voided_at = timezone.now()
    receipt.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    receipt.void_reason = reason
    receipt.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    return receipt


def _clean_reason(reason: str) -> str:
    reason = text_clean(reason, field="reason", max_length=500)
    if not reason:
        raise ReceiptError("Say why the receipt is void.")
    return reason


def receipt_void(*, receipt: Receipt, reason: str, actor: Any = None) -> Receipt:
    """Void a receipt with no replacement (its gift was refunded). It stays, marked void."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        _void_locked(receipt, reason=reason, actor=actor)
        audit_record(actor=actor, action="receipt.void", obj=receipt, data={"reason": reason})
    return receipt


def receipt_reissue(*, receipt: Receipt, reason: str, actor: Any = None) -> Receipt:
    """Void a receipt and issue its replacement, with a new number that names the old one and the
    donor's details as they are now (a corrected name, tax code or address)."""
    reason = _clean_reason(reason)
    if receipt.kind != Receipt.Kind.GIFT:
        from .statements import statement_reissue  # statements build on gift receipts

        return statement_reissue(statement=receipt, reason=reason, actor=actor)
    with transaction.atomic():
        donation = _locked_gift(receipt.donation_id)
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if donation.status != Donation.Status.RECEIVED:
            raise NotReceivable(f"Gift {donation.reference} is {donation.status}; it cannot have a new receipt.")
        _void_locked(receipt, reason=reason, actor=actor)
        replacement = _issue_for_locked_gift(donation, replaces=receipt, actor=actor)
        audit_record(
            actor=actor,
            action="receipt.reissue",
            obj=replacement,
            data={"replaces": receipt.number, "reason": reason},
        )
    return replacement


def receipts_void_for_gift(*, donation_id: int, reason: str, actor: Any = None) -> list[Receipt]:
    """Void every valid receipt of a gift that is no longer received (refunded)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        donation = _locked_gift(donation_id)
        if donation.status == Donation.Status.RECEIVED:
            return []
        voided = []
        for receipt in Receipt.objects.select_for_update().filter(donation=donation, status=Receipt.Status.VALID):
            _void_locked(receipt, reason=reason, actor=actor)
            audit_record(actor=actor, action="receipt.void", obj=receipt, data={"reason": reason})
            voided.append(receipt)
    return voided
