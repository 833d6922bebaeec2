from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from ..models import Receipt


def receipt_verify(request, token: str) -> HttpResponse:
    if len(token) > 32:
        raise Http404
    receipt = get_object_or_404(Receipt, verification_token=token)
    return HttpResponse(f"{receipt.number} {receipt.status}")
