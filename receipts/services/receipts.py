"""Issuing, voiding and reissuing gift receipts. Each function is one transaction and one audit
entry; the receipt's number is taken inside that transaction (see numbering.number_take). The
numbering and voiding they share with statements live in issuing.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from fund.models import Donation
from fund.refusals import status_words
from fund.services.locks import gift_lock

from ..errors import NotReceivable
from ..models import Receipt
from .content import gift_snapshot
from .delivery import delivery_queue_if_consented
from .issuing import receipt_create, receipt_void_locked, void_reason_clean
from .statements import statement_reissue


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
    return gift_lock(donation_id, related=("fund", "campaign", "donor", "payer"))


def receipt_issue(*, donation_id: int, actor: Any = None) -> Receipt:
    """The receipt for a received gift: issued once; asking again returns the same receipt."""
    with transaction.atomic():
        donation = _locked_gift(donation_id)
        existing = Receipt.objects.filter(donation=donation, kind=Receipt.Kind.GIFT, status=Receipt.Status.VALID)
        if receipt := existing.first():
            return receipt
        if donation.status != Donation.Status.RECEIVED:
            raise NotReceivable(
                _("Gift %(reference)s is %(status)s; only received gifts get a receipt.")
                % {"reference": donation.reference, "status": status_words(donation)}
            )
        receipt = _issue_for_locked_gift(donation, replaces=None, actor=actor)
        audit_record(actor=actor, action="receipt.issue", obj=receipt, data={"number": receipt.number})
    return receipt


def receipt_void(*, receipt: Receipt, reason: str, actor: Any = None) -> Receipt:
    """Void a receipt with no replacement (its gift was refunded). It stays, marked void."""
    reason = void_reason_clean(reason)
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        receipt_void_locked(receipt, reason=reason, actor=actor)
        audit_record(actor=actor, action="receipt.void", obj=receipt, data={"reason": reason})
    return receipt


def receipt_reissue(*, receipt: Receipt, reason: str, actor: Any = None) -> Receipt:
    """Void a receipt and issue its replacement, with a new number that names the old one and the
    donor's details as they are now (a corrected name, tax code or address)."""
    reason = void_reason_clean(reason)
    if receipt.kind != Receipt.Kind.GIFT:
        return statement_reissue(statement=receipt, reason=reason, actor=actor)
    with transaction.atomic():
        donation = _locked_gift(receipt.donation_id)
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if donation.status != Donation.Status.RECEIVED:
            raise NotReceivable(
                _("Gift %(reference)s is %(status)s; it cannot have a new receipt.")
                % {"reference": donation.reference, "status": status_words(donation)}
            )
        receipt_void_locked(receipt, reason=reason, actor=actor)
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
    reason = void_reason_clean(reason)
    with transaction.atomic():
        donation = _locked_gift(donation_id)
        if donation.status == Donation.Status.RECEIVED:
            return []
        voided = []
        for receipt in Receipt.objects.select_for_update().filter(donation=donation, status=Receipt.Status.VALID):
            receipt_void_locked(receipt, reason=reason, actor=actor)
            audit_record(actor=actor, action="receipt.void", obj=receipt, data={"reason": reason})
            voided.append(receipt)
    return voided
