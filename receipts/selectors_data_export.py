"""Everything held about a donor, for the donor (the portal's "Download my data") or for an
administrator answering a request: details, consents, gifts, receipts, the emails we sent, monthly
gifts and pledges in instalments, and what we keep after an erasure and why.

One structure (``donor_data_export``) written two ways: a JSON document, and a zip of one CSV per
section. Sections have different columns, so one long CSV would be a wide sheet of mostly empty
cells that no spreadsheet reads well; one file per section opens as a table each
(docs/data-rights.md). Lives in receipts because it reads receipts and their emails, and receipts
may read fund and donors (the arrows in docs/architecture.md).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from donors.models import Donor
from fund.models import Commitment, Donation, RecurringGift

from .models import Receipt, ReceiptDelivery

FORMAT_VERSION = 1


def _when(value: datetime.datetime | datetime.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _amount(money) -> tuple[str, str]:
    return (str(money.amount), money.currency.code) if money is not None else ("", "")


def retention_rules() -> list[dict[str, str]]:
    """What stays after an erasure, group by group, and the law or reason for it. The same words
    as docs/data-rights.md, so a donor reads in their own export what an erasure would leave."""
    rows = [
        (
            "identity",
            "name, public name, email, phone, address, contact person",
            "erased",
            _("Replaced by a pseudonym or emptied on erasure (Law 91/2025/QH15 on personal data protection)."),
        ),
        (
            "consents",
            "receipts by email, news, anonymous by default",
            "erased",
            _("Turned off on erasure: nothing is sent any more, and no public page names the person."),
        ),
        (
            "gift messages",
            "message",
            "erased",
            _("The donor's own words; not needed for the accounts."),
        ),
        (
            "gifts",
            "reference, amount, currency, fund, kind, channel, status, dates",
            "kept",
            _(
                "Accounting records: the Law on Accounting 88/2015/QH13 (art. 41) and Decree 174/2016/ND-CP "
                "keep documents used directly for bookkeeping for at least 10 years; Law 91/2025/QH15 "
                "lets data be kept where another law requires it."
            ),
        ),
        (
            "receipts",
            "number, kind, status, dates, amount, the issued document as printed",
            "kept",
            _(
                "Issued receipts are accounting documents (Law on Accounting 88/2015/QH13, art. 41; Decree "
                "174/2016/ND-CP): kept unchanged for at least 10 years. Screens and the verification page "
                "show the pseudonym instead of the name."
            ),
        ),
        (
            "bank lines",
            "date, amount, bank reference, gift references",
            "kept",
            _("Evidence of money received (accounting records); the sender's name and note are masked."),
        ),
        (
            "receipt emails",
            "receipt number, status, dates",
            "kept",
            _("That a receipt was sent is kept; the address it went to is erased."),
        ),
        (
            "audit trail",
            "who did what and when, by record id",
            "kept",
            _(
                "Append-only record of changes, needed to show the books were not tampered with; it holds "
                "record ids, not names. The erasure itself is recorded, without the name."
            ),
        ),
    ]
    return [
        {"group": group, "fields": fields, "after_erasure": fate, "basis": basis} for group, fields, fate, basis in rows
    ]


def _details(donor: Donor) -> dict[str, Any]:
    return {
        "donor_id": str(donor.public_id),
        "kind": donor.kind,
        "name": donor.name,
        "public_name": donor.public_name,
        "tax_code": donor.tax_code,
        "contact_person": donor.contact_person,
        "email": donor.email,
        "phone": donor.phone,
        "address": donor.address,
        "preferred_language": donor.preferred_language,
        "added_on": _when(donor.created_at),
        "updated_at": _when(donor.updated_at),
        "erased_at": _when(donor.erased_at),
    }


def _consents(donor: Donor) -> dict[str, Any]:
    return {
        "donor_id": str(donor.public_id),
        "receipts_by_email": donor.consent_receipts_by_email,
        "news_and_appeals": donor.consent_news,
        "anonymous_by_default": donor.anonymous_by_default,
    }


def _gifts(donor: Donor) -> list[dict[str, Any]]:
    gifts = (
        Donation.objects.filter(Q(donor=donor) | Q(payer=donor))
        .select_related("fund", "campaign")
        .prefetch_related("lines")
        .order_by("pledged_at", "pk")
    )
    rows = []
    for gift in gifts:
        amount, currency = _amount(gift.amount)
        rows.append(
            {
                "donor_id": str(donor.public_id),
                "reference": gift.reference,
                "role": "donor" if gift.donor_id == donor.pk else "payer",
                "kind": gift.kind,
                "channel": gift.channel,
                "status": gift.status,
                "amount": amount,
                "currency": currency,
                "fund": gift.fund.name,
                "campaign": gift.campaign.name if gift.campaign_id else "",
                "pledged_at": _when(gift.pledged_at),
                "received_at": _when(gift.received_at),
                "closed_at": _when(gift.closed_at),
                "due_on": _when(gift.expected_on),
                "anonymous": gift.is_anonymous,
                "message": gift.message,
                "goods": "; ".join(str(line) for line in gift.lines.all()),
            }
        )
    return rows


def _receipts(donor: Donor) -> list[dict[str, Any]]:
    receipts = Receipt.objects.filter(donor=donor).select_related("donation", "replaces").order_by("issued_at", "pk")
    rows = []
    for receipt in receipts:
        amount, currency = _amount(receipt.amount)
        rows.append(
            {
                "donor_id": str(donor.public_id),
                "number": receipt.number,
                "kind": receipt.kind,
                "status": receipt.status,
                "issued_at": _when(receipt.issued_at),
                "amount": amount,
                "currency": currency,
                "gift_reference": receipt.donation.reference if receipt.donation_id else "",
                "period_start": _when(receipt.period_start),
                "period_end": _when(receipt.period_end),
                "replaces": receipt.replaces.number if receipt.replaces_id else "",
                "voided_at": _when(receipt.voided_at),
            }
        )
    return rows


def _emails(donor: Donor) -> list[dict[str, Any]]:
    deliveries = ReceiptDelivery.objects.filter(receipt__donor=donor).select_related("receipt").order_by("queued_at")
    return [
        {
            "donor_id": str(donor.public_id),
            "receipt": delivery.receipt.number,
            "to": delivery.to_email,
            "status": delivery.status,
            "queued_at": _when(delivery.queued_at),
            "sent_at": _when(delivery.sent_at),
        }
        for delivery in deliveries
    ]


def _monthly_gifts(donor: Donor) -> list[dict[str, Any]]:
    rows = []
    for gift in RecurringGift.objects.filter(Q(donor=donor) | Q(payer=donor)).select_related("fund").order_by("pk"):
        amount, currency = _amount(gift.amount)
        rows.append(
            {
                "donor_id": str(donor.public_id),
                "reference": gift.reference,
                "amount": amount,
                "currency": currency,
                "fund": gift.fund.name,
                "status": gift.status,
                "created_at": _when(gift.created_at),
                "cancelled_at": _when(gift.cancelled_at),
            }
        )
    return rows


def _commitments(donor: Donor) -> list[dict[str, Any]]:
    rows = []
    for commitment in Commitment.objects.filter(donor=donor).select_related("fund").order_by("pk"):
        amount, currency = _amount(commitment.total)
        rows.append(
            {
                "donor_id": str(donor.public_id),
                "total": amount,
                "currency": currency,
                "fund": commitment.fund.name,
                "instalments": commitment.instalments,
                "frequency": commitment.frequency,
                "first_due_on": _when(commitment.first_due_on),
                "created_at": _when(commitment.created_at),
            }
        )
    return rows


# Section name -> how to read it for one donor; lists are one row each, dicts one row.
SECTIONS = {
    "details": _details,
    "consents": _consents,
    "gifts": _gifts,
    "receipts": _receipts,
    "emails_sent": _emails,
    "monthly_gifts": _monthly_gifts,
    "pledges_in_instalments": _commitments,
}


def donor_data_export(donors: Iterable[Donor]) -> dict[str, Any]:
    """The whole export: every section for each donor record (the portal's address may belong to
    several), and the retention rules once."""
    records = []
    for donor in donors:
        records.append({name: read(donor) for name, read in SECTIONS.items()})
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": _when(timezone.now()),
        "donors": records,
        "kept_after_erasure": retention_rules(),
    }


def export_json(export: dict[str, Any]) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=2).encode()


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    # A byte-order mark, so spreadsheet programs read the Vietnamese as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode()


def export_csv_zip(export: dict[str, Any]) -> bytes:
    """One CSV per section (every donor record's rows in it, told apart by donor_id)."""
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTIONS}
    for record in export["donors"]:
        for name in SECTIONS:
            value = record[name]
            sections[name] += value if isinstance(value, list) else [value]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv_bytes(rows))
        archive.writestr("kept_after_erasure.csv", _csv_bytes(export["kept_after_erasure"]))
    return buffer.getvalue()
