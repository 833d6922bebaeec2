"""People helped are counted by the opaque token on allocation postings: care's number for the
person, never a name; postings made before the token existed get it from care migration 0010."""

import importlib
import re

import pytest
from django.db import connection

from care.models import Allocation
from fund.models import Posting
from fund.selectors import ledger_problems
from fund.selectors.statements import fund_statement

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("care.migrations.0011_allocation_posting_recipients")


def test_allocation_postings_and_their_reversals_carry_the_persons_number_only(built_ledger):
    for allocation in Allocation.objects.filter(posting__isnull=False):
        assert allocation.posting.recipient == f"b:{allocation.beneficiary_id}"
        if allocation.reversal_posting_id:
            assert allocation.reversal_posting.recipient == allocation.posting.recipient
    tokens = set(Posting.objects.exclude(recipient="").values_list("recipient", flat=True))
    assert tokens and all(re.fullmatch(r"b:\d+", token) for token in tokens), tokens
    # Gifts and stock counts name nobody.
    assert not Posting.objects.filter(kind__in=["donation_received", "stock_adjustment"]).exclude(recipient="").exists()


def test_the_migration_fills_the_token_of_older_postings(built_ledger, period):
    before = dict(Posting.objects.values_list("pk", "recipient"))
    people = fund_statement(built_ledger, date_from=period[0], date_to=period[1]).people_helped
    with connection.cursor() as cursor:
        # As a database from before the token: every allocation posting without one.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE fund_posting DISABLE TRIGGER fund_posting_append_only")
        cursor.execute("UPDATE fund_posting SET recipient = ''")
        cursor.execute("ALTER TABLE fund_posting ENABLE TRIGGER fund_posting_append_only")
    assert fund_statement(built_ledger, date_from=period[0], date_to=period[1]).people_helped == 0

    with connection.cursor() as cursor:
        cursor.execute(backfill.FILL)
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'fund_posting_append_only' AND NOT tgisinternal"
        )
        assert cursor.fetchone() == ("O",), "the append-only trigger is on again"

    assert dict(Posting.objects.values_list("pk", "recipient")) == before
    assert fund_statement(built_ledger, date_from=period[0], date_to=period[1]).people_helped == people == 2


def test_check_ledger_finds_a_posting_that_names_someone_else(built_ledger):
    assert ledger_problems().problems == []
    posting = Allocation.objects.filter(status="disbursed").order_by("pk").first().posting
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE fund_posting DISABLE TRIGGER fund_posting_append_only")
        cursor.execute("UPDATE fund_posting SET recipient = 'b:999999' WHERE id = %s", [posting.pk])
        cursor.execute("ALTER TABLE fund_posting ENABLE TRIGGER fund_posting_append_only")
    problems = ledger_problems().problems
    assert any(f"posting {posting.pk} names another recipient" in problem for problem in problems), problems
