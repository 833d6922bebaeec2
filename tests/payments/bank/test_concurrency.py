"""Deliveries that race: a statement import and the bank's notification of the same transfer at
the same moment, and the same file imported twice at once. Real transactions and threads."""

import pytest
from django.test import Client
from djmoney.money import Money
from hordak.models import Transaction

from fund.models import Donation, Posting
from fund.selectors import fund_balance, ledger_problems
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import
from tests.support.concurrency import run_together

from .conftest import days_ago, notification, signed_headers, statement_csv, vn_date


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_and_a_notification_of_one_transfer_receive_the_pledge_once(
    restore_migrated_rows_after_flush, pledge, webhook_secret
):
    for attempt in range(5):  # several rounds: the race must never be won twice
        gift = pledge("500000")
        content = statement_csv([[vn_date(days_ago(0)), "500.000", "", f"UNG HO {gift.reference}", "NGUYEN VAN A"]])
        body = notification(
            {
                "id": f"FT-RACE-{attempt}",
                "booked_at": gift.pledged_at.isoformat(),
                "amount": "500000",
                "currency": "VND",
                "description": f"UNG HO {gift.reference}",
                "counterparty": "NGUYEN VAN A",
            }
        )

        def from_statement(content=content):
            return f"import matched {bank_statement_import(content=content).matched_count}"

        def from_bank(body=body):
            response = Client().post(
                "/payments/bank/webhook/", data=body, content_type="application/json", **signed_headers(body)
            )
            return f"webhook matched {response.json()['matched']}"

        outcomes = run_together(from_statement, from_bank)

        assert len(outcomes) == 2 and all("matched" in outcome for outcome in outcomes), outcomes
        assert sum(int(outcome[-1]) for outcome in outcomes) == 1, outcomes
        assert Posting.objects.filter(donation=gift).count() == 1
        assert Donation.objects.get(pk=gift.pk).status == "received"
        lines = BankTransaction.objects.filter(description=f"UNG HO {gift.reference}")
        assert sorted(lines.values_list("status", flat=True)) == ["matched", "review"]
        assert "already received" in lines.get(status="review").reason
    assert Transaction.objects.count() == 5
    assert fund_balance(gift.fund).cash == Money(2_500_000, "VND")
    assert ledger_problems().problems == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_imported_twice_at_once_stores_each_line_once(restore_migrated_rows_after_flush, pledge):
    gifts = [pledge("100000"), pledge("200000"), pledge("300000")]
    day = vn_date(days_ago(0))
    rows = [[day, f"{gift.amount.amount:.0f}", "", gift.reference, "A"] for gift in gifts]
    rows += [[day, "50.000", "", "ung ho", "B"]] * 2
    content = statement_csv(rows)

    def job():
        statement = bank_statement_import(content=content)
        return f"new={statement.new_count} matched={statement.matched_count}"

    outcomes = run_together(job, job, job)

    assert outcomes == ["new=0 matched=0", "new=0 matched=0", "new=5 matched=3"], outcomes
    assert BankTransaction.objects.count() == 5
    assert Posting.objects.count() == 3
    assert ledger_problems().problems == []
