"""Migration 0018 gives an existing ledger its day totals: migrate the test database back to
just before it, write a ledger there as the last release would, and forward again."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum
from djmoney.money import Money

BEFORE = [("fund", "0017_posting_recipient_and_statement_permission")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_day_totals():
    migrate(BEFORE)
    yield
    migrate(leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_ledger_gets_its_day_totals(restore_migrated_rows_after_flush, before_day_totals, fund, donor):
    from fund.services import donation_record, donation_refund

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('fund_ledgerdaytotal')")
        assert cursor.fetchone() == (None,)
    day = datetime.datetime(2026, 5, 4, 3, 0, tzinfo=datetime.UTC)
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="900000", received_at=day)
    refunded = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="100000", received_at=day)
    donation_refund(donation=refunded, reason="twice")

    migrate(leaf_nodes())
    from hordak.models import Leg

    from fund.models import LedgerDayTotal
    from fund.selectors import fund_balance
    from fund.selectors.totals import day_totals_differences

    assert day_totals_differences() == []
    assert LedgerDayTotal.objects.aggregate(legs=Sum("legs"))["legs"] == Leg.objects.count() == 6
    assert fund_balance(fund).cash == Money("900000", "VND")
    assert fund_balance(fund, as_of=datetime.date(2026, 5, 4)).received == Money(Decimal("1000000"), "VND")
