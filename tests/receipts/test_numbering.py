import random
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fund.services import donation_record
from receipts import signals
from receipts.fiscal import fiscal_year_bounds, fiscal_year_of
from receipts.models import Receipt, ReceiptCounter
from receipts.services.numbering import number_take
from receipts.services.receipts import receipt_issue
from tests.support.concurrency import run_together

ISSUERS = 32
GIFTS_PER_ISSUER = 5


class _RolledBack(Exception):
    pass


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_32_concurrent_issuers_with_random_rollbacks_leave_no_gap_and_no_duplicate(
    restore_migrated_rows_after_flush, fund, donor, monkeypatch
):
    # Gifts received with the automatic issue switched off, so that every number below is
    # taken by the racing issuers.
    monkeypatch.setattr(signals, "queue_on_commit", lambda *args: None)
    gifts = [
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="cash", amount="100000", received_at=timezone.now()
        ).pk
        for _ in range(ISSUERS * GIFTS_PER_ISSUER)
    ]
    rolled_back = []
    lock = threading.Lock()

    def issuer(index: int):
        rng = random.Random(index)
        # Each issuer handles its own gifts and also races its neighbour for theirs.
        mine = gifts[index * GIFTS_PER_ISSUER : (index + 1) * GIFTS_PER_ISSUER]
        neighbours = gifts[((index + 1) % ISSUERS) * GIFTS_PER_ISSUER :][:GIFTS_PER_ISSUER]
        pending = mine + neighbours
        while pending:
            gift = pending.pop(0)
            try:
                with transaction.atomic():
                    receipt = receipt_issue(donation_id=gift)
                    if rng.random() < 0.3:
                        raise _RolledBack(receipt.number)
            except _RolledBack as exc:
                with lock:
                    rolled_back.append(str(exc))
                pending.append(gift)  # try again later: it must still get a receipt
        return "done"

    outcomes = run_together(*[lambda i=i: issuer(i) for i in range(ISSUERS)], timeout=300)

    assert outcomes == ["done"] * ISSUERS, outcomes
    assert rolled_back, "the test must roll some issues back to prove numbers are returned"
    receipts = list(Receipt.objects.order_by("sequence").values_list("sequence", "donation_id", "number"))
    n = len(gifts)
    assert [sequence for sequence, _, _ in receipts] == list(range(1, n + 1))
    assert sorted(donation for _, donation, _ in receipts) == sorted(gifts)  # one receipt per gift
    assert len({number for _, _, number in receipts}) == n
    assert ReceiptCounter.objects.get().last_number == n


@pytest.mark.django_db
def test_each_series_and_fiscal_year_counts_on_its_own():
    with transaction.atomic():
        assert number_take(series="T", fiscal_year=2026) == 1
        assert number_take(series="T", fiscal_year=2026) == 2
        assert number_take(series="T", fiscal_year=2027) == 1
        assert number_take(series="U", fiscal_year=2026) == 1


def test_number_take_needs_the_receipts_transaction(db):
    # Under pytest-django's `db` every test runs inside a transaction, so check the guard directly.
    previous = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the receipt's transaction"):
            number_take(series="T", fiscal_year=2026)
    finally:
        connection.in_atomic_block = previous


@pytest.mark.parametrize(
    ("month", "day", "year", "bounds"),
    [
        (1, "2026-12-31", 2026, ("2026-01-01", "2026-12-31")),
        (7, "2026-06-30", 2025, ("2025-07-01", "2026-06-30")),
        (7, "2026-07-01", 2026, ("2026-07-01", "2027-06-30")),
        (4, "2028-03-31", 2027, ("2027-04-01", "2028-03-31")),
    ],
)
def test_fiscal_years_start_in_the_configured_month(settings, month, day, year, bounds):
    import datetime

    settings.RECEIPTS_FISCAL_YEAR_START_MONTH = month
    assert fiscal_year_of(datetime.date.fromisoformat(day)) == year
    assert tuple(d.isoformat() for d in fiscal_year_bounds(year)) == bounds
