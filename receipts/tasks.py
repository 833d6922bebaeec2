"""Celery entry points for receipts: thin, id-based, each calling one service."""

from __future__ import annotations

import logging

from celery import shared_task

from .errors import NotReceivable
from .services import delivery as delivery_services
from .services import receipts as receipt_services
from .services.sweep import receipts_sweep
from .tasks_statements import *  # noqa: F403 - registers the statement tasks with the worker
from .tasks_portal import portal_link_send  # noqa: F401 - registers the portal's task with the worker

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


@shared_task(
    name="receipts.tasks.receipt_delivery_send",
    bind=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def receipt_delivery_send(self, delivery_id: int) -> str:
    """Email one delivery row. A failure is recorded on the row and retried with backoff; when
    the retries run out, the sweep keeps trying on its own schedule."""
    outcome = delivery_services.delivery_send(delivery_id=delivery_id)
    if outcome.startswith("failed"):
        raise DeliveryFailed(outcome)
    return outcome


@shared_task(name="receipts.tasks.receipts_sweep")
def receipts_sweep_run() -> dict[str, int]:
    """Beat, every few minutes: receipts for received gifts that have none (a lost task), and
    deliveries that are due again."""
    return receipts_sweep()
