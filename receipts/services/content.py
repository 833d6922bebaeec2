"""What a receipt prints, captured at issue so it never changes afterwards."""

from __future__ import annotations

from typing import Any

from donors.models import Donor
from fund.models import Donation, Organisation

from ..models import ReceiptSettings


def letterhead_snapshot(*, language: str) -> dict[str, Any]:
    """The issuer in ``language`` (vi or en): who it is from Settings > Organisation (the identity
    the public pages show too), signature and wording from Settings > Receipts."""
    organisation = Organisation.load()
    settings = ReceiptSettings.load()
    english = language == "en"
    return {
        # The legal name: a receipt is a legal document, so never the shorter display name.
        "name": organisation.name,
        "address": organisation.address,
        "tax_code": organisation.tax_code,
        "phone": organisation.phone,
        "email": organisation.email,
        "website": organisation.website,
        "logo_id": organisation.logo_id,
        "signature_id": settings.signature_id,
        "signatory_name": settings.signatory_name,
        "signatory_title": settings.signatory_title_en if english else settings.signatory_title_vi,
        "thanks": settings.thanks_en if english else settings.thanks_vi,
        "footer": settings.footer_en if english else settings.footer_vi,
    }


def donor_snapshot(donor: Donor) -> dict[str, Any]:
    return {
        "public_id": str(donor.public_id),
        "kind": donor.kind,
        "name": donor.name,
        "tax_code": donor.tax_code,
        "contact_person": donor.contact_person,
        "address": donor.address,
    }


def gift_snapshot(donation: Donation) -> dict[str, Any]:
    """The gift as received: amounts as strings (JSON has no Decimal), goods with their lines."""
    fund_value = donation.fund_value
    return {
        "reference": donation.reference,
        "kind": donation.kind,
        "channel": donation.channel,
        "received_at": donation.received_at.isoformat(),
        "fund_code": donation.fund.code,
        "fund_name": donation.fund.name,
        "campaign_name": donation.campaign.name if donation.campaign_id else "",
        "amount": str(donation.amount.amount),
        "currency": donation.amount.currency.code,
        "fund_value": str(fund_value.amount),
        "fund_currency": fund_value.currency.code,
        "exchange_rate": str(donation.exchange_rate) if donation.exchange_rate is not None else None,
        "scholarship_count": donation.scholarship_count,
        "school_year": donation.school_year,
        "payer_name": donation.payer.name if donation.payer_id else "",
        "lines": [
            {
                "description": line.description,
                "quantity": str(line.quantity.normalize()),
                "unit": line.unit,
                "value": str(line.fair_value),
            }
            for line in donation.lines.all()
        ],
    }
