"""Stripe's webhook endpoint: verify, then hand the event to the inbox service.

The signature is checked on the raw body exactly as received (re-serialised JSON would not
match), before anything is parsed into our records or written. Card payment events, which
arrive by the hundred in an appeal, are stored for a worker to apply and answered at once
(payments.services.stripe_queue); every other event is applied here, in the request."""

from __future__ import annotations

import json
import logging

import stripe
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services.stripe_events import StripeEventDeferred, stripe_event_process
from .services.stripe_queue import QUEUED_TYPES, stripe_event_store
from .webhook_secrets import SigningSecret, stripe_webhook_secrets

logger = logging.getLogger(__name__)

# Stripe's own default: a captured request replayed more than five minutes later is refused.
SIGNATURE_TOLERANCE = 300


def _signed_with(body: bytes, header: str | None, secrets: list[SigningSecret]) -> SigningSecret | None:
    """The secret (current, or previous during a rotation) that signed this body recently."""
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret.value, SIGNATURE_TOLERANCE)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
            continue
        return secret
    return None


def _verified_event(request: HttpRequest, secrets: list[SigningSecret]) -> tuple[dict, str] | None:
    """The event and its text if the body is signed with one of our secrets, recent, UTF-8 (as
    Stripe sends it) and shaped like an event."""
    body = request.body
    signed_by = _signed_with(body, request.headers.get("Stripe-Signature"), secrets)
    if signed_by is None:
        return None
    try:
        text = body.decode("utf-8")
        event = json.loads(text)
    except (UnicodeDecodeError, ValueError):
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
    if signed_by.previous:
        # Stripe still signs with the secret being retired: the rotation is not over yet.
        logger.info("Stripe event %s was signed with STRIPE_WEBHOOK_SECRET_PREVIOUS", event["id"])
    return event, text


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    secrets = stripe_webhook_secrets()
    if not secrets:
        # 503, not 400: the fault is our configuration, not the sender's. Stripe retries any
        # non-2xx for three days, so events sent meanwhile are processed once the secret is set.
        logger.error("Stripe webhook called but STRIPE_WEBHOOK_SECRET is not set")
        return JsonResponse({"error": "webhook not configured"}, status=503)
    verified = _verified_event(request, secrets)
    if verified is None:
        logger.warning("Stripe webhook refused: missing or invalid signature, stale timestamp or malformed body")
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    event, text = verified
    if event["type"] in QUEUED_TYPES:
        # Nothing to roll back or retry here: a failure to store raises, and Django answers 500.
        stored = stripe_event_store(event=event, body=text)
        outcome = "Stored; applied shortly." if stored else ""
        return JsonResponse({"received": True, "event": event["id"], "duplicate": not stored, "outcome": outcome})
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
    # The event's id in the answer: Stripe's Dashboard shows it beside each delivery.
    return JsonResponse({"received": True, "event": event["id"], "duplicate": duplicate, "outcome": row.outcome})
