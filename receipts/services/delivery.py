"""Sending receipts by email: a delivery row first, then the sending, at most once per row.

The row is the promise; the Celery task is only the messenger. A task that is lost (broker
down), or a mail server that refuses, leaves the row queued or failed, and the sweep
(``deliveries_due``) hands it to a new task later. A row already sent is never sent again,
however many tasks carry it.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from config.actors import actor_user

from ..emails import receipt_email_build
from ..errors import NoEmailAddress, ReceiptError
from ..models import Receipt, ReceiptDelivery
from ..queueing import queue_on_commit

logger = logging.getLogger(__name__)


def delivery_queue(
    *, receipt: Receipt, to_email: str = "", requested_by: Any = None, queue_task: bool = True
) -> ReceiptDelivery:
    """Record that ``receipt`` is to be emailed (to the donor's address unless ``to_email``) and
    queue the sending once the caller's transaction commits. A resend from the back office is a
    new row, so the history shows every sending. With ``queue_task=False`` the caller hands the
    row to ``deliveries_send`` with others (statements, by the batch); the sweep still finds it
    if that never happens."""
    address = (to_email or receipt.donor.email or "").strip()
    if not address:
        raise NoEmailAddress(_("Donor of receipt %(number)s has no email address.") % {"number": receipt.number})
    with transaction.atomic():
        delivery = ReceiptDelivery.objects.create(
            receipt=receipt,
            to_email=address,
            requested_by=actor_user(requested_by),
        )
        if requested_by is not None:
            audit_record(actor=requested_by, action="receipt.resend", obj=receipt, data={"to": address})
        if queue_task:
            queue_on_commit("receipts.tasks.receipt_delivery_send", delivery.pk)
    return delivery


def delivery_queue_if_consented(*, receipt: Receipt, queue_task: bool = True) -> ReceiptDelivery | None:
    """The automatic sending at issue: only to donors who asked for receipts by email, and for a
    gift receipt only when the gift is recent. Gifts recorded long after they arrived (a year of
    history entered at once) get their receipts without a flood of emails; their donors see them
    in the portal and on the annual statement, and the back office can still send each one."""
    donor = receipt.donor
    # A gift receipt follows the choice made with that gift; a statement, the donor's stored one.
    consented = receipt.donation.receipt_by_email if receipt.donation_id else donor.consent_receipts_by_email
    if not (consented and donor.email):
        return None
    if receipt.donation_id is not None:
        oldest = timezone.now() - datetime.timedelta(days=settings.RECEIPTS_EMAIL_WITHIN_DAYS)
        if receipt.donation.received_at < oldest:
            return None
    return delivery_queue(receipt=receipt, queue_task=queue_task)


def _retry_delay(attempts: int) -> datetime.timedelta:
    # 1, 2, 4 … minutes, capped at six hours: a mail server down overnight is retried all night.
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def delivery_send(*, delivery_id: int, connection: Any = None) -> str:
    """Send one delivery unless it is already sent or being sent, over ``connection`` (an open
    mail backend shared by a batch) or a connection of its own. Returns what happened:
    "sent", "already sent", "busy" (another worker holds it), "gave up" (the attempt limit is
    reached; a resend from the back office is a new row) or "failed: <error>".

    The row stays locked while the message goes out: a duplicate task either waits and then
    finds it sent, or (``skip_locked``) leaves it to the worker that holds it. If the process
    dies after the server accepted the message but before the commit, the row is still queued
    and the message may go out a second time; the stable Message-ID lets mail systems fold
    the two.
    """
    error = ""
    with transaction.atomic():
        # of=("self",): FOR UPDATE over a join locks every joined row, so a donor or receipt
        # held by another transaction (the donor's next gift being received) read as "busy"
        # and left the row queued until the sweep.
        delivery = (
            ReceiptDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("receipt", "receipt__donor")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            if not ReceiptDelivery.objects.filter(pk=delivery_id).exists():
                raise ReceiptError(f"No receipt delivery {delivery_id}.")
            return "busy"
        if delivery.status == ReceiptDelivery.Status.SENT:
            return "already sent"
        # The sweep stops at the limit; so does a task retrying on its own, or a late duplicate.
        if delivery.attempts >= settings.RECEIPTS_DELIVERY_MAX_ATTEMPTS:
            return "gave up"
        delivery.attempts += 1
        try:
            message = receipt_email_build(delivery)
            message.connection = connection
            message.send(fail_silently=False)
        except Exception as exc:  # SMTP refusals, timeouts, DNS: recorded, retried later
            error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.status = ReceiptDelivery.Status.FAILED
            delivery.last_error = error
            delivery.next_attempt_at = timezone.now() + _retry_delay(delivery.attempts)
            delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        else:
            delivery.status = ReceiptDelivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["status", "attempts", "sent_at"])
    if error:
        logger.warning("Receipt delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, error)
        return f"failed: {error}"
    return "sent"


def deliveries_send(*, delivery_ids: list[int]) -> dict[int, str]:
    """Send several deliveries over one connection to the mail server, each as ``delivery_send``
    sends it (its own row lock and transaction, at most once). Returns each id's outcome, as
    ``delivery_send`` words it, or "deferred": not tried, because the mail server could not be
    reached again after a failure (the row stays queued; the caller tries it later).

    One connection for the batch: a new one per message cost a TCP handshake and an SMTP
    greeting each, and the annual statements send thousands. After a failure the connection
    is opened afresh for the next message, so one refused address fails only its own row."""
    connection = get_connection(fail_silently=False)
    outcomes: dict[int, str] = {}
    try:
        reachable = _open_quietly(connection)
        for delivery_id in delivery_ids:
            if not reachable:
                outcomes[delivery_id] = "deferred"
                continue
            try:
                outcome = delivery_send(delivery_id=delivery_id, connection=connection)
            except ReceiptError:  # no such row (erased with its donor since): nothing to send
                outcome = "missing"
            outcomes[delivery_id] = outcome
            if outcome.startswith("failed"):
                _close_quietly(connection)
                reachable = _open_quietly(connection)
    finally:
        _close_quietly(connection)
    return outcomes


def _open_quietly(connection) -> bool:
    """Open the batch's connection; False (logged) if the mail server cannot be reached now."""
    try:
        connection.open()
    except Exception as exc:  # refusals, timeouts, DNS
        logger.warning("Mail server unreachable for a batch of deliveries: %s", exc)
        _close_quietly(connection)
        return False
    return True


def _close_quietly(connection) -> None:
    # A server that already hung up may refuse the QUIT too; the rows are recorded either way.
    try:
        connection.close()
    except Exception:
        logger.debug("Closing the mail connection failed", exc_info=True)


def deliveries_due(*, now: datetime.datetime | None = None) -> QuerySet[ReceiptDelivery]:
    """Deliveries that should be (re)tried now: failed ones whose wait is over and under the
    attempt limit, and queued ones whose task seems lost (queued a while ago)."""
    now = now or timezone.now()
    lost_after = now - datetime.timedelta(minutes=settings.RECEIPTS_LOST_TASK_MINUTES)
    return ReceiptDelivery.objects.filter(
        Q(status=ReceiptDelivery.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=ReceiptDelivery.Status.QUEUED, queued_at__lte=lost_after, next_attempt_at__lte=now),
        attempts__lt=settings.RECEIPTS_DELIVERY_MAX_ATTEMPTS,
    ).order_by("next_attempt_at", "id")
