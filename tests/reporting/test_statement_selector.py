"""fund_statement on a small ledger (tests/reporting/conftest.py): every figure exact, read from
the ledger alone, reconciling with fund_balance at the end of the period, in a few queries."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fund.errors import FundError
from fund.models import AccountRole
from fund.selectors import fund_available, fund_balance
from fund.selectors.statements import fund_statement
from fund.services.ledger import Entry, ledger_post

from .conftest import days_ago, vnd

pytestmark = pytest.mark.django_db


def lines(rows, *fields):
    return {row.key: tuple(getattr(row, field) for field in fields) for row in rows}


def test_the_statement_of_a_small_ledger(built_ledger, period):
    date_from, date_to = period
    statement = fund_statement(built_ledger, date_from=date_from, date_to=date_to)

    assert statement.opening.total == vnd(1_000_000)
    assert lines(statement.receipts_by_kind, "gifts", "donors", "value") == {
        "cash": (2, 2, vnd(5_200_000)),  # the refunded gift is received here and refunded below
        "in_kind": (1, 1, vnd(400_000)),
        "scholarship": (1, 1, vnd(3_000_000)),
        "supplies": (1, 1, vnd(500_000)),
    }
    assert lines(statement.receipts_by_donor_type, "gifts", "donors", "value") == {
        "organisation": (3, 1, vnd(8_500_000)),
        "person": (2, 1, vnd(600_000)),
    }
    assert (statement.gifts, statement.donors, statement.receipts_total) == (5, 2, vnd(9_100_000))

    assert lines(statement.allocations_by_kind, "allocations", "people", "value") == {
        "cash": (2, 1, vnd(1_300_000)),  # child B's cash was reversed: only child A counts
        "in_kind": (0, 0, vnd(0)),
        "scholarship": (1, 1, vnd(2_000_000)),
        "supplies": (1, 1, vnd(100_000)),
    }
    assert lines(statement.allocations_by_programme, "allocations", "people", "value") == {
        "disability": (2, 1, vnd(2_300_000)),
        "orphan": (2, 1, vnd(1_100_000)),
    }
    assert (statement.allocations, statement.people_helped, statement.allocations_total) == (4, 2, vnd(3_400_000))

    assert [(r.reverses, r.key, r.count, r.effect) for r in statement.reversals] == [
        ("allocation", "cash", 1, vnd(300_000)),
        ("donation_received", "cash", 1, vnd(-200_000)),
    ]
    assert lines(statement.adjustments, "count", "effect") == {
        "goods_lost": (1, vnd(-40_000)),
        "goods_found": (0, vnd(0)),
    }
    assert statement.closing == vnd(6_760_000)
    assert statement.ledger_balance == fund_balance(built_ledger, as_of=date_to).total == vnd(6_760_000)
    assert statement.ledger_balance == fund_balance(built_ledger).total  # nothing after today
    assert statement.reconciles
    assert (statement.ledger_closing.cash, statement.goods_in_stock) == (vnd(6_000_000), vnd(760_000))
    assert statement.restricted == fund_available(built_ledger)
    assert statement.restricted.scholarship_restricted == vnd(1_000_000)
    assert statement.restricted.unrestricted_cash == vnd(5_000_000)


def test_periods_split_at_the_ledger_date_and_add_up(built_ledger, period):
    date_from, date_to = period
    middle = days_ago(95)  # after child A's payment, before child B's scholarship
    first = fund_statement(built_ledger, date_from=date_from, date_to=middle)
    second = fund_statement(built_ledger, date_from=middle + datetime.timedelta(days=1), date_to=date_to)
    whole = fund_statement(built_ledger, date_from=date_from, date_to=date_to)

    assert first.reconciles and second.reconciles
    assert first.ledger_balance == second.opening.total
    assert first.allocations_total == vnd(1_000_000) and second.allocations_total == vnd(2_400_000)
    assert first.receipts_total + second.receipts_total == whole.receipts_total
    assert first.reversals == ()  # both reversals are dated today
    assert first.people_helped == 1 and second.people_helped == 2


def test_a_reversal_after_the_period_leaves_the_person_counted_in_it(built_ledger):
    # Child B's 300.000 was paid 80 days ago and reversed today: a statement ending yesterday
    # shows it paid, to someone.
    statement = fund_statement(built_ledger, date_from=days_ago(85), date_to=days_ago(75))
    (cash,) = (line for line in statement.allocations_by_kind if line.key == "cash")
    assert (cash.allocations, cash.people, cash.value) == (1, 1, vnd(300_000))
    assert statement.reconciles


def test_an_empty_period_is_its_opening_balance(built_ledger):
    statement = fund_statement(built_ledger, date_from=days_ago(250), date_to=days_ago(240))
    assert statement.gifts == 0 and statement.allocations == 0 and statement.reversals == ()
    assert statement.opening.total == statement.closing == statement.ledger_balance == vnd(1_000_000)


def test_a_posting_the_statement_does_not_know_makes_the_check_fail(built_ledger, period):
    # A kind of posting that no line shows (one added later, or written by hand): the lines no
    # longer add up to the ledger, and the check says so rather than hide it.
    with transaction.atomic():
        ledger_post(
            fund=built_ledger,
            kind="correction",
            entries=[
                Entry(AccountRole.BANK, "debit", vnd(1_000)),
                Entry(AccountRole.INCOME_CASH, "credit", vnd(1_000)),
            ],
            description="A kind no statement line shows",
            date=days_ago(10),
        )
    statement = fund_statement(built_ledger, date_from=period[0], date_to=period[1])
    assert statement.ledger_balance - statement.closing == vnd(1_000)
    assert not statement.reconciles


def test_it_reads_a_handful_of_queries_whatever_the_postings(built_ledger, period):
    with CaptureQueriesContext(connection) as queries:
        fund_statement(built_ledger, date_from=period[0], date_to=period[1])
    assert len(queries) <= 12  # the figures, the late entries and whether the period is closed
    assert not any("care_" in query["sql"] for query in queries), "a statement never reads care's tables"


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (datetime.date(2026, 2, 1), datetime.date(2026, 1, 31)),
        (timezone.now(), datetime.date(2026, 12, 31)),
        ("2026-01-01", datetime.date(2026, 12, 31)),
    ],
)
def test_a_period_that_is_not_two_dates_in_order_is_refused(fund, date_from, date_to):
    with pytest.raises(FundError):
        fund_statement(fund, date_from=date_from, date_to=date_to)
