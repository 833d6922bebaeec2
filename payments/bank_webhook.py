"""The bank's notification of incoming transfers: a signed JSON POST, fed to the same import and
matcher as an uploaded statement.

    POST /payments/bank/webhook/
    X-Chungtay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with BANK_WEBHOOK_SECRET>
    {"transactions": [{"id": "FT26...", "booked_at": "2026-11-20T09:15:00+07:00", "amount": "500000",
                       "currency": "VND", "description": "UNG HO CT7K3M9QXA", "counterparty": "NGUYEN VAN A"}]}

The signature is checked on the raw body before anything is parsed; a delivery older than five
minutes is refused, so a captured request cannot be replayed later. Each line is stored under the
bank's transaction id, so a redelivered notification adds nothing. See docs/operations.md.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from djmoney.money import Money

from fund.errors import FundError
from fund.money import currency_check

from .bank_statements import BANK_ID_MAX, COUNTERPARTY_MAX, DESCRIPTION_MAX, ParsedStatement, StatementLine
from .bank_values import BadValue, BankStatementError, amount_parse, date_parse, text_parse
from .services.bank_import import bank_statement_import
from .webhook_secrets import SigningSecret, bank_webhook_secrets

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "HTTP_X_CHUNGTAY_SIGNATURE"
TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1024 * 1024
MAX_TRANSACTIONS = 1000


def signature_for(secret: str, timestamp: int | str, body: bytes) -> str:
    """The v1 signature of a body sent at ``timestamp`` (also what the bank, and tests, compute)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _signature_problem(header: str, body: bytes, secrets: list[SigningSecret]) -> str:
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return "signature header has no timestamp"
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        return "timestamp outside the 5-minute tolerance"
    # Several v1 values are allowed while the bank rolls over to a new secret, and our previous
    # secret until its deadline while we do (payments/webhook_secrets.py).
    for secret in secrets:
        expected = signature_for(secret.value, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
            if secret.previous:
                logger.info("Bank notification signed with BANK_WEBHOOK_SECRET_PREVIOUS")
            return ""
    return "signature does not match"


# What this endpoint answers is read by the bank's systems and its engineers, not by staff: it
# stays in English, like the log lines beside it. The cell readers it shares with statement
# uploads speak the active language, so parsing runs under English.
def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # signed by the bank instead; a browser session means nothing here
@require_POST
def bank_webhook(request: HttpRequest) -> JsonResponse:
    secrets = bank_webhook_secrets()
    if not secrets:
        # 503, not 404: the bank retries later, so no notification is lost while it is unset.
        logger.error("Bank notification refused: BANK_WEBHOOK_SECRET is not set")
        return _refuse(503, "Bank notifications are not configured.")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _refuse(413, "Body too large.")
    problem = _signature_problem(request.META.get(SIGNATURE_HEADER, ""), body, secrets)
    if problem:
        logger.warning("Bank notification refused: %s", problem)
        return _refuse(400, "Invalid signature.")
    try:
        with translation.override("en"):
            parsed = notification_parse(body)
    except BankStatementError as exc:
        logger.warning("Bank notification refused: %s", "; ".join(exc.messages))
        return _refuse(400, "; ".join(exc.messages))

    statement = bank_statement_import(parsed=parsed, source="webhook", filename="")
    return JsonResponse(
        {
            "received": len(parsed.lines) + parsed.skipped_outgoing + parsed.skipped_zero,
            "new": statement.new_count,
            "matched": statement.matched_count,
            "review": statement.review_count,
            "skipped": parsed.skipped_outgoing + parsed.skipped_zero,
        }
    )


def notification_parse(body: bytes) -> ParsedStatement:
    """Read a notification body into lines; refuses the whole delivery on any bad transaction.
    Its words are the bank's answer: English (see ``_refuse``), so callers run it under English."""
    try:
        # Decimal for numbers: an amount must never pass through a float.
        payload = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise BankStatementError("The body is not JSON.") from None
    items = payload.get("transactions") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise BankStatementError('Expected {"transactions": [...]} with at least one transaction.')
    if len(items) > MAX_TRANSACTIONS:
        raise BankStatementError(f"At most {MAX_TRANSACTIONS} transactions per notification.")
    parsed = ParsedStatement(lines=[], currency=settings.DEFAULT_CURRENCY, rows_read=len(items))
    errors = []
    for number, item in enumerate(items, 1):
        try:
            line = _line(number, item)
        except (BadValue, FundError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, FundError) else str(exc)
            errors.append(f"Transaction {number}: {text}.")
            continue
        if line is None:
            parsed.skipped_outgoing += 1
        else:
            parsed.lines.append(line)
    if errors:
        raise BankStatementError(errors[:20])
    return parsed


def _line(number: int, item: Any) -> StatementLine | None:
    if not isinstance(item, dict):
        raise BadValue("each transaction is an object")
    bank_id = text_parse(item.get("id"), label="id", max_length=BANK_ID_MAX)
    if not bank_id:
        raise BadValue("the id is required")
    currency = currency_check(str(item.get("currency") or ""))
    raw_amount = item.get("amount")
    if not isinstance(raw_amount, (str, int, Decimal)) or isinstance(raw_amount, bool):
        raise BadValue('the amount is required, as a string such as "500000"')
    amount = amount_parse(raw_amount, currency)
    if amount <= 0:
        return None  # money out, or nothing: not a transfer to match
    try:
        booked_at = parse_datetime(str(item.get("booked_at") or ""))
    except ValueError:
        booked_at = None
    if booked_at is None:
        raise BadValue("booked_at must be an ISO 8601 date and time")
    if timezone.is_naive(booked_at):
        booked_at = timezone.make_aware(booked_at)  # the bank's local time, as its app shows
    booked_on = date_parse(timezone.localdate(booked_at))
    if booked_at > timezone.now() + datetime.timedelta(minutes=5):
        raise BadValue("booked_at is in the future")
    return StatementLine(
        row=number,
        booked_on=booked_on,
        booked_at=booked_at,
        amount=Money(amount, currency),
        description=text_parse(item.get("description"), label="description", max_length=DESCRIPTION_MAX),
        counterparty=text_parse(item.get("counterparty"), label="counterparty", max_length=COUNTERPARTY_MAX),
        bank_reference=bank_id,
    )
