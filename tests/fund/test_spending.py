"""fund_spend and fund_spend_check: money out of a fund, never overdrawn, scholarship money kept
for scholarships, tagged for statements, and a refusal writes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import translation
from djmoney.money import Money
from hordak.models import Account, Leg

from audit.models import AuditEntry
from fund.errors import FundError
from fund.models import AccountRole, FundAccount, Posting
from fund.selectors import fund_available, fund_balance, ledger_problems
from fund.services import (
    donation_receive,
    donation_record,
    fund_create,
    fund_spend,
    fund_spend_check,
    fund_spend_reverse,
    fund_update,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 9, 1)


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def give(fund, donor, amount, *, kind="cash", channel="bank_transfer"):
    extra = {"scholarship_count": 1, "school_year": "2026-2027"} if kind == "scholarship" else {}
    gift = donation_record(fund=fund, donor=donor, kind=kind, channel=channel, amount=str(amount), **extra)
    donation_receive(donation=gift)
    return gift


@pytest.fixture
def funded(fund, donor):
    """3.000.000 ₫ unrestricted and 5.000.000 ₫ of scholarship gifts, all in the bank, plus
    500.000 ₫ cash on hand."""
    give(fund, donor, 3_000_000)
    give(fund, donor, 5_000_000, kind="scholarship")
    give(fund, donor, 500_000, channel="cash")
    return fund


def spend(fund, amount, purpose="cash", paid_from="bank", **kwargs):
    return fund_spend(
        fund=fund,
        purpose=purpose,
        programme=kwargs.pop("programme", "orphan"),
        reference=kwargs.pop("reference", "test:1"),
        recipient=kwargs.pop("recipient", "b:1"),
        amount=amount if isinstance(amount, Money) else vnd(amount),
        date=TODAY,
        paid_from=paid_from,
        description="Test allocation",
        **kwargs,
    )


def writes() -> tuple[int, int, int]:
    return Posting.objects.count(), Leg.objects.count(), AuditEntry.objects.count()


def test_available_splits_cash_into_restricted_and_unrestricted(funded):
    available = fund_available(funded)
    assert available.cash == vnd(8_500_000)
    assert available.scholarship_restricted == vnd(5_000_000)
    assert available.unrestricted_cash == vnd(3_500_000)
    assert available.bank == vnd(8_000_000)
    assert available.cash_on_hand == vnd(500_000)


def test_a_cash_allocation_posts_tagged_and_grows_allocated(funded):
    posting = spend(funded, 1_000_000, reference="test:7", recipient="b:42")
    assert (posting.kind, posting.purpose, posting.programme, posting.reference, posting.recipient) == (
        "allocation",
        "cash",
        "orphan",
        "test:7",
        "b:42",
    )
    roles = dict(FundAccount.objects.filter(fund=funded).values_list("account_id", "role"))
    legs = {
        (roles[leg.account_id], leg.debit, leg.credit) for leg in Leg.objects.filter(transaction=posting.transaction)
    }
    assert legs == {("allocated_cash", vnd(1_000_000), None), ("bank", None, vnd(1_000_000))}
    assert fund_balance(funded).allocated == vnd(1_000_000)
    assert fund_available(funded).unrestricted_cash == vnd(2_500_000)
    assert AuditEntry.objects.filter(action="fund.spend", object_id=str(posting.pk)).count() == 1
    assert ledger_problems().problems == []


def test_a_scholarship_uses_scholarship_money_first_then_unrestricted(funded):
    posting = spend(funded, 6_000_000, purpose="scholarship")
    roles = dict(FundAccount.objects.filter(fund=funded).values_list("account_id", "role"))
    debits = {
        roles[leg.account_id]: leg.debit
        for leg in Leg.objects.filter(transaction=posting.transaction, debit__isnull=False)
    }
    assert debits == {"allocated_scholarship": vnd(5_000_000), "allocated_cash": vnd(1_000_000)}
    available = fund_available(funded)
    assert available.scholarship_restricted == vnd(0)
    assert available.unrestricted_cash == vnd(2_500_000)
    assert fund_balance(funded).allocated == vnd(6_000_000)
    assert ledger_problems().problems == []


def test_cash_can_never_use_scholarship_money(funded):
    before = writes()
    with translation.override("en"), pytest.raises(FundError) as refused:
        spend(funded, 4_000_000)
    with translation.override("en"):
        message = " ".join(refused.value.messages)
    assert "unrestricted" in message and "3,500,000 ₫" in message and "5,000,000 ₫" in message
    assert writes() == before


@pytest.mark.parametrize(
    ("amount", "purpose", "paid_from"),
    [
        (vnd(0), "cash", "bank"),
        (vnd(-1_000), "cash", "bank"),
        (Money(Decimal("10"), "USD"), "cash", "bank"),
        (vnd(1_000), "in_kind", "bank"),
        (vnd(1_000), "cash", "card_clearing"),
        (vnd(8_600_000), "scholarship", "bank"),  # more than all the cash
        (vnd(600_000), "cash", "cash_on_hand"),  # more than the cash box holds
    ],
)
def test_refusals_write_nothing(funded, amount, purpose, paid_from):
    before = writes()
    with pytest.raises(FundError):
        spend(funded, amount, purpose=purpose, paid_from=paid_from)
    assert writes() == before


@pytest.mark.parametrize("recipient", ["", "Nguyễn Văn An", "b:57 Lan", "57", "b:" + "9" * 40])
def test_the_recipient_is_an_opaque_token_never_a_name(funded, recipient):
    before = writes()
    with translation.override("en"), pytest.raises(FundError, match="recipient"):
        spend(funded, 1_000, recipient=recipient)
    assert writes() == before


def test_a_closed_fund_pays_nothing(funded):
    fund_update(fund=funded, name=funded.name, restricted_purpose="", is_active=False)
    before = writes()
    with translation.override("en"), pytest.raises(FundError, match="closed"):
        spend(funded, 1_000)
    assert writes() == before


def test_the_check_counts_what_is_already_promised(funded):
    with transaction.atomic():
        fund_spend_check(fund=funded, purpose="cash", amount=vnd(3_500_000))
        with pytest.raises(FundError):
            fund_spend_check(fund=funded, purpose="cash", amount=vnd(1), committed_cash=vnd(3_500_000))
        # A scholarship may still use the scholarship money the promised cash does not touch.
        fund_spend_check(fund=funded, purpose="scholarship", amount=vnd(5_000_000), committed_cash=vnd(3_500_000))
        with pytest.raises(FundError):
            fund_spend_check(
                fund=funded,
                purpose="scholarship",
                amount=vnd(1),
                committed_cash=vnd(3_500_000),
                committed_scholarship=vnd(5_000_000),
            )


def test_a_reversal_gives_the_money_back_with_the_same_tags(funded):
    posting = spend(funded, 6_000_000, purpose="scholarship")
    reversal = fund_spend_reverse(posting=posting, reason="Paid twice by mistake")
    assert (reversal.kind, reversal.reverses, reversal.purpose, reversal.reference, reversal.recipient) == (
        "reversal",
        posting,
        "scholarship",
        "test:1",
        "b:1",
    )
    available = fund_available(funded)
    assert available.scholarship_restricted == vnd(5_000_000)
    assert available.cash == vnd(8_500_000)
    assert AuditEntry.objects.filter(action="fund.spend_reverse").count() == 1
    with pytest.raises(FundError):
        fund_spend_reverse(posting=posting, reason="again")
    assert ledger_problems().problems == []


def test_a_fund_opened_before_scholarships_paid_existed_gets_the_account_once(donor):
    """Older funds lack the "Scholarships paid" account: check_ledger accepts that, and the
    first scholarship creates it under the fund's expense node."""
    legacy = fund_create(name="Older Fund", code="OLD")
    account = FundAccount.objects.get(fund=legacy, role=AccountRole.ALLOCATED_SCHOLARSHIP).account
    with connection.cursor() as cursor:  # FundAccount rows are append-only: stand in for an old fund
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM fund_fundaccount WHERE account_id = %s", [account.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    account.delete()
    assert ledger_problems().problems == []
    give(legacy, donor, 2_000_000, kind="scholarship")
    spend(legacy, 1_000_000, purpose="scholarship")
    spend(legacy, 500_000, purpose="scholarship")
    added = Account.objects.filter(fund_account__fund=legacy, fund_account__role="allocated_scholarship")
    assert [a.full_code for a in added] == ["5OLD3"]
    assert fund_available(legacy).scholarship_restricted == vnd(500_000)
    assert ledger_problems().problems == []
