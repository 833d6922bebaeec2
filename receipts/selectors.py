"""Reads behind the public receipt pages: what the verification page may show, and a signed-in
donor's receipts in the portal."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from djmoney.money import Money

from donors.models import Donor
from fund.money import money_display

from .models import PortalSignIn, Receipt, ReceiptDelivery
from .models.portal import token_digest

# secrets.token_urlsafe(16): 16 bytes are always 22 characters of the URL-safe alphabet.
VERIFICATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class ReceiptSummary:
    """What a receipt may show outside the back office. Built from the receipt as issued (its
    ``content`` snapshot), so it reads the same whatever has changed since."""

    number: str
    kind: str
    kind_label: str
    issued_on: datetime.date
    amounts: list[str]
    fund_names: list[str]
    period_start: datetime.date | None
    period_end: datetime.date | None
    is_void: bool
    voided_on: datetime.date | None
    replaced_by_number: str
    replaces_number: str
    donor_initials: str


def name_initials(name: str) -> str:
    """'Nguyễn Thị Hồng Nhung' -> 'N. T. H. N.': enough to recognise one's own receipt, too
    little to identify a stranger. Words without a letter or digit ('-', '&') give nothing."""
    initials = []
    for word in name.split():
        first = next((ch for ch in word if ch.isalnum()), "")
        if first:
            initials.append(f"{first.upper()}.")
    return " ".join(initials)


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _money_texts(receipt: Receipt) -> list[str]:
    """The receipt's amount; for a statement whose gifts are in several currencies (no single
    ``amount``), each currency's total as its content records it."""
    if receipt.amount is not None:
        return [money_display(receipt.amount)]
    texts = []
    totals = receipt.content.get("grand_totals") or []  # one per currency (statements' content)
    for total in totals:
        try:
            texts.append(money_display(Money(Decimal(str(total["amount"])), total["currency"])))
        except (KeyError, TypeError, InvalidOperation):
            continue
    return texts


def _fund_names(receipt: Receipt) -> list[str]:
    content = receipt.content
    if gift := content.get("gift"):
        return [gift["fund_name"]] if gift.get("fund_name") else []
    names: list[str] = []
    for item in content.get("gifts") or []:
        name = item.get("fund_name") or ""
        if name and name not in names:
            names.append(name)
    return names


def _replacement_number(receipt: Receipt) -> str:
    try:
        return receipt.replaced_by.number
    except Receipt.DoesNotExist:
        return ""


def receipt_summary(receipt: Receipt) -> ReceiptSummary:
    return ReceiptSummary(
        number=receipt.number,
        kind=receipt.kind,
        kind_label=receipt.get_kind_display(),
        issued_on=_local_date(receipt.issued_at),
        amounts=_money_texts(receipt),
        fund_names=_fund_names(receipt),
        period_start=receipt.period_start,
        period_end=receipt.period_end,
        is_void=receipt.is_void,
        voided_on=_local_date(receipt.voided_at),
        replaced_by_number=_replacement_number(receipt),
        replaces_number=receipt.replaces.number if receipt.replaces_id else "",
        donor_initials=_donor_shown(receipt),
    )


def _donor_shown(receipt: Receipt) -> str:
    """The initials of the name as printed; for a donor whose data was erased, the pseudonym the
    record carries now: the document keeps the name (an accounting record), pages do not."""
    if receipt.donor.erased_at is not None:
        return receipt.donor.name
    return name_initials((receipt.content.get("donor") or {}).get("name", ""))


def receipt_by_verification_token(token: str) -> Receipt | None:
    """The receipt a QR code points to, or None. A token of the wrong shape is refused before
    the database is asked, so junk costs nothing; a well-formed unknown token costs one index
    lookup, the same as a known one."""
    if not VERIFICATION_TOKEN.fullmatch(token):
        return None
    return Receipt.objects.select_related("donor", "replaces", "replaced_by").filter(verification_token=token).first()


def receipts_for_email(email: str) -> QuerySet[Receipt]:
    """Every receipt (gift receipts and statements, valid and void) of every donor with this
    address, newest first. An empty address matches nobody: donors without one have none."""
    email = (email or "").strip()
    if not email:
        return Receipt.objects.none()
    return (
        Receipt.objects.filter(donor__email__iexact=email, donor__erased_at__isnull=True)
        .select_related("donor", "replaces", "replaced_by")
        .order_by("-issued_at", "-id")
    )


def receipt_for_email(*, email: str, number: str) -> Receipt | None:
    """One receipt by number, only if it belongs to a donor with this address: a number guessed
    or copied from someone else's receipt finds nothing."""
    return receipts_for_email(email).filter(number=number).first()


def portal_link_usable(token: str) -> bool:
    """Whether a sign-in link would still work, without using it (for the confirmation page)."""
    if not token or len(token) > 64:
        return False
    return PortalSignIn.objects.filter(
        token_hash=token_digest(token), used_at__isnull=True, expires_at__gt=timezone.now(), change_from=""
    ).exists()


def email_change_link_usable(token: str) -> bool:
    """Whether a link proving a new address would still work, without using it."""
    if not token or len(token) > 64:
        return False
    return (
        PortalSignIn.objects.filter(token_hash=token_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .exclude(change_from="")
        .exists()
    )


def donors_for_email(email: str) -> QuerySet[Donor]:
    """The donor records the portal's proven address belongs to (never an erased one: its address
    is gone), oldest first."""
    email = (email or "").strip()
    if not email:
        return Donor.objects.none()
    return Donor.objects.filter(email__iexact=email, erased_at__isnull=True).order_by("created_at", "pk")


def receipt_deliveries_failed() -> QuerySet[ReceiptDelivery]:
    """Receipt emails that failed and were not sent or queued again since, newest first."""
    retried = ReceiptDelivery.objects.filter(
        receipt=OuterRef("receipt"),
        status__in=[ReceiptDelivery.Status.SENT, ReceiptDelivery.Status.QUEUED],
        queued_at__gt=OuterRef("queued_at"),
    )
    return (
        ReceiptDelivery.objects.filter(status=ReceiptDelivery.Status.FAILED)
        .exclude(Exists(retried))
        .select_related("receipt")
        .order_by("-queued_at", "-pk")
    )
