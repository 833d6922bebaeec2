"""Receiving a pledge as the money actually arrived: another sum (a partial or larger transfer)
or another way (a card gift abandoned, then paid by transfer). The gift, its posting and the
audit entry all say what arrived; bad input is refused and writes nothing."""

import pytest
from djmoney.money import Money
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.errors import FundError, InvalidAmount
from fund.models import Donation, FundAccount, Posting
from fund.selectors import fund_balance, ledger_problems
from fund.services import donation_receive, donation_record


def counts() -> dict[str, int]:
    return {
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "postings": Posting.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def receipt_legs(donation: Donation) -> list[tuple[str, str, Money]]:
    posting = Posting.objects.get(donation=donation, kind=Posting.Kind.DONATION_RECEIVED)
    roles = dict(FundAccount.objects.filter(fund=posting.fund).values_list("account_id", "role"))
    return sorted(
        (str(roles[leg.account_id]), "debit" if leg.debit is not None else "credit", leg.debit or leg.credit)
        for leg in Leg.objects.filter(transaction_id=posting.transaction_id)
    )


@pytest.fixture
def pledge(fund, donor):
    def make(amount="1000000", channel="bank_transfer", **extra):
        return donation_record(fund=fund, donor=donor, kind="cash", channel=channel, amount=amount, **extra)

    return make


@pytest.mark.parametrize("amount", ["600000", "1500000", Money(600_000, "VND")])
def test_received_at_the_amount_that_arrived(pledge, amount):
    gift = pledge("1000000")
    donation_receive(donation=gift, amount=amount)
    gift.refresh_from_db()
    arrived = amount if isinstance(amount, Money) else Money(amount, "VND")
    assert (gift.status, gift.amount) == ("received", arrived)
    assert receipt_legs(gift) == [("bank", "debit", arrived), ("income_cash", "credit", arrived)]
    assert fund_balance(gift.fund).cash == arrived
    entry = AuditEntry.objects.get(action="donation.receive", object_id=str(gift.pk))
    assert entry.data == {"amount": f"1000000.00 -> {arrived.amount:f}"}
    assert ledger_problems().problems == []


def test_the_pledged_amount_again_is_no_change(pledge):
    gift = pledge("1000000")
    donation_receive(donation=gift, amount="1000000", channel="bank_transfer")
    assert AuditEntry.objects.get(action="donation.receive").data == {}


def test_received_by_another_channel_posts_to_that_channel_s_account(pledge):
    gift = pledge("200000", channel="card")
    donation_receive(donation=gift, channel="bank_transfer")
    gift.refresh_from_db()
    assert gift.channel == "bank_transfer"
    assert receipt_legs(gift) == [
        ("bank", "debit", Money(200_000, "VND")),
        ("income_cash", "credit", Money(200_000, "VND")),
    ]
    assert AuditEntry.objects.get(action="donation.receive").data == {"channel": "card -> bank_transfer"}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"amount": "0"}, InvalidAmount, "greater than zero"),
        ({"amount": "-5"}, InvalidAmount, "greater than zero"),
        ({"amount": 500000.0}, InvalidAmount, "not a float"),
        ({"amount": "100.5"}, InvalidAmount, "decimal places"),
        ({"amount": "1,000"}, InvalidAmount, "not a number"),
        ({"amount": "1" + "0" * 16}, InvalidAmount, "larger than any gift"),
        ({"amount": Money(20, "USD")}, InvalidAmount, "is in USD, not VND"),
        ({"channel": "in_kind_delivery"}, FundError, "Money arrives by card, bank transfer or cash"),
        ({"channel": "paypal"}, FundError, "Unknown channel"),
    ],
)
def test_bad_amount_or_channel_is_refused_and_writes_nothing(pledge, changes, error, message):
    gift = pledge("1000000")
    before = counts()
    with pytest.raises(error, match=message):
        donation_receive(donation=gift, **changes)
    assert counts() == before
    gift.refresh_from_db()
    assert (gift.status, gift.amount, gift.channel) == ("pledged", Money(1_000_000, "VND"), "bank_transfer")


def test_goods_are_received_as_pledged(fund, donor):
    goods = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Rice", "quantity": "10", "unit": "kg", "fair_value": "350000"}],
    )
    before = counts()
    for changes in ({"amount": "300000"}, {"channel": "bank_transfer"}):
        with pytest.raises(FundError, match="Goods are received as pledged"):
            donation_receive(donation=goods, **changes)
    assert counts() == before


def test_a_sum_below_the_card_fee_share_is_refused(fund, donor):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="103400", fee_cover="3400")
    before = counts()
    with pytest.raises(InvalidAmount, match="does not even cover the fee share"):
        donation_receive(donation=gift, amount="3000")
    assert counts() == before


def test_an_amount_in_another_currency_is_refused(pledge):
    gift = pledge()
    with pytest.raises(InvalidAmount, match="is in EUR, not VND"):
        donation_receive(donation=gift, amount=Money(5, "EUR"))
