"""Receipts follow the gifts: issued when a gift is received, voided when it is refunded.

The work is queued once the gift's transaction commits and runs in the receipt's own
transaction, so a receipt never holds up, or rolls back, the payment that caused it.
"""

import logging
from functools import partial

from django.db import transaction
from django.dispatch import receiver

from fund.signals import donation_received, donation_refunded

logger = logging.getLogger(__name__)


def _queue(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # broker down: the sweep finds the gift without its receipt later
        logger.warning("Could not queue %s%s", task.name, args, exc_info=True)


@receiver(donation_received, dispatch_uid="receipts.issue_on_receive")
def issue_on_receive(sender, donation, **kwargs) -> None:
    from . import tasks

    transaction.on_commit(partial(_queue, tasks.receipt_issue_for_gift, donation.pk))


@receiver(donation_refunded, dispatch_uid="receipts.void_on_refund")
def void_on_refund(sender, donation, reason, **kwargs) -> None:
    from . import tasks

    transaction.on_commit(partial(_queue, tasks.receipts_void_for_gift, donation.pk, f"Gift refunded: {reason}"))
    # Statements that list the gift are replaced by ones without it.
    transaction.on_commit(partial(_queue, tasks.statements_refresh_for_gift, donation.pk))
