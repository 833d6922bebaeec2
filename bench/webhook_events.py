"""The webhook benchmark's events: shaped and signed as Stripe sends them, laid out in the file
bench/webhooks.lua reads, and the answers it writes back (pure Python, no Django:
tests/test_bench_parsing.py tests them).

An event is ``payment_intent.succeeded`` for a PaymentIntent of a pledged card gift (the body
pretty-printed as Stripe's is, signed over its exact bytes), for a PaymentIntent no gift of ours
started (another integration's payment on the same account), or an exact repeat of an earlier
request (Stripe's at-least-once delivery), placed a few requests after it so that the two are
often in flight at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

API_VERSION = "2026-10-28.endive"  # the version stripe-python 16 pins (tests/payments/stripe/shapes.py)
# In the file, one request a line: a newline inside a body is written as this byte.
NEWLINE = "\x01"


@dataclass(frozen=True)
class Gift:
    donation_id: int
    reference: str
    intent_id: str
    amount: int  # Stripe's integer minor units (VND has none)


def payment_intent(*, intent_id: str, amount: int, reference: str | None, created: int) -> dict:
    """A succeeded card PaymentIntent as Stripe's API reference shows it (one-off, card only)."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": amount,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": "vnd",
        "customer": None,
        "description": None,
        "last_payment_error": None,
        "latest_charge": "ch_" + intent_id.removeprefix("pi_"),
        "livemode": False,
        "metadata": {"donation": reference} if reference else {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": "pm_" + intent_id.removeprefix("pi_"),
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer_data": None,
        "transfer_group": None,
    }


def succeeded_event(*, event_id: str, intent: dict, created: int) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": intent},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": "req_" + event_id.removeprefix("evt_"), "idempotency_key": secrets.token_hex(16)},
        "type": "payment_intent.succeeded",
    }


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Stripe-Signature: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Plan:
    """What the file holds, in order: each line's event id, and which events pay which gift."""

    event_ids: list[str] = field(default_factory=list)
    gift_of_event: dict[str, str] = field(default_factory=dict)  # event id -> gift reference
    unknown_events: set[str] = field(default_factory=set)
    repeats: int = 0


def write_requests(
    path: Path, gifts: list[Gift], *, secret: str, now: int, duplicate_every: int, unknown_every: int
) -> Plan:
    """One line per request, signed at ``now``: every gift's event once, an event for a
    PaymentIntent of no gift every ``unknown_every`` lines, and every ``duplicate_every``-th
    line the exact bytes of a line a few places back."""
    plan = Plan()
    lines: list[str] = []
    pending = iter(gifts)
    number = 0
    while True:
        position = len(lines) + 1
        if position % duplicate_every == 0 and lines:
            back = 1 + (position // duplicate_every) % min(len(lines), 7)
            lines.append(lines[-back])
            plan.event_ids.append(plan.event_ids[-back])
            plan.repeats += 1
            continue
        number += 1
        event_id = f"evt_bench{now}{number:07d}"
        if position % unknown_every == 1:  # never a repeat's place (those are multiples of duplicate_every)
            intent = payment_intent(
                intent_id=f"pi_elsewhere{now}{number:07d}", amount=250_000, reference=None, created=now - 30
            )
            plan.unknown_events.add(event_id)
        else:
            gift = next(pending, None)
            if gift is None:
                break
            intent = payment_intent(intent_id=gift.intent_id, amount=gift.amount, reference=gift.reference, created=now)
            plan.gift_of_event[event_id] = gift.reference
        body = json.dumps(succeeded_event(event_id=event_id, intent=intent, created=now), indent=2).encode()
        lines.append(sign(body, secret, now) + "\t" + body.decode().replace("\n", NEWLINE))
        plan.event_ids.append(event_id)
    path.write_text("\n".join(lines) + "\n")
    return plan


@dataclass
class Answers:
    """What the server answered, read from bench/webhooks.lua's files."""

    statuses: Counter = field(default_factory=Counter)
    first_deliveries: Counter = field(default_factory=Counter)  # event id -> answers "duplicate": false
    duplicates: Counter = field(default_factory=Counter)  # event id -> answers "duplicate": true
    unreadable: int = 0

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)


def read_answers(paths: list[Path]) -> Answers:
    answers = Answers()
    for path in paths:
        for line in path.read_text().splitlines():
            status, _, body = line.partition("\t")
            answers.statuses[int(status)] += 1
            if not status.startswith("2"):
                continue
            try:
                answer = json.loads(body)
                (answers.duplicates if answer["duplicate"] else answers.first_deliveries)[answer["event"]] += 1
            except (ValueError, KeyError, TypeError):
                answers.unreadable += 1
    return answers


_ISSUED = "webhooks thread "


def read_issued(wrk_report: str) -> dict[int, tuple[int, int]]:
    """bench/webhooks.lua's last lines: thread number -> (requests issued, times it wrapped)."""
    issued = {}
    for line in wrk_report.splitlines():
        if line.startswith(_ISSUED):
            number, _, rest = line.removeprefix(_ISSUED).partition(": ")
            words = rest.split()
            issued[int(number)] = (int(words[1]), int(words[3]))
    return issued
