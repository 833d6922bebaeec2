"""Receipts follow the gifts: issued when a gift is received, voided when it is refunded.

The work is queued once the gift's transaction commits and runs in the receipt's own
transaction, so a receipt never holds up, or rolls back, the payment that caused it.
"""

from django.dispatch import receiver

from fund.signals import donation_received, donation_refunded

from .queueing import queue_on_commit


@receiver(donation_received, dispatch_uid="receipts.issue_on_receive")
def issue_on_receive(sender, donation, **kwargs) -> None:
    queue_on_commit("receipts.tasks.receipt_issue_for_gift", donation.pk)


@receiver(donation_refunded, dispatch_uid="receipts.void_on_refund")
def void_on_refund(sender, donation, reason, **kwargs) -> None:
    queue_on_commit("receipts.tasks.receipts_void_for_gift", donation.pk, f"Gift refunded: {reason}")
    # Statements that list the gift are replaced by ones without it.
    queue_on_commit("receipts.tasks.statements_refresh_for_gift", donation.pk)
