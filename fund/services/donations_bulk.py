"""Receiving many pledges at once (a bank statement of a national appeal matches hundreds of
thousands): exactly what donation_receive does for each gift — the gift marked received, a
balanced hordak transaction with the same two legs and description, a Posting with its digest,
an audit entry, the donation_received signal (a receipt queued on commit) — with a few INSERTs
for the lot instead of a dozen queries per gift."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from hordak.models import Leg, Transaction

from audit.services import audit_record_many
from config.actors import actor_user
from config.db_copy import copy_rows, ids_reserve

from ..digests import _digest
from ..errors import FundError, InvalidTransition
from ..models import Donation, FundAccount, Posting
from ..refusals import status_words
from ..signals import donation_received
from .donations import _ASSET_BY_CHANNEL, _INCOME_BY_KIND, _check_not_future
from .ledger import Entry, _check_entries, _ledger_date, _require_atomic


@dataclass(frozen=True)
class Arrival:
    """One pledge that arrived: the gift (locked by the caller, its fund loaded), when, and by
    which way when that differs from the pledge's."""

    donation: Donation
    received_at: datetime.datetime
    channel: str | None = None


def donations_receive_bulk(
    *, arrivals: Sequence[Arrival], late_into_open_period: bool = False, actor: Any = None
) -> list[Donation]:
    """Receive and post every pledge of ``arrivals`` in the caller's transaction. The caller
    holds each gift's lock (fund.services.locks order). Everything is checked before anything is
    written: a FundError (a gift not pledged, a closed period) refuses the whole lot, and the
    caller may then receive the gifts one by one to learn which one is refused."""
    _require_atomic()
    if not arrivals:
        return []
    user = actor_user(actor)
    changes: dict[int, dict[str, str]] = {}
    for arrival in arrivals:
        gift = arrival.donation
        _check_not_future(arrival.received_at)
        if gift.status != Donation.Status.PLEDGED:
            raise InvalidTransition(
                _("Gift %(reference)s is %(status)s, not pledged.")
                % {"reference": gift.reference, "status": status_words(gift)}
            )
        if arrival.channel is not None and arrival.channel != gift.channel:
            if gift.is_goods or arrival.channel == Donation.Channel.IN_KIND_DELIVERY:
                raise FundError(_("Goods are received as pledged; change their lines before receiving."))
            changes[gift.pk] = {"channel": f"{gift.channel} -> {arrival.channel}"}
            gift.channel = arrival.channel
        gift.status = Donation.Status.RECEIVED
        gift.received_at = arrival.received_at
    gifts = [arrival.donation for arrival in arrivals]

    # Ledger dates: one closed-period lookup per distinct day (the period lock is held shared
    # from the first one to the commit, as for every posting).
    dates: dict[datetime.date, tuple[datetime.date, datetime.date | None]] = {}
    for gift in gifts:
        day = timezone.localdate(gift.received_at)
        if day not in dates:
            dates[day] = _ledger_date(day, late_into_open_period=late_into_open_period)
    accounts: dict[int, dict[str, int]] = {}
    for role in FundAccount.objects.filter(fund_id__in={gift.fund_id for gift in gifts}):
        accounts.setdefault(role.fund_id, {})[role.role] = role.account_id

    # Ids from the tables' own sequences, so that legs and postings can point to transactions
    # written by COPY, and each digest be computed here over exactly what is written.
    tx_ids = ids_reserve(Transaction._meta.db_table, len(gifts))
    leg_ids = iter(ids_reserve(Leg._meta.db_table, 2 * len(gifts)))
    now = timezone.now()
    shown: dict[tuple[str, str], str] = {}  # "Cash, Bank transfer" in the active language
    tx_rows, leg_rows, posting_rows = [], [], []
    for gift, tx_id in zip(gifts, tx_ids, strict=True):
        value = gift.fund_value
        entries = [
            Entry(role=_ASSET_BY_CHANNEL[gift.channel], side="debit", money=value),
            Entry(role=_INCOME_BY_KIND[gift.kind], side="credit", money=value),
        ]
        _check_entries(gift.fund, entries)
        date, occurred_on = dates[timezone.localdate(gift.received_at)]
        how = shown.get((gift.kind, gift.channel))
        if how is None:
            how = shown[gift.kind, gift.channel] = f"{gift.get_kind_display()}, {gift.get_channel_display()}"
        description = f"Gift {gift.reference} ({how})"
        if occurred_on is not None:
            description = f"{description[:440]} [late: happened on {occurred_on.isoformat()}, in a closed period]"
        tx = SimpleNamespace(pk=tx_id, uuid=uuid4(), date=date, description=description[:500])
        legs = [
            SimpleNamespace(
                pk=next(leg_ids),
                uuid=uuid4(),
                account_id=accounts[gift.fund_id][entry.role],
                debit=entry.money if entry.side == "debit" else None,
                credit=entry.money if entry.side == "credit" else None,
            )
            for entry in entries
        ]
        tx_rows.append((tx.pk, tx.uuid, now, tx.date, tx.description))
        for leg in legs:
            money = leg.debit or leg.credit
            leg_rows.append(
                (
                    leg.pk,
                    leg.uuid,
                    tx.pk,
                    leg.account_id,
                    money.currency.code,
                    leg.credit.amount if leg.credit is not None else None,
                    leg.debit.amount if leg.debit is not None else None,
                    "",
                )
            )
        posting_rows.append(
            (
                tx.pk,
                gift.fund_id,
                Posting.Kind.DONATION_RECEIVED,
                gift.pk,
                occurred_on,
                _digest(tx, legs),
                now,
                user.pk if user is not None else None,
                *("",) * 5,
            )
        )

    _donations_update(gifts)
    copy_rows(Transaction._meta.db_table, ("id", "uuid", "timestamp", "date", "description"), tx_rows)
    # One COPY for all legs: the balance trigger sees every transaction whole.
    copy_rows(
        Leg._meta.db_table,
        ("id", "uuid", "transaction_id", "account_id", "currency", "credit", "debit", "description"),
        leg_rows,
    )
    copy_rows(
        Posting._meta.db_table,
        (
            *("transaction_id", "fund_id", "kind", "donation_id", "occurred_on", "digest", "created_at"),
            *("created_by_id", "reason", "purpose", "programme", "reference", "recipient"),
        ),
        posting_rows,
    )
    audit_record_many(actor=actor, action="donation.receive", entries=[(gift, changes.get(gift.pk)) for gift in gifts])
    for gift in gifts:
        donation_received.send(sender=Donation, donation=gift, actor=actor)
    return gifts


def _donations_update(gifts: Sequence[Donation]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Donation._meta.db_table} AS d SET status = v.status, received_at = v.received_at, "  # noqa: S608
            "channel = v.channel FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[]) "
            "AS v(id, status, received_at, channel) WHERE d.id = v.id",
            [
                [gift.pk for gift in gifts],
                [gift.status for gift in gifts],
                [gift.received_at for gift in gifts],
                [gift.channel for gift in gifts],
            ],
        )
