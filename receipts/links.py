"""Absolute links printed on receipts and sent in emails."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from .models import Receipt


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def receipt_verification_url(receipt: Receipt) -> str:
    """The page the receipt's QR code opens, in the receipt's language."""
    with translation.override(receipt.language):
        return public_url(reverse("receipts:verify", kwargs={"token": receipt.verification_token}))
