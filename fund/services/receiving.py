"""Receiving many pledges at once, each exactly as ``donation_receive`` receives one: for a worker
that applies a batch of card payments (payments.services.stripe_queue), where one gift at a time
would cost about fifteen queries each and the batch costs about as many in all."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record_many

from ..errors import FundError, InvalidTransition
from ..models import Donation
from ..refusals import status_words
from ..signals import donation_received
from .donations import _CHANNEL, _check_not_future, _choice, receipt_posting
from .ledger_batch import ledger_post_many


def donations_receive(
    *,
    receipts: Sequence[tuple[Donation, datetime.datetime]],
    channel: str,
    late_into_open_period: bool = False,
    actor: Any = None,
) -> list[Donation]:
    """Mark each money pledge of ``receipts`` (gift, time received) received by ``channel`` and
    post it, in one transaction: all of them, or (a FundError) none. The gifts are locked here in
    the order of their ids, so two batches never wait for each other in a circle."""
    channel = _choice(channel, Donation.Channel, _CHANNEL)
    if channel == Donation.Channel.IN_KIND_DELIVERY:
        raise FundError(_("Money arrives by card, bank transfer or cash."))
    when = {gift.pk: received_at for gift, received_at in receipts}
    if len(when) != len(receipts):
        raise FundError(_("A gift is received once."))
    for received_at in when.values():
        _check_not_future(received_at)
    with transaction.atomic():
        gifts = list(
            Donation.objects.select_for_update(of=("self",)).select_related("fund").filter(pk__in=when).order_by("pk")
        )
        for gift in gifts:
            if gift.status != Donation.Status.PLEDGED:
                raise InvalidTransition(
                    _("Gift %(reference)s is %(status)s, not pledged.")
                    % {"reference": gift.reference, "status": status_words(gift)}
                )
            if gift.is_goods:
                raise FundError(_("Goods are received as pledged; change their lines before receiving."))
        changes = []
        for gift in gifts:
            changes.append({"channel": f"{gift.channel} -> {channel}"} if gift.channel != channel else None)
            gift.channel = channel
            gift.status = Donation.Status.RECEIVED
            gift.received_at = when[gift.pk]
        # One UPDATE from arrays: Django's bulk_update builds a CASE per row and field, which
        # costs more Python than the rest of the batch.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Donation._meta.db_table} AS gift SET status = %s, channel = %s, "  # noqa: S608 - our table
                "received_at = received.at FROM unnest(%s::bigint[], %s::timestamptz[]) AS received(id, at) "
                "WHERE gift.id = received.id",
                [Donation.Status.RECEIVED, channel, [gift.pk for gift in gifts], [gift.received_at for gift in gifts]],
            )
        ledger_post_many(postings=[receipt_posting(gift, late_into_open_period) for gift in gifts], actor=actor)
        audit_record_many(actor=actor, action="donation.receive", entries=zip(gifts, changes, strict=True))
        for gift in gifts:
            donation_received.send(sender=Donation, donation=gift, actor=actor)
    return gifts
