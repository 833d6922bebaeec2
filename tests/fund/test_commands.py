"""check_ledger, end to end through call_command, on the demo centre (tests/support/seeding.py)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from hordak.models import Transaction

from fund.models import LedgerCheck, Posting
from tests.support.seeding import check_ledger, seed

pytestmark = pytest.mark.django_db


def test_check_ledger_passes_after_seeding():
    seed()
    with translation.override("vi"):  # from a shell the command speaks the site's language
        output = check_ledger()
    assert "Ledger OK" in output
    assert f"{Transaction.objects.count()} transaction(s) checked" in output
    assert "1.900.000.000 ₫" in output
    assert LedgerCheck.objects.get().ok


def test_check_ledger_reports_a_tampered_transaction():
    seed()
    posting = Posting.objects.filter(fund__code="CPF", kind=Posting.Kind.DONATION_RECEIVED).order_by("id").first()
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
    assert not LedgerCheck.objects.get().ok
