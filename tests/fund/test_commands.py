"""check_ledger, end to end through call_command: it finds a transaction changed behind the
triggers' back (the demo's clean check is in tests/demo)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fund.models import LedgerCheck, Posting
from fund.services import donation_receive, donation_record
from tests.support.seeding import check_ledger, flush_deferred_checks

pytestmark = pytest.mark.django_db


def test_check_ledger_reports_a_tampered_transaction(fund, donor):
    # A few gifts are ledger enough (the demo's whole year is checked in tests/demo).
    for amount in ("500000", "1200000", "300000"):
        donation_receive(
            donation=donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount=amount)
        )
    flush_deferred_checks()
    assert "Ledger OK" in check_ledger()
    posting = Posting.objects.filter(fund=fund, kind=Posting.Kind.DONATION_RECEIVED).order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE hordak_leg DISABLE TRIGGER hordak_leg_append_only")
        # Both legs in one statement: still balanced, so hordak's own trigger lets it through.
        cursor.execute(
            "UPDATE hordak_leg SET debit = debit + 10000, credit = credit + 10000 WHERE transaction_id = %s",
            [posting.transaction_id],
        )
        assert cursor.rowcount == 2
        cursor.execute("ALTER TABLE hordak_leg ENABLE TRIGGER hordak_leg_append_only")

    out = StringIO()
    with pytest.raises(CommandError, match=r"^\d+ ledger problem\(s\) found$"):
        call_command("check_ledger", stdout=out)
    output = out.getvalue()
    assert "Ledger OK" not in output
    assert f"Posting {posting.pk}: transaction {posting.transaction_id} differs" in output
    assert f"Gift {posting.donation.reference} is worth" in output
    assert not LedgerCheck.objects.order_by("pk").last().ok
