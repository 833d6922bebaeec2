"""A fingerprint of each ledger transaction as written, so a later change is detectable even if
someone bypasses the append-only triggers (a superuser disabling them, a restored backup)."""

import hashlib
import json
from collections.abc import Iterable, Iterator

from hordak.models import Leg, Transaction


def _digest(tx: Transaction, legs: Iterable[Leg]) -> str:
    payload = {
        "uuid": str(tx.uuid),
        "date": tx.date.isoformat(),
        "description": tx.description,
        "legs": [
            [
                str(leg.uuid),
                leg.account_id,
                f"{leg.debit.amount:.2f}" if leg.debit is not None else None,
                f"{leg.credit.amount:.2f}" if leg.credit is not None else None,
                str(leg.debit.currency if leg.debit is not None else leg.credit.currency),
            ]
            for leg in sorted(legs, key=lambda leg: leg.pk)
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def transaction_digest_of(tx: Transaction, legs: Iterable[Leg]) -> str:
    """The digest of a transaction and its legs read back by the caller (a batch reads all its
    transactions' legs in one query)."""
    return _digest(tx, legs)


def transaction_digest(transaction_id: int) -> str:
    """SHA-256 of a transaction and its legs as stored, in a canonical form (one query: it is
    read back inside every posting's transaction, some of them under a fund's lock)."""
    legs = list(Leg.objects.filter(transaction_id=transaction_id).select_related("transaction"))
    tx = legs[0].transaction if legs else Transaction.objects.get(pk=transaction_id)
    return _digest(tx, legs)


def all_transaction_digests(chunk_size: int = 5000) -> Iterator[tuple[int, str]]:
    """(transaction id, digest) for every transaction, two streaming queries in all: the ledger
    check must stay linear in rows, not in round trips, at a million gifts."""
    legs = Leg.objects.order_by("transaction_id", "id").iterator(chunk_size=chunk_size)
    pending = next(legs, None)
    for tx in Transaction.objects.order_by("id").iterator(chunk_size=chunk_size):
        mine = []
        while pending is not None and pending.transaction_id <= tx.pk:
            if pending.transaction_id == tx.pk:
                mine.append(pending)
            pending = next(legs, None)
        yield tx.pk, _digest(tx, mine)
