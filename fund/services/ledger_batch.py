"""Writing many postings at once: the same transactions, legs and Postings ``ledger_post`` writes
one at a time (and the same checks), in a handful of queries for the whole batch, for a worker
that receives hundreds of card gifts a second (payments.services.stripe_queue).

Everything the database enforces holds row by row as before: each hordak transaction balances
at commit, the closed-period trigger sees every transaction, the day totals' trigger adds each
INSERT's legs, and every Posting's digest is of its transaction and legs as stored (read back in
one query for the batch).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from hordak.models import Leg, Transaction

from config.actors import actor_user

from ..digests import transaction_digest_of
from ..models import Fund, FundAccount, Posting
from .ledger import Entry, _check_entries, _ledger_date, _require_atomic


@dataclass(frozen=True)
class PostingToWrite:
    """One ``ledger_post`` call's arguments, for ``ledger_post_many``."""

    fund: Fund
    kind: str
    entries: Sequence[Entry]
    description: str
    date: datetime.date
    donation: Any = None
    late_into_open_period: bool = False

    def as_arguments(self) -> dict[str, Any]:
        """The same as keyword arguments of ``ledger_post`` (fields as they are, not copied)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def ledger_post_many(*, postings: Sequence[PostingToWrite], actor: Any = None) -> list[Posting]:
    """Write each of ``postings`` as ``ledger_post`` would, inside the caller's transaction, in
    order; refused as a whole (LedgerError) if any one would be."""
    _require_atomic()
    if not postings:
        return []
    for posting in postings:
        _check_entries(posting.fund, posting.entries)
    dates: dict[tuple[datetime.date, bool], tuple[datetime.date, datetime.date | None]] = {}
    descriptions = []
    for posting in postings:
        key = (posting.date, posting.late_into_open_period)
        if key not in dates:  # each takes the period lock (shared) and reads the closed periods
            dates[key] = _ledger_date(posting.date, late_into_open_period=posting.late_into_open_period)
        occurred_on = dates[key][1]
        description = posting.description
        if occurred_on is not None:
            description = f"{description[:440]} [late: happened on {occurred_on.isoformat()}, in a closed period]"
        descriptions.append(description[:500])
    accounts: dict[int, dict[str, int]] = defaultdict(dict)
    for fund_id, role, account_id in FundAccount.objects.filter(
        fund_id__in={posting.fund.pk for posting in postings}
    ).values_list("fund_id", "role", "account_id"):
        accounts[fund_id][role] = account_id
    transactions = Transaction.objects.bulk_create(
        Transaction(date=dates[(p.date, p.late_into_open_period)][0], description=description)
        for p, description in zip(postings, descriptions, strict=True)
    )
    # One INSERT for every leg of the batch: the balance trigger then sees whole transactions even
    # when constraints are IMMEDIATE (as in ledger_post).
    Leg.objects.bulk_create(
        Leg(transaction=tx, account_id=accounts[p.fund.pk][entry.role], **{entry.side: entry.money})
        for p, tx in zip(postings, transactions, strict=True)
        for entry in p.entries
    )
    stored: dict[int, list[Leg]] = defaultdict(list)
    for leg in Leg.objects.filter(transaction_id__in=[tx.pk for tx in transactions]).select_related("transaction"):
        stored[leg.transaction_id].append(leg)
    creator = actor_user(actor)
    return Posting.objects.bulk_create(
        Posting(
            transaction=tx,
            fund=p.fund,
            kind=p.kind,
            donation=p.donation,
            occurred_on=dates[(p.date, p.late_into_open_period)][1],
            digest=transaction_digest_of(stored[tx.pk][0].transaction, stored[tx.pk]),
            created_by=creator,
        )
        for p, tx in zip(postings, transactions, strict=True)
    )
