"""Migration 0019 gives an existing ledger its statement entries: migrate the test database back
to just before it, write a ledger there as the last release would, and forward again."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from djmoney.money import Money

BEFORE = [("fund", "0018_ledger_day_totals")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_statement_entries():
    migrate(BEFORE)
    yield
    migrate(leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_existing_ledger_gets_its_statement_entries(
    restore_migrated_rows_after_flush, before_statement_entries, fund, donor
):
    from fund.services import donation_record, donation_refund

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('fund_statemententry')")
        assert cursor.fetchone() == (None,)
    day = datetime.datetime(2026, 5, 4, 3, 0, tzinfo=datetime.UTC)
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="900000", received_at=day)
    refunded = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="100000", received_at=day)
    donation_refund(donation=refunded, reason="twice")

    migrate(leaf_nodes())
    from fund.models import Posting, StatementEntry
    from fund.selectors.statement_entries import statement_entries_differences
    from fund.selectors.statements import fund_statement

    assert statement_entries_differences() == []
    assert StatementEntry.objects.count() == Posting.objects.count() == 3
    may = fund_statement(fund, date_from=datetime.date(2026, 5, 1), date_to=datetime.date(2026, 5, 31))
    (cash,) = [line for line in may.receipts_by_kind if line.key == "cash"]
    assert (cash.gifts, cash.donors, cash.value) == (2, 1, Money("1000000", "VND"))
