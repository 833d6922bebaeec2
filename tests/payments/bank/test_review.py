"""The review queue: match by hand (at the amount transferred when it differs), mark not a gift,
record an unannounced transfer as a new gift. Each audited; a matched line is final."""

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money

from audit.models import AuditEntry
from fund.errors import FundError, InvalidAmount, InvalidTransition
from fund.models import Donation, Posting
from fund.selectors import fund_balance, ledger_problems
from fund.services import donation_cancel, donation_receive, donation_record
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import
from payments.services.bank_review import (
    bank_transaction_ignore,
    bank_transaction_record_gift,
    bank_transaction_resolve,
)

from .conftest import days_ago, statement_csv, table_counts, vn_date


def line_for(amount: str, description: str = "ung ho", days: int = 1) -> BankTransaction:
    bank_statement_import(content=statement_csv([[vn_date(days_ago(days)), amount, "", description, "X"]]))
    return BankTransaction.objects.order_by("-pk").first()


def test_a_partial_transfer_is_received_at_the_amount_transferred_when_accepted(pledge, user):
    gift = pledge("1000000")
    line = line_for("600.000", f"{gift.reference} dot 1")
    assert line.status == "review"
    before = table_counts()

    with pytest.raises(InvalidAmount, match="pledged 1.000.000 ₫ but the transfer is 600.000 ₫"):
        bank_transaction_resolve(transaction=line, donation=gift, accept_amount=False, actor=user)
    assert table_counts() == before

    resolved = bank_transaction_resolve(transaction=line, donation=gift, accept_amount=True, actor=user)

    gift.refresh_from_db()
    assert (gift.status, gift.amount, gift.channel) == ("received", Money(600_000, "VND"), "bank_transfer")
    assert (resolved.status, resolved.donation, resolved.resolved_by) == ("matched", gift, user)
    assert resolved.reason == "Matched by hand, received at the amount transferred (pledged 1,000,000 ₫)."
    assert fund_balance(gift.fund).cash == Money(600_000, "VND")
    entry = AuditEntry.objects.get(action="bank_transaction.resolve")
    assert entry.data == {"gift": gift.reference, "pledged": "1000000.00", "received": "600000.00"}
    assert AuditEntry.objects.get(action="donation.receive").data == {"amount": "1000000.00 -> 600000"}

    other = pledge("600000")
    with pytest.raises(InvalidTransition, match=f"already matched to gift {gift.reference}"):
        bank_transaction_resolve(transaction=line, donation=other, actor=user)
    with pytest.raises(InvalidTransition, match="already matched"):
        bank_transaction_ignore(transaction=line, reason="oops", actor=user)
    assert ledger_problems().problems == []


def test_an_ambiguous_line_is_matched_by_hand_to_the_right_pledge(pledge, user):
    first, second = pledge("250000"), pledge("250000")
    line = line_for("250.000")
    assert "2 bank-transfer pledges" in line.reason
    bank_transaction_resolve(transaction=line, donation=second, actor=user)
    assert Donation.objects.get(pk=second.pk).status == "received"
    assert Donation.objects.get(pk=first.pk).status == "pledged"
    assert BankTransaction.objects.get(pk=line.pk).reason == "Matched by hand."


@pytest.mark.parametrize("state", ["received", "cancelled", "goods", "usd"])
def test_resolving_to_a_gift_that_cannot_take_the_transfer_is_refused(pledge, fund, donor, usd_fund, user, state):
    line = line_for("500.000")
    if state == "goods":
        gift = donation_record(
            fund=fund,
            donor=donor,
            kind="in_kind",
            channel="in_kind_delivery",
            lines=[{"description": "Rice", "quantity": "1", "unit": "kg", "fair_value": "500000"}],
        )
    elif state == "usd":
        gift = donation_record(fund=usd_fund, donor=donor, kind="cash", channel="bank_transfer", amount="20")
    else:
        gift = pledge("500000", days=60)
        if state == "received":
            donation_receive(donation=gift)
        else:
            donation_cancel(donation=gift, reason="changed mind")
    before = table_counts()
    with pytest.raises(FundError):
        bank_transaction_resolve(transaction=line, donation=gift, accept_amount=True, actor=user)
    assert table_counts() == before
    assert BankTransaction.objects.get(pk=line.pk).status == "review"


def test_ignore_needs_a_reason_and_is_audited(db, user):
    line = line_for("12.345", "LAI TIEN GUI")
    with pytest.raises(FundError, match="reason is required"):
        bank_transaction_ignore(transaction=line, reason="  ", actor=user)
    ignored = bank_transaction_ignore(transaction=line, reason="Bank interest", actor=user)
    assert (ignored.status, ignored.reason, ignored.resolved_by) == ("ignored", "Bank interest", user)
    assert AuditEntry.objects.get(action="bank_transaction.ignore").data == {"reason": "Bank interest"}
    with pytest.raises(InvalidTransition, match="already marked not a gift"):
        bank_transaction_ignore(transaction=line, reason="again", actor=user)


def test_an_ignored_line_can_still_be_matched_when_it_was_a_mistake(pledge, user):
    gift = pledge("70000", days=30)
    line = line_for("70.000")
    bank_transaction_ignore(transaction=line, reason="Looked like a refund", actor=user)
    bank_transaction_resolve(transaction=line, donation=gift, actor=user)
    assert BankTransaction.objects.get(pk=line.pk).status == "matched"


def test_an_unannounced_transfer_becomes_a_received_gift(fund, donor, user):
    line = line_for("2.500.000", "CONG TY ABC UNG HO TET", days=2)
    before = table_counts()

    resolved = bank_transaction_record_gift(transaction=line, donor=donor, fund=fund, actor=user)

    gift = resolved.donation
    assert (resolved.status, resolved.reason) == ("matched", "Recorded as a new gift.")
    assert (gift.status, gift.kind, gift.channel, gift.amount) == ("received", "cash", "bank_transfer", line.amount)
    assert gift.received_at == gift.pledged_at
    assert gift.received_at.date() == days_ago(2)
    after = table_counts()
    assert after["donations"] == before["donations"] + 1
    assert after["postings"] == before["postings"] + 1
    assert fund_balance(fund).cash == Money(2_500_000, "VND")
    with pytest.raises(InvalidTransition):
        bank_transaction_record_gift(transaction=line, donor=donor, fund=fund, actor=user)
    assert Posting.objects.count() == 1


def test_recording_a_gift_to_a_fund_in_another_currency_needs_the_rate(usd_fund, donor, user):
    line = line_for("500.000")
    before = table_counts()
    with pytest.raises(FundError, match="exchange rate"):
        bank_transaction_record_gift(transaction=line, donor=donor, fund=usd_fund, actor=user)
    assert table_counts() == before
    bank_transaction_record_gift(transaction=line, donor=donor, fund=usd_fund, exchange_rate="0.00004", actor=user)
    assert fund_balance(usd_fund).cash == Money("20.00", "USD")


def test_the_database_keeps_a_matched_line_matched(pledge):
    gift = pledge("500000")
    line = line_for("500.000", gift.reference)
    assert line.status == "matched"
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.filter(pk=line.pk).update(status="review")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.filter(pk=line.pk).update(amount=1)
