"""Card payment events at volume: the webhook stores them, a worker applies them in batches.

An appeal brings one ``payment_intent.succeeded`` per card gift, hundreds a second after a
television appeal. Applying one in the webhook's request (receive the gift, post it, audit it:
about twenty-five queries) costs fifteen times what Django costs to answer at all, more than two
cores can give at that rate. So for these event types the webhook only stores the verified event
(its inbox row, unique on Stripe's id) and answers 200; a worker applies the stored events a
batch per transaction, receiving every plain payment of the batch in one go
(fund.services.receiving) and handing anything else to the event's own handler
(docs/decisions/0032-stripe-events-applied-by-a-worker.md).

Exactly once, as before: an event is stored once (the unique row), and applied in the
transaction that marks its row processed. Workers claim rows with FOR UPDATE SKIP LOCKED, so two
never take the same one; a batch that fails rolls back whole and its events are then applied one
at a time, so only an event that fails by itself waits (logged, retried by the next run, and
reported by check_ledger if it waits long).

Lock order, as in every handler: the inbox rows (claimed), then the gifts (in the order of their
ids), then their CardPayments.

Every other event type, and those that must ask Stripe first, are applied in the webhook's
request as before (payments.services.stripe_events).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation

from audit.models import AuditEntry
from audit.services import audit_record_many
from fund.errors import FundError
from fund.models import Donation
from fund.services.receiving import donations_receive

from ..models import CardPayment, StripeEvent
from .stripe_events import (
    INBOX_INSERT,
    _charge_time,
    _intent_paid,
    _received_time,
    apply_stored_event,
    inbox_insert_params,
)
from .stripe_objects import id_of

logger = logging.getLogger(__name__)

# One per card gift, asking nothing of Stripe: these are what an appeal brings by the hundred.
QUEUED_TYPES = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed"})
BATCH_SIZE = 100
# Set while a run of the worker is asked for and not yet started: the events stored meanwhile
# need no run of their own. It expires after a few seconds, in case the task is lost or the cache
# is each process's own (a worker clears only its own copy then); beat runs it every minute too.
_RUN_ASKED = "payments:stripe-events:apply-asked"
_RUN_ASKED_SECONDS = 10
# A stored event still not applied after this long is reported by check_ledger.
APPLY_WAIT = datetime.timedelta(minutes=15)


def stripe_event_store(*, event: Mapping[str, Any], body: str | None = None) -> bool:
    """Store a verified event for the worker to apply, with its audit entry; False if it was
    stored already (a redelivery: nothing is done). ``event`` is the parsed body of a webhook
    whose signature has been checked, of a type in QUEUED_TYPES; ``body`` its text.

    One statement writes the inbox row and, only if that is new, its audit entry (what
    audit_record would write): PostgreSQL makes both or neither, and in autocommit the request's
    whole database work is one round trip, where a transaction took four."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH stored AS ({INBOX_INSERT}) "  # noqa: S608 - our statement and our model's table
            f"INSERT INTO {AuditEntry._meta.db_table} (at, actor_id, action, object_type, object_id, data) "
            "SELECT %s, NULL, 'stripe_event.store', %s, stored.id::text, %s::jsonb FROM stored RETURNING object_id",
            [
                *inbox_insert_params(event, body),
                timezone.now(),
                StripeEvent._meta.label_lower,
                json.dumps({"type": event["type"]}),
            ],
        )
        stored = cursor.fetchone() is not None
    if stored:
        transaction.on_commit(stripe_events_apply_soon)  # at once in autocommit
    return stored


def stripe_events_apply_soon() -> None:
    """Ask a worker to apply the stored events, unless a run is asked for and not started."""
    try:
        if not cache.add(_RUN_ASKED, True, _RUN_ASKED_SECONDS):
            return
    except Exception:  # the cache is down: ask anyway, at worst once per event
        logger.warning("Cache unavailable; asking for a run of the Stripe events worker", exc_info=True)
    from ..tasks import stripe_events_apply_run

    try:
        stripe_events_apply_run.delay()
    except Exception:  # the broker is down: beat's run (every minute) applies them
        cache.delete(_RUN_ASKED)
        logger.warning("Could not queue the Stripe events worker; beat will run it", exc_info=True)


def stripe_events_apply(*, batch_size: int = BATCH_SIZE) -> int:
    """Apply every stored event of QUEUED_TYPES not applied yet, a batch per transaction, until
    none is left; returns how many were applied. Any number of workers may run it at once."""
    # Cleared before the first claim: an event stored from now on asks for a run of its own, and
    # one stored before is committed already, so the claims below find it.
    try:
        cache.delete(_RUN_ASKED)
    except Exception:  # the cache is down: events then ask for a run each (stripe_events_apply_soon)
        logger.warning("Cache unavailable", exc_info=True)
    applied = 0
    failing: set[int] = set()
    while True:
        try:
            with transaction.atomic():
                rows = _claim(batch_size, failing)
                _apply_rows(rows)
            applied += len(rows)
        except Exception:
            logger.warning("A batch of Stripe events failed; applying them one at a time", exc_info=True)
            rows = _claim_unlocked(batch_size, failing)
            applied += _apply_one_at_a_time([pk for pk, _event in rows], failing)
        if not rows:
            return applied


def _pending(failing: set[int]):
    return (
        StripeEvent.objects.filter(
            processed_at__isnull=True, type__in=QUEUED_TYPES, attention=StripeEvent.Attention.NONE
        )
        .exclude(pk__in=failing)
        .order_by("pk")
    )


def _claim(limit: int, failing: set[int]) -> list[tuple[int, dict]]:
    return list(_pending(failing).select_for_update(skip_locked=True).values_list("pk", "payload")[:limit])


def _claim_unlocked(limit: int, failing: set[int]) -> list[tuple[int, dict]]:
    return list(_pending(failing).values_list("pk", "payload")[:limit])


def _apply_one_at_a_time(row_ids: Sequence[int], failing: set[int]) -> int:
    applied = 0
    for row_id in row_ids:
        try:
            with transaction.atomic():
                rows = list(
                    StripeEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk=row_id, processed_at__isnull=True)
                    .values_list("pk", "payload")
                )
                _apply_rows(rows)
            applied += len(rows)
        except Exception:
            logger.exception("Stripe event row %s could not be applied; the next run tries again", row_id)
            failing.add(row_id)
    return applied


def _apply_rows(rows: Sequence[tuple[int, dict]]) -> None:
    """Apply claimed rows inside the caller's transaction: the plain payments together, then
    every other event by its own handler, in the order they arrived."""
    received = _plain_payments_receive(rows)
    for row_id, event in rows:
        if row_id not in received:
            apply_stored_event(row_id=row_id, event=event, lookup={})
    if received:
        # One UPDATE from arrays (Django's bulk_update builds a CASE per row and field).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {StripeEvent._meta.db_table} AS event SET processed_at = %s, "  # noqa: S608 - our table
                "outcome = applied.outcome, attention = '', lookup = '{}'::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS applied(id, outcome) WHERE event.id = applied.id",
                [timezone.now(), list(received), list(received.values())],
            )
        types = {row_id: event["type"] for row_id, event in rows}
        audit_record_many(
            actor=None,
            action="stripe_event.process",
            entries=(
                (StripeEvent(pk=row_id), {"type": types[row_id], "outcome": outcome, "attention": ""})
                for row_id, outcome in received.items()
            ),
        )


def _plain_payments_receive(rows: Sequence[tuple[int, dict]]) -> dict[int, str]:
    """Receive at once every gift a succeeded PaymentIntent of ``rows`` pays in the plain way: a
    pledged card gift of money whose CardPayment names that PaymentIntent, paid in full. Exactly
    what receive_paid_intent does for one. Returns {row id: outcome} for those; the handler
    decides every other case (paid twice, another amount, a gift already received...)."""
    first: dict[str, tuple[int, dict, Mapping[str, Any]]] = {}
    for row_id, event in rows:
        intent = event["data"]["object"]
        intent_id = id_of(intent)
        if event["type"] == "payment_intent.succeeded" and intent_id and intent_id not in first:
            first[intent_id] = (row_id, intent, event)
    if not first:
        return {}
    gifts = {
        gift.pk: gift
        for gift in Donation.objects.select_for_update(of=("self",))
        .select_related("fund")
        .filter(card_payment__stripe_payment_intent_id__in=list(first))
        .order_by("pk")
    }
    payments = list(CardPayment.objects.select_for_update().filter(donation_id__in=list(gifts)).order_by("pk"))
    plain = []
    for payment in payments:
        row_id, intent, event = first[payment.stripe_payment_intent_id]
        gift = gifts[payment.donation_id]
        if gift.status != Donation.Status.PLEDGED or gift.channel != Donation.Channel.CARD or gift.is_goods:
            continue
        try:
            paid = _intent_paid(intent)
        except FundError:
            continue  # the handler stores the refusal
        if paid == gift.amount:
            plain.append((row_id, gift, payment, _received_time(gift, _charge_time(intent, event))))
    if not plain:
        return {}
    with translation.override("en"):  # outcomes are stored in English, as the handlers' are
        donations_receive(
            receipts=[(gift, at) for _row, gift, _payment, at in plain],
            channel=Donation.Channel.CARD,
            late_into_open_period=True,  # a card charge's day is a fact (stripe_events._received_time)
        )
        outcomes = {row_id: f"Gift {gift.reference} received ({gift.amount})." for row_id, gift, _p, _at in plain}
    CardPayment.objects.filter(pk__in=[payment.pk for _r, _g, payment, _a in plain]).update(
        status=CardPayment.Status.SUCCEEDED, last_error="", updated_at=timezone.now()
    )
    return outcomes


def stripe_events_waiting() -> list[StripeEvent]:
    """Stored events of QUEUED_TYPES that no worker has applied for APPLY_WAIT (for check_ledger)."""
    return list(
        _pending(set()).filter(received_at__lt=timezone.now() - APPLY_WAIT).only("stripe_id", "type", "received_at")
    )
