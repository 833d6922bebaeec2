"""The email that carries a receipt, in the receipt's language, with its PDF attached.

Everything it says comes from the receipt's ``content`` snapshot (the issuer, the donor and the
gift as they were at issue), so the email and the PDF never disagree. The HTML part has no
images and no remote resources: nothing is fetched when the donor opens it, and a mail client
that blocks images shows it whole.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, pgettext
from djmoney.money import Money

from fund.models import Donation
from fund.money import money_display

from .links import receipt_verification_url
from .models import Receipt, ReceiptDelivery
from .pdf import receipt_pdf_bytes

TEMPLATES = "receipts/email/"


def _email_date(value: datetime.date) -> str:
    # Translators: how a date is written in receipt emails, in Django's date format syntax
    # (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date), e.g. "d/m/Y".
    return date_format(value, pgettext("receipt email date format", "j F Y"))


def _as_date(value: Any) -> datetime.date | None:
    """A date from an ISO date or datetime string in the snapshot (a datetime in local time)."""
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if timezone.is_aware(moment):
        return timezone.localtime(moment).date()
    return moment.date()


def _money_text(amount: Any, currency: str) -> str:
    try:
        return money_display(Money(Decimal(str(amount)), currency))
    except (InvalidOperation, ValueError, TypeError):
        return ""


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    """A calendar year as "2025", any other period as "1 January 2025 – 30 June 2025"."""
    if start is None or end is None:
        return ""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{_email_date(start)} – {_email_date(end)}"


def _issuer_contacts(issuer: dict[str, Any]) -> list[str]:
    return [issuer[key] for key in ("address", "phone", "email", "website") if issuer.get(key)]


def receipt_email_context(receipt: Receipt) -> dict[str, Any]:
    """What the subject and both bodies print; call it inside the receipt's language."""
    content = receipt.content or {}
    issuer = content.get("issuer") or {}
    donor = content.get("donor") or {}
    context: dict[str, Any] = {
        "receipt": receipt,
        "number": receipt.number,
        "is_statement": receipt.kind == Receipt.Kind.STATEMENT,
        "organisation": issuer.get("name", ""),
        "donor_name": donor.get("name", ""),
        "verification_url": receipt_verification_url(receipt),
        # The issuer's own words, as set in Settings > Receipts; ours only when there are none.
        "thanks": issuer.get("thanks") or gettext("Thank you for standing with the children in our care."),
        "issuer_contacts": _issuer_contacts(issuer),
        "replaces_number": (content.get("replaces") or {}).get("number", ""),
    }
    if context["is_statement"]:
        period = content.get("period") or {}
        context["period"] = period_text(
            _as_date(period.get("start") or receipt.period_start), _as_date(period.get("end") or receipt.period_end)
        )
        # One total per currency (a statement may list gifts in VND and in USD).
        totals = [_money_text(t.get("amount"), t.get("currency", "")) for t in content.get("grand_totals") or []]
        if not totals and receipt.amount is not None:
            totals = [money_display(receipt.amount)]
        context["total"] = ", ".join(t for t in totals if t)
    else:
        gift = content.get("gift") or {}
        context["amount"] = _money_text(gift.get("amount"), gift.get("currency", "VND"))
        context["is_goods"] = gift.get("kind") in Donation.GOODS_KINDS
        context["fund_name"] = gift.get("fund_name", "")
        context["campaign_name"] = gift.get("campaign_name", "")
        received = _as_date(gift.get("received_at"))
        context["received_on"] = _email_date(received) if received else ""
    return context


def _render_subject(context: dict[str, Any]) -> str:
    subject = render_to_string(TEMPLATES + "receipt_subject.txt", context)
    # A header is one line, however the template or a long name wrapped it.
    return " ".join(subject.split())


def receipt_email_build(delivery: ReceiptDelivery) -> EmailMultiAlternatives:
    """The message for one delivery row: subject, plain text, an HTML alternative and the PDF."""
    receipt = delivery.receipt
    language = receipt.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = receipt_email_context(receipt)
        subject = _render_subject(context)
        text = render_to_string(TEMPLATES + "receipt_body.txt", context)
        html = render_to_string(TEMPLATES + "receipt_body.html", {**context, "language": language})
    issuer_email = ((receipt.content or {}).get("issuer") or {}).get("email", "")
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        reply_to=[issuer_email] if issuer_email else None,
        headers={
            # One Message-ID per delivery row: a message sent twice after a crash is recognisably
            # the same message.
            "Message-ID": f"<receipt-delivery-{delivery.pk}@{DNS_NAME}>",
            "Content-Language": language,
            # RFC 3834: no out-of-office replies to a receipt.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.attach(f"{receipt.number}.pdf", receipt_pdf_bytes(receipt), "application/pdf")
    return message
