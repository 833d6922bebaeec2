"""The ledger at the size of a national appeal.

- ``fund_balance`` of one fund with 5,000,000 legs in the ledger (quick: 200,000), median of 50,
  against a baseline of a primary-key lookup of the fund's row.
- ``fund_statement`` of a fund for a year holding 1,000,000 entries (quick: 50,000), against a
  baseline of a COUNT(*) over the same legs.
- gifts recorded through ``donation_record`` by 8 processes at once (200; full 1,000), and
  spending attempts (``fund_spend``: a cash payment posted, then the fund locked and what is left
  checked) against one fund by 8 processes (600; full 3,000), each as milliseconds of wall time
  per gift/attempt against the same for a plain one-row insert transaction through the same
  processes; the spending run asserts the fund never went below zero (every attempt reads the
  balance after it), that payments and balance agree, and that check_ledger stays clean.
  Processes, not threads: one Python process's threads measure its GIL, not the ledger.

The big ledger is written server-side: INSERT ... SELECT over generate_series into
hordak_transaction, hordak_leg, fund_posting and fund_donation (what COPY would load, without
sending the rows from Python), with the digests built in SQL the way fund/digests.py builds them,
and the ledger's triggers off for the load (session_replication_role = replica); the day totals
and statement entries are then rebuilt exactly as their backfill migrations do, vacuumed
(index-only scans need the visibility map), and checked (the day totals always, the statement
entries at quick scale only: at full size that recomputation reads millions of postings). Each
step's time is printed on stderr.

    python -m bench.ledger_size [--quick]
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal

# Writers at once: separate processes, each with its own connection (more than the two cores, so
# some always wait on the fund's lock).
PROCESSES = 8


def _note(text: str) -> None:
    print(f"ledger_size: {text}", file=sys.stderr)


def _median_ms(samples):
    return statistics.median(samples) * 1000


def _time(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _row(name, value, baseline, target, baseline_name):
    from .table import Row

    return Row(
        name=f"ledger_size: {name}",
        figure=value,
        unit="ms",
        baseline=baseline,
        baseline_unit="ms",
        baseline_name=baseline_name,
        target=target,
        direction="<=",
    )


# --- Bulk data -----------------------------------------------------------------------------------

_DONORS_SQL = """
INSERT INTO donors_donor (public_id, kind, name, tax_code, contact_person, email, phone, address,
    preferred_language, consent_receipts_by_email, consent_news, anonymous_by_default, created_at,
    updated_at, public_name)
SELECT gen_random_uuid(), CASE WHEN g %% 10 = 0 THEN 'organisation' ELSE 'person' END, 'Bench donor ' || g,
    '', '', '', '', '', 'vi', false, false, false, now(), now(), ''
FROM generate_series(1, %(count)s) g
RETURNING id
"""

# One row per entry to write: what it is and the ids and uuids it will have, so the digest can be
# computed over the same values the rows get. Entry i of n: i %% 100 < 90 a gift (every 20th a
# scholarship, every 50th of them refunded further down), else a payment to one of 500 people.
_STAGE_SQL = """
CREATE TEMP TABLE bench_stage ON COMMIT DROP AS
SELECT g AS i,
    CASE WHEN g %% 100 < 90 THEN 'gift' ELSE 'allocation' END AS what,
    %(start)s::date + ((g - 1)::bigint * %(days)s / %(count)s)::int AS day,
    (CASE WHEN g %% 100 < 90 THEN 100000 + (g %% 37) * 50000 ELSE 20000 + (g %% 11) * 10000 END)::numeric(20, 2)
        AS amount,
    CASE WHEN g %% 20 = 3 THEN 'scholarship' ELSE 'cash' END AS gift_kind,
    %(tx_base)s + g AS tx_id, %(leg_base)s + 2 * g - 1 AS debit_leg_id, %(leg_base)s + 2 * g AS credit_leg_id,
    %(posting_base)s + g AS posting_id, %(donation_base)s + g AS donation_id,
    gen_random_uuid() AS tx_uuid, gen_random_uuid() AS debit_uuid, gen_random_uuid() AS credit_uuid,
    %(donor_low)s + (g %% %(donors)s) AS donor_id
FROM generate_series(1, %(count)s) g
"""

_DIGEST = """encode(sha256(convert_to(format(
    '{"date": "%%s", "description": %%s, "legs": '
    '[["%%s", %%s, "%%s", null, "%%s"], ["%%s", %%s, null, "%%s", "%%s"]], "uuid": "%%s"}',
    <day>, to_json(<description>::text)::text, <debit_uuid>, <debit_account>, <amount>, <currency>,
    <credit_uuid>, <credit_account>, <amount>, <currency>, <tx_uuid>), 'UTF8')), 'hex')"""


def _digest_sql(template: str = _DIGEST, **parts: str) -> str:
    """The digest of fund/digests.py as SQL over the named columns (JSON as json.dumps writes it)."""
    for name, sql in parts.items():
        template = template.replace(f"<{name}>", sql)
    return template


_FILL_SQL = (
    """
INSERT INTO fund_donation (id, reference, kind, status, channel, amount_currency, amount, scholarship_count,
    school_year, is_anonymous, message, pledged_at, received_at, donor_id, fund_id, fee_cover,
    receipt_by_email, receipt_language)
OVERRIDING SYSTEM VALUE
SELECT s.donation_id, %(prefix)s || s.i, s.gift_kind, CASE WHEN s.i %% 1000 = 7 THEN 'refunded' ELSE 'received' END,
    'bank_transfer', %(currency)s, s.amount, CASE WHEN s.gift_kind = 'scholarship' THEN 1 END, '', false, '',
    s.day + time '09:00', s.day + time '09:00', s.donor_id, %(fund)s, 0, false, 'vi'
FROM bench_stage s WHERE s.what = 'gift';

INSERT INTO hordak_transaction (id, uuid, timestamp, date, description)
OVERRIDING SYSTEM VALUE
SELECT s.tx_id, s.tx_uuid, s.day + time '09:00', s.day, 'Bench ' || s.what || ' ' || s.i FROM bench_stage s;

INSERT INTO hordak_leg (id, uuid, description, account_id, transaction_id, debit, credit, currency)
OVERRIDING SYSTEM VALUE
SELECT s.debit_leg_id, s.debit_uuid, '',
    CASE WHEN s.what = 'gift' THEN %(bank)s ELSE %(allocated)s END, s.tx_id, s.amount, NULL, %(currency)s
FROM bench_stage s
UNION ALL
SELECT s.credit_leg_id, s.credit_uuid, '',
    CASE WHEN s.what = 'allocation' THEN %(bank)s WHEN s.gift_kind = 'scholarship' THEN %(income_scholarship)s
         ELSE %(income_cash)s END,
    s.tx_id, NULL, s.amount, %(currency)s
FROM bench_stage s;

INSERT INTO fund_posting (id, kind, reason, digest, created_at, donation_id, fund_id, transaction_id,
    programme, purpose, reference, recipient)
OVERRIDING SYSTEM VALUE
SELECT s.posting_id, CASE WHEN s.what = 'gift' THEN 'donation_received' ELSE 'allocation' END, '',
    """
    + _digest_sql(
        day="s.day",
        description="'Bench ' || s.what || ' ' || s.i",
        debit_uuid="s.debit_uuid",
        debit_account="CASE WHEN s.what = 'gift' THEN %(bank)s ELSE %(allocated)s END",
        amount="s.amount",
        currency="%(currency)s",
        credit_uuid="s.credit_uuid",
        credit_account="CASE WHEN s.what = 'allocation' THEN %(bank)s WHEN s.gift_kind = 'scholarship' "
        "THEN %(income_scholarship)s ELSE %(income_cash)s END",
        tx_uuid="s.tx_uuid",
    )
    + """,
    s.day + time '09:00',
    CASE WHEN s.what = 'gift' THEN s.donation_id END,
    %(fund)s, s.tx_id,
    CASE WHEN s.what = 'allocation' THEN (CASE WHEN s.i %% 2 = 0 THEN 'children' ELSE 'elderly' END) ELSE '' END,
    CASE WHEN s.what = 'allocation' THEN 'cash' ELSE '' END,
    CASE WHEN s.what = 'allocation' THEN 'allocation:' || s.i ELSE '' END,
    CASE WHEN s.what = 'allocation' THEN 'b:' || (s.i %% 500) ELSE '' END
FROM bench_stage s;
"""
)

# Refunds of the gifts marked refunded above: the mirror image, dated a few days later.
_REFUND_SQL = (
    """
INSERT INTO hordak_transaction (id, uuid, timestamp, date, description)
OVERRIDING SYSTEM VALUE
SELECT s.tx_id + %(count)s, s.tx_uuid2, s.refund_day + time '10:00', s.refund_day, 'Bench refund ' || s.i
FROM bench_refund s;

INSERT INTO hordak_leg (id, uuid, description, account_id, transaction_id, debit, credit, currency)
OVERRIDING SYSTEM VALUE
SELECT s.debit_leg_id + 2 * %(count)s, s.debit_uuid2, '', %(bank)s, s.tx_id + %(count)s, NULL, s.amount, %(currency)s
FROM bench_refund s
UNION ALL
SELECT s.credit_leg_id + 2 * %(count)s, s.credit_uuid2, '', s.income, s.tx_id + %(count)s, s.amount, NULL,
    %(currency)s
FROM bench_refund s;

INSERT INTO fund_posting (id, kind, reason, digest, created_at, donation_id, fund_id, transaction_id, reverses_id,
    programme, purpose, reference, recipient)
OVERRIDING SYSTEM VALUE
SELECT s.posting_id + %(count)s, 'reversal', 'bench refund', """
    + _digest_sql(
        _DIGEST.replace(
            '"%%s", null, "%%s"], ["%%s", %%s, null, "%%s"', 'null, "%%s", "%%s"], ["%%s", %%s, "%%s", null'
        ),
        day="s.refund_day",
        description="'Bench refund ' || s.i",
        debit_uuid="s.debit_uuid2",
        debit_account="%(bank)s",
        amount="s.amount",
        currency="%(currency)s",
        credit_uuid="s.credit_uuid2",
        credit_account="s.income",
        tx_uuid="s.tx_uuid2",
    )
    + """,
    s.refund_day + time '10:00', s.donation_id, %(fund)s, s.tx_id + %(count)s, s.posting_id, '', '', '', ''
FROM bench_refund s;
"""
)

_REFUND_STAGE_SQL = """
CREATE TEMP TABLE bench_refund ON COMMIT DROP AS
SELECT s.*, LEAST(s.day + 3, %(last)s::date) AS refund_day, gen_random_uuid() AS tx_uuid2,
    gen_random_uuid() AS debit_uuid2, gen_random_uuid() AS credit_uuid2,
    CASE WHEN s.gift_kind = 'scholarship' THEN %(income_scholarship)s ELSE %(income_cash)s END AS income
FROM bench_stage s
WHERE s.what = 'gift' AND s.i %% 1000 = 7
"""


def _bases(cursor, count):
    """Reserve ids for ``count`` entries (and their refunds) in each table."""
    bases = {}
    for key, table, per_entry in (
        ("tx_base", "hordak_transaction", 2),
        ("leg_base", "hordak_leg", 4),
        ("posting_base", "fund_posting", 2),
        ("donation_base", "fund_donation", 1),
    ):
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our own table names
        (top,) = cursor.fetchone()
        bases[key] = top
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, top + per_entry * count + 1])
    return bases


def ledger_fill(*, fund, count: int, start: datetime.date, days: int, donors: int, prefix: str) -> None:
    """Write ``count`` entries for ``fund`` dated over ``days`` days from ``start`` (with about
    count/1000 refunds besides), straight into the tables, then rebuild the day totals."""
    from django.db import connection, transaction

    from fund.models import FundAccount

    accounts = dict(FundAccount.objects.filter(fund=fund).values_list("role", "account_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the load's own triggers off
        cursor.execute(_DONORS_SQL, {"count": donors})
        donor_ids = [row[0] for row in cursor.fetchall()]
        params = {
            **_bases(cursor, count),
            "count": count,
            "start": start,
            "last": start + datetime.timedelta(days=days - 1),
            "days": days,
            "donors": donors,
            "donor_low": min(donor_ids),
            "prefix": prefix,
            "fund": fund.pk,
            "currency": fund.currency,
            "bank": accounts["bank"],
            "income_cash": accounts["income_cash"],
            "income_scholarship": accounts["income_scholarship"],
            "allocated": accounts["allocated_cash"],
        }
        cursor.execute(_STAGE_SQL, params)
        cursor.execute("CREATE INDEX ON bench_stage (i)")
        for statement in _FILL_SQL.split(";\n"):
            if statement.strip():
                step = time.perf_counter()
                cursor.execute(statement, params)
                _note(f"{count:,} entries: {statement.split()[2]} in {time.perf_counter() - step:.1f} s")
        cursor.execute(_REFUND_STAGE_SQL, params)
        for statement in _REFUND_SQL.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)
    _digests_check(fund)


def derived_rebuild() -> None:
    """The day totals and the statement entries from the ledger, as the backfill migrations
    compute them (the load above ran with the triggers off), then VACUUM ANALYZE: index-only
    scans need the visibility map a vacuum writes (autovacuum does the same in production)."""
    import importlib

    from django.db import connection, transaction

    day_totals = importlib.import_module("fund.migrations.0018_ledger_day_totals")
    entries = importlib.import_module("fund.migrations.0019_statement_entries")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM fund_ledgerdaytotal")
        cursor.execute(day_totals.BACKFILL)
        cursor.execute("DELETE FROM fund_statemententry")
        cursor.execute(entries.BACKFILL)
    with connection.cursor() as cursor:
        for table in ("fund_ledgerdaytotal", "fund_statemententry"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        for table in ("hordak_transaction", "hordak_leg", "fund_posting", "fund_donation", "donors_donor"):
            cursor.execute(f"ANALYZE {table}")


def _digests_check(fund) -> None:
    """The SQL digests are the ones fund/digests.py computes (else check_ledger would cry foul)."""
    from fund.digests import transaction_digest
    from fund.models import Posting

    sample = Posting.objects.filter(fund=fund).order_by("?")[:20].values_list("transaction_id", "digest")
    refunds = Posting.objects.filter(fund=fund, kind="reversal")[:5].values_list("transaction_id", "digest")
    for transaction_id, digest in [*sample, *refunds]:
        assert transaction_digest(transaction_id) == digest, f"digest of transaction {transaction_id} differs"


# --- Runs ----------------------------------------------------------------------------------------


def in_processes(work, items, *, processes: int = PROCESSES, timeout: float = 600) -> tuple[list, float]:
    """``work(item)`` for every item, spread over ``processes`` forked processes, each with its own
    database connection, all starting behind one barrier (threads of one process would measure
    Python's GIL, not the ledger). Returns the outcomes (an exception as its repr) and the wall
    time from the barrier to the last outcome."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    connections.close_all()  # a child must open its own connection, never share the parent's socket
    barrier = context.Barrier(processes + 1)
    results = context.Queue()

    def child(chunk):
        outcomes = []
        try:
            barrier.wait(timeout=60)
            for item in chunk:
                try:
                    outcomes.append(work(item))
                except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
                    outcomes.append(repr(exc))
        finally:
            connections.close_all()
            results.put(outcomes)

    children = [context.Process(target=child, args=(items[i::processes],)) for i in range(processes)]
    for process in children:
        process.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    outcomes = []
    for _ in children:
        outcomes += results.get(timeout=timeout)
    elapsed = time.perf_counter() - started
    for process in children:
        process.join(timeout=60)
    return outcomes, elapsed


def _per_item_ms(work, count: int) -> float:
    outcomes, elapsed = in_processes(work, list(range(count)))
    failures = [o for o in outcomes if o != "ok"]
    if failures:
        raise AssertionError(f"{len(failures)} jobs failed, e.g. {failures[0]}")
    return elapsed * 1000 / count


def _plain_insert(_n):
    from django.db import transaction

    from audit.models import AuditEntry

    with transaction.atomic():
        AuditEntry.objects.create(action="bench", object_type="bench", object_id="1")
    return "ok"


def concurrent_runs(*, quick: bool):
    """Gifts by PROCESSES processes at once, then spending attempts against one fund by as many."""
    from django.utils import timezone
    from djmoney.money import Money

    from donors.services import donor_create
    from fund.errors import FundError
    from fund.selectors import fund_balance
    from fund.services import donation_record, fund_create
    from fund.services.ledger import ledger_check_run
    from fund.services.spending import fund_spend

    gifts = 200 if quick else 1000
    fund = fund_create(name="Bench concurrent", code="BCC")
    donor = donor_create(kind="person", name="Bench Donor")

    def gift(_n):
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="500000", received_at=timezone.now()
        )
        return "ok"

    base = _per_item_ms(_plain_insert, gifts)
    per_gift = _per_item_ms(gift, gifts)
    yield _row(
        f"{PROCESSES} processes: ms per gift ({1000 / per_gift:.0f} gifts/s)",
        per_gift,
        base,
        target=15,
        baseline_name="plain INSERT",
    )

    # Enough money for about two thirds of the attempts: the last ones must be refused.
    attempts = 600 if quick else 3000
    cash = fund_balance(fund).cash
    amount = Money(cash.amount / Decimal(attempts) * Decimal("1.5"), fund.currency).round(0)

    def attempt(n):
        try:
            fund_spend(
                fund=fund,
                purpose="cash",
                programme="children",
                reference=f"bench:{n}",
                recipient=f"b:{n % 89}",
                amount=amount,
                date=timezone.localdate(),
                paid_from="bank",
                description="Bench payment",
            )
            outcome = "paid"
        except FundError:
            outcome = "refused"
        # What any reader sees right after: never below zero.
        return outcome, fund_balance(fund).cash.amount

    base = _per_item_ms(_plain_insert, attempts)
    outcomes, elapsed = in_processes(attempt, list(range(attempts)))
    per_attempt = elapsed * 1000 / attempts
    strange = [o for o in outcomes if not isinstance(o, tuple)]
    assert not strange, f"{len(strange)} attempts failed, e.g. {strange[0]}"
    paid = sum(1 for outcome, _balance in outcomes if outcome == "paid")
    refused = sum(1 for outcome, _balance in outcomes if outcome == "refused")
    lowest = min(balance for _outcome, balance in outcomes)
    final = fund_balance(fund)
    assert paid + refused == attempts, "unexpected outcomes"
    assert lowest >= 0 and final.cash.amount >= 0, f"fund went below zero: {lowest}"
    assert final.cash == cash - amount * paid, "payments and balance disagree"
    assert refused > 0, "the fund never ran out: the check was not exercised"
    check = ledger_check_run()
    assert check.ok, check.problems[:5]
    yield _row(
        f"{PROCESSES} processes: ms per spending attempt on one fund ({1000 / per_attempt:.0f}/s, {paid} paid, "
        f"{refused} refused, never below zero, check_ledger clean)",
        per_attempt,
        base,
        target=15,
        baseline_name="plain INSERT",
    )


def run(*, quick: bool = False):
    from django.db import connection

    from fund.models import Fund
    from fund.selectors import fund_balance
    from fund.selectors.statement_entries import statement_entries_differences
    from fund.selectors.statements import fund_statement
    from fund.selectors.totals import day_totals_differences
    from fund.services import fund_create

    yield from concurrent_runs(quick=quick)

    legs = 200_000 if quick else 5_000_000
    entries = 50_000 if quick else 1_000_000
    year = datetime.date(2025, 1, 1)
    statement_fund = fund_create(name="Bench appeal", code="BAP")
    # The appeal's year (about 2 legs per entry), the rest across two other funds over two years.
    started = time.perf_counter()
    ledger_fill(fund=statement_fund, count=entries, start=year, days=365, donors=entries // 3, prefix="A")
    rest = (legs - 2 * entries) // 2
    big = None
    for code in ("BBA", "BBB"):
        other = fund_create(name=f"Bench {code}", code=code)
        ledger_fill(fund=other, count=rest // 2, start=datetime.date(2024, 1, 1), days=730, donors=1000, prefix=code)
        big = big or other
    step = time.perf_counter()
    derived_rebuild()
    _note(f"day totals and statement entries rebuilt in {time.perf_counter() - step:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM hordak_leg")
        (total_legs,) = cursor.fetchone()
    print(f"ledger_size: {total_legs} legs written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    differences = day_totals_differences()
    assert not differences, differences[:5]
    if quick:  # a full recomputation: about a minute more at full size
        differences = statement_entries_differences()
        assert not differences, differences[:5]

    def pk_lookup():
        Fund.objects.get(pk=big.pk)

    base = _time(pk_lookup, 50)
    balance = _time(lambda: fund_balance(big), 50)
    yield _row(
        f"fund_balance at {total_legs:,} legs (ms; done when < 5)",
        _median_ms(balance),
        _median_ms(base),
        target=25,
        baseline_name="pk lookup",
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM hordak_leg l JOIN hordak_transaction t ON t.id = l.transaction_id "
            "JOIN fund_fundaccount a ON a.account_id = l.account_id "
            "WHERE a.fund_id = %s AND t.date BETWEEN %s AND %s",
            [statement_fund.pk, year, datetime.date(2025, 12, 31)],
        )
        (period_legs,) = cursor.fetchone()

    def count_legs():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM hordak_leg l JOIN hordak_transaction t ON t.id = l.transaction_id "
                "JOIN fund_fundaccount a ON a.account_id = l.account_id "
                "WHERE a.fund_id = %s AND t.date BETWEEN %s AND %s",
                [statement_fund.pk, year, datetime.date(2025, 12, 31)],
            )
            cursor.fetchone()

    base = _time(count_legs, 5)
    fresh = Fund.objects.get(pk=statement_fund.pk)
    statement = _time(lambda: fund_statement(fresh, date_from=year, date_to=datetime.date(2025, 12, 31)), 5)
    result = fund_statement(fresh, date_from=year, date_to=datetime.date(2025, 12, 31))
    assert result.reconciles, "the statement does not reconcile"
    assert result.gifts + result.allocations >= entries * 0.99, (result.gifts, result.allocations)
    yield _row(
        f"fund_statement, a year of {entries:,} entries ({period_legs:,} legs; ms; done when < 1000)",
        _median_ms(statement),
        _median_ms(base),
        target=3,
        baseline_name="COUNT(*) of legs",
    )


def main(argv=None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_ledger_size")
    argv = sys.argv[1:] if argv is None else argv
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    from .table import format_table

    try:
        rows = list(run(quick="--quick" in argv))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(format_table(rows))
    return 1 if any(row.missed for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
