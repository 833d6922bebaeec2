"""The page a receipt's QR code opens: anyone holding the receipt can check that it is genuine
and still valid, and learns nothing about the donor beyond their initials."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from ..selectors import receipt_by_verification_token, receipt_summary
from .headers import private_page

TEMPLATE = "receipts/verify.html"


def verify_rate() -> str:
    # Tokens carry 128 random bits, so guessing is hopeless anyway; the limit keeps a scan from
    # costing us a database lookup per try.
    return settings.RECEIPTS_VERIFY_RATE


@private_page(referrer_policy="no-referrer")
@require_GET
def receipt_verify(request, token: str) -> HttpResponse:
    # Counted before the token is looked at, so known, unknown and malformed tokens cost the
    # same share of the limit.
    if is_ratelimited(request, group="receipts-verify", key="ip", rate=verify_rate(), increment=True):
        return render(request, TEMPLATE, {"limited": True}, status=429)
    receipt = receipt_by_verification_token(token)
    if receipt is None:
        return render(request, TEMPLATE, {"not_found": True}, status=404)
    return render(request, TEMPLATE, {"receipt": receipt_summary(receipt)})
