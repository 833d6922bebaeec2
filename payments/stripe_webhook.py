"""Stripe's webhook endpoint: verify, then hand the event to the inbox service.

The signature is checked on the raw body exactly as received (re-serialised JSON would not
match), before anything is parsed into our records or written."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services.stripe_events import StripeEventDeferred, stripe_event_process

logger = logging.getLogger(__name__)

# Stripe's own default: a captured request replayed more than five minutes later is refused.
SIGNATURE_TOLERANCE = 300


def _verified_event(request: HttpRequest, secret: str) -> dict | None:
    """The event if the body is signed with our secret, recent, and shaped like an event."""
    body = request.body
    try:
        stripe.WebhookSignature.verify_header(
            body, request.headers.get("Stripe-Signature"), secret, SIGNATURE_TOLERANCE
        )
        event = json.loads(body)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
        return None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and 0 < len(event["type"]) <= 100
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        return None
    return event


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        # 503, not 400: the fault is our configuration, not the sender's. Stripe retries any
        # non-2xx for three days, so events sent meanwhile are processed once the secret is set.
        logger.error("Stripe webhook called but STRIPE_WEBHOOK_SECRET is not set")
        return JsonResponse({"error": "webhook not configured"}, status=503)
    event = _verified_event(request, secret)
    if event is None:
        logger.warning("Stripe webhook refused: missing or invalid signature, stale timestamp or malformed body")
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    try:
        row, duplicate = stripe_event_process(event=event)
    except StripeEventDeferred:
        # Stored, waiting for a lookup Stripe could not answer: a 500 brings the redelivery
        # that processes it (docs/decisions/0009-stripe-api-shapes.md).
        return JsonResponse({"error": "waiting for Stripe; retry"}, status=500)
    except Exception:
        # Rolled back in full; a 500 makes Stripe deliver the event again later.
        logger.exception("Stripe event %s (%s) could not be processed", event["id"], event["type"])
        return JsonResponse({"error": "processing failed; retry"}, status=500)
    return JsonResponse({"received": True, "duplicate": duplicate, "outcome": row.outcome})
