"""A fingerprint of each ledger transaction as written, so a later change is detectable even if
someone bypasses the append-only triggers (a superuser disabling them, a restored backup)."""

import hashlib
import json

from hordak.models import Leg, Transaction


def transaction_digest(transaction_id: int) -> str:
    """SHA-256 of a transaction and its legs as stored, in a canonical form."""
    tx = Transaction.objects.get(pk=transaction_id)
    legs = Leg.objects.filter(transaction_id=transaction_id).order_by("id")
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
            for leg in legs
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
