"""Cost of putting a gift in the ledger, and of computing fund balances from it.

- record+post a received gift (donation row, hordak transaction, two legs, posting with digest,
  audit entry, all in one transaction) against a baseline of one plain single-row insert
  transaction (an audit entry): the ledger's price per gift.
- fund_balances over all funds after N gifts, against a baseline of COUNT(*) over the same legs.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEntry
from donors.services import donor_create
from fund.selectors import fund_balances
from fund.services import donation_record, fund_create

from .support import median_ms as _median_ms
from .table import Row

# The same at both scales: 300 gifts take a few seconds, and fewer would change the ratios
# (fund_balances' fixed cost against a COUNT(*) of fewer legs).
GIFTS = 300
BALANCE_REPEAT = 30
# Targets: ratios to the same run's baseline (the ratio must be at most this).
TARGET_GIFT_RATIO = 15
TARGET_BALANCES_RATIO = 20


def _time(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def run(*, quick: bool = False):
    gifts = GIFTS
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
    for _ in range(gifts):
        base += _time(baseline_insert, 1)
        gift += _time(record_gift, 1)
    yield Row(
        name=f"ledger: record+post a received gift, median of {gifts}",
        figure=_median_ms(gift),
        unit="ms",
        baseline=_median_ms(base),
        baseline_unit="ms",
        baseline_name="plain INSERT",
        target=TARGET_GIFT_RATIO,
        direction="<=",
    )

    def count_legs():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM hordak_leg")
            cursor.fetchone()

    base = _time(count_legs, BALANCE_REPEAT)
    balances = _time(lambda: fund_balances(), BALANCE_REPEAT)
    yield Row(
        name=f"ledger: fund_balances after {gifts} gifts",
        figure=_median_ms(balances),
        unit="ms",
        baseline=_median_ms(base),
        baseline_unit="ms",
        baseline_name="COUNT(*) of legs",
        target=TARGET_BALANCES_RATIO,
        direction="<=",
    )
