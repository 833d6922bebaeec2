"""Finding work a lost task left undone: gifts received without a receipt, deliveries due."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from fund.models import Donation

from ..models import Receipt
from ..queueing import task_queue
from .delivery import deliveries_due

logger = logging.getLogger(__name__)


def gifts_without_receipt(*, settled_before: datetime.datetime | None = None):
    """Received gifts with no valid receipt, received before ``settled_before`` (a gift received
    a moment ago has its task on the way)."""
    settled_before = settled_before or timezone.now() - datetime.timedelta(minutes=settings.RECEIPTS_LOST_TASK_MINUTES)
    valid = Receipt.objects.filter(donation=OuterRef("pk"), kind=Receipt.Kind.GIFT, status=Receipt.Status.VALID)
    return (
        Donation.objects.filter(status=Donation.Status.RECEIVED, received_at__lte=settled_before)
        .filter(~Exists(valid))
        .order_by("received_at", "id")
    )


def receipts_sweep(*, limit: int = 500, now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue what is missing; each item goes to its own task so one bad gift stops nothing.

    A delivery queued twice (this sweep and a task that was only late) is still sent once: the
    sending locks its row and skips a row already sent. If the broker is down this raises, and
    the next run, once the broker is back, finds the same work.
    """
    now = now or timezone.now()
    settled_before = now - datetime.timedelta(minutes=settings.RECEIPTS_LOST_TASK_MINUTES)
    # Both lists are read before anything is queued, so a run never picks up the deliveries of
    # the receipts it has just issued (an in-process task issues them at once).
    gifts = list(gifts_without_receipt(settled_before=settled_before).values_list("pk", flat=True)[:limit])
    deliveries = list(deliveries_due(now=now).values_list("pk", flat=True)[:limit])
    for donation_id in gifts:
        task_queue("receipts.tasks.receipt_issue_for_gift", donation_id)
    for delivery_id in deliveries:
        task_queue("receipts.tasks.receipt_delivery_send", delivery_id)
    if gifts or deliveries:
        logger.info("Receipts sweep queued %s receipts and %s deliveries", len(gifts), len(deliveries))
    return {"receipts": len(gifts), "deliveries": len(deliveries)}
