"""Cost of putting a gift in the ledger, and of computing fund balances from it.

- record+post a received gift (donation row, hordak transaction, two legs, posting with digest,
  audit entry, all in one transaction) against a baseline of one plain single-row insert
  transaction (an audit entry): the ledger's price per gift.
- fund_balances over all funds after N gifts, against a baseline of COUNT(*) over the same legs.
"""

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEntry
from donors.services import donor_create
from fund.selectors import fund_balances
from fund.services import donation_record, fund_create

GIFTS = 300


def _median_ms(samples):
    return statistics.median(samples) * 1000


def _time(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def run():
    fund = fund_create(name="Bench Fund", code="BEN")
    donor = donor_create(kind="person", name="Bench Donor")

    def baseline_insert():
        with transaction.atomic():
            AuditEntry.objects.create(action="bench", object_type="bench", object_id="1")

    def record_gift():
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="500000", received_at=timezone.now()
        )

    # Interleave so both see the same machine conditions.
    base, gift = [], []
    for _ in range(GIFTS):
        base += _time(baseline_insert, 1)
        gift += _time(record_gift, 1)
    yield {
        "name": "record+post one received gift",
        "value": _median_ms(gift),
        "baseline": _median_ms(base),
        "ratio": _median_ms(gift) / _median_ms(base),
        "target": 15,
    }

    def count_legs():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hordak_leg")
            cursor.fetchone()

    base = _time(count_legs, 30)
    balances = _time(lambda: fund_balances(), 30)
    yield {
        "name": f"fund_balances after {GIFTS} gifts",
        "value": _median_ms(balances),
        "baseline": _median_ms(base),
        "ratio": _median_ms(balances) / _median_ms(base),
        "target": 20,
    }
