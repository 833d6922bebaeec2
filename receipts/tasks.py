"""Celery entry points for receipts: thin, id-based, each calling one service."""

from __future__ import annotations

import logging
from collections import Counter

from celery import shared_task
from django.utils import timezone

from .errors import NotReceivable
from .models import ReceiptDelivery
from .services import delivery as delivery_services
from .services import receipts as receipt_services
from .services.sweep import receipts_sweep
from .tasks_portal import portal_link_send  # noqa: F401 - registers the portal's task with the worker
from .tasks_statements import *  # noqa: F403 - registers the statement tasks with the worker

logger = logging.getLogger(__name__)


@shared_task(
    name="receipts.tasks.receipt_issue_for_gift",
    autoretry_for=(Exception,),
    dont_autoretry_for=(NotReceivable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def receipt_issue_for_gift(donation_id: int) -> str:
    """Issue the receipt of a gift just received (idempotent: a second run finds the first)."""
    try:
        return receipt_services.receipt_issue(donation_id=donation_id).number
    except NotReceivable as exc:  # refunded before the task ran: nothing to acknowledge
        logger.info("No receipt for gift %s: %s", donation_id, exc.message)
        return ""


@shared_task(
    name="receipts.tasks.receipts_void_for_gift",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def receipts_void_for_gift(donation_id: int, reason: str) -> list[str]:
    return [r.number for r in receipt_services.receipts_void_for_gift(donation_id=donation_id, reason=reason)]


class DeliveryFailed(Exception):
    pass


@shared_task(name="receipts.tasks.receipt_delivery_send", bind=True, max_retries=6)
def receipt_delivery_send(self, delivery_id: int) -> str:
    """Email one delivery row. A failure is recorded on the row with the time of its next
    attempt, and the task comes back then; when its retries run out, the sweep keeps trying on
    the row's schedule up to RECEIPTS_DELIVERY_MAX_ATTEMPTS."""
    outcome = delivery_services.delivery_send(delivery_id=delivery_id)
    if not outcome.startswith("failed"):
        return outcome
    if self.request.is_eager:
        # In-process (no broker: development, tests) a retry cannot wait: it would surface from
        # .delay() as an error (stopping a sweep half way) or run again at once against a
        # server that just refused. The row's schedule and the sweep retry instead.
        return outcome
    next_attempt_at = ReceiptDelivery.objects.values_list("next_attempt_at", flat=True).get(pk=delivery_id)
    # Back when the row says, not on a clock of the task's own, so the two never disagree.
    countdown = max((next_attempt_at - timezone.now()).total_seconds(), 0) + 1
    raise self.retry(exc=DeliveryFailed(outcome), countdown=countdown)


@shared_task(name="receipts.tasks.receipt_deliveries_send", bind=True, max_retries=6)
def receipt_deliveries_send(self, delivery_ids: list[int]) -> dict[str, int]:
    """Email several delivery rows over one mail connection (the annual statements hand them
    over in batches). The ones that failed, and those not tried because the mail server went
    away, come back together when the earliest failed row says; past the retries, the sweep
    keeps trying them as it does single rows."""
    outcomes = delivery_services.deliveries_send(delivery_ids=delivery_ids)
    again = [pk for pk, outcome in outcomes.items() if outcome.startswith("failed") or outcome == "deferred"]
    summary = dict(Counter(outcome.split(":")[0] for outcome in outcomes.values()))
    if not again or self.request.is_eager:  # in-process: the sweep retries (see receipt_delivery_send)
        return summary
    due = ReceiptDelivery.objects.filter(pk__in=again, status=ReceiptDelivery.Status.FAILED)
    next_attempt_at = min(due.values_list("next_attempt_at", flat=True), default=timezone.now())
    countdown = max((next_attempt_at - timezone.now()).total_seconds(), 60) + 1
    raise self.retry(
        args=(again,), exc=DeliveryFailed(f"{len(again)} of {len(outcomes)} not sent"), countdown=countdown
    )


@shared_task(name="receipts.tasks.receipts_sweep")
def receipts_sweep_run() -> dict[str, int]:
    """Beat, every few minutes: receipts for received gifts that have none (a lost task), and
    deliveries that are due again (failed, or queued with their task lost)."""
    return receipts_sweep()
