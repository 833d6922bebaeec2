"""Recording gifts and moving them through their life, through the services only.

Bad input is refused with a fund.errors class and writes nothing; a received gift is in the
ledger exactly once, balanced, on the accounts its channel and kind name; refunds reverse."""

import datetime
import re
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from djmoney.money import Money
from hordak.models import Account, Leg, Transaction

from audit.models import AuditEntry
from donors.models import Donor
from fund.digests import transaction_digest
from fund.errors import (
    ExchangeRateRequired,
    FundError,
    InvalidAmount,
    InvalidLines,
    InvalidTransition,
    UnknownCurrency,
)
from fund.models import AccountRole, Campaign, Donation, DonationLine, Fund, FundAccount, Posting
from fund.selectors import fund_balance
from fund.services import (
    campaign_create,
    donation_cancel,
    donation_receive,
    donation_record,
    donation_refund,
    fund_create,
    fund_update,
)

# --- helpers -------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    """Every table a service could write to."""
    return {
        "donations": Donation.objects.count(),
        "lines": DonationLine.objects.count(),
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "postings": Posting.objects.count(),
        "audit": AuditEntry.objects.count(),
        "donors": Donor.objects.count(),
        "funds": Fund.objects.count(),
        "campaigns": Campaign.objects.count(),
        "accounts": Account.objects.count(),
        "fund_accounts": FundAccount.objects.count(),
    }


def posting_legs(posting: Posting) -> list[tuple[str, str, Money]]:
    """(role, side, money) of each leg of a posting, by role."""
    roles = dict(FundAccount.objects.filter(fund=posting.fund).values_list("account_id", "role"))
    return sorted(
        (
            str(roles[leg.account_id]),
            "debit" if leg.debit is not None else "credit",
            leg.debit if leg.debit is not None else leg.credit,
        )
        for leg in Leg.objects.filter(transaction_id=posting.transaction_id)
    )


def receipt_of(donation: Donation) -> Posting:
    return Posting.objects.get(donation=donation, kind=Posting.Kind.DONATION_RECEIVED)


RICE = {"description": "Rice", "quantity": "50", "unit": "kg", "fair_value": "1000000"}
MILK = {"description": "Powdered milk", "quantity": "12.5", "unit": "box", "fair_value": "2400000"}


@pytest.fixture
def usd_fund(db):
    return fund_create(name="Scholarship Dollar Fund", code="SDF", currency="USD")


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="accountant", password="x")  # noqa: S106


# --- bad input: refused with a clear error, nothing written --------------------------------

CASH = {"kind": "cash", "channel": "bank_transfer", "amount": "500000"}
GOODS = {"kind": "in_kind", "channel": "in_kind_delivery", "lines": [RICE]}
SCHOLARSHIP = {
    "kind": "scholarship",
    "channel": "bank_transfer",
    "amount": "6000000",
    "scholarship_count": 2,
    "school_year": "2026-2027",
}


def _line(**changes):
    line = dict(RICE)
    for key, value in changes.items():
        if value is _MISSING:
            line.pop(key)
        else:
            line[key] = value
    return line


_MISSING = object()

BAD_INPUT = [
    # amounts
    pytest.param(CASH | {"amount": "-1"}, InvalidAmount, "greater than zero", id="negative"),
    pytest.param(CASH | {"amount": "0"}, InvalidAmount, "greater than zero", id="zero"),
    pytest.param(CASH | {"amount": 0}, InvalidAmount, "greater than zero", id="zero-int"),
    pytest.param(CASH | {"amount": 500000.0}, InvalidAmount, "not a float", id="float"),
    pytest.param(CASH | {"amount": "five hundred"}, InvalidAmount, "not a number", id="non-numeric"),
    pytest.param(CASH | {"amount": "NaN"}, InvalidAmount, "finite", id="nan"),
    pytest.param(CASH | {"amount": "Infinity"}, InvalidAmount, "finite", id="infinity"),
    pytest.param(CASH | {"amount": "-Infinity"}, InvalidAmount, "finite", id="minus-infinity"),
    pytest.param(CASH | {"amount": "100.5"}, InvalidAmount, "at most 0 decimal places", id="vnd-decimals"),
    pytest.param(CASH | {"amount": "1000000000000000"}, InvalidAmount, "larger than any gift", id="huge"),
    pytest.param(CASH | {"amount": "1" + "0" * 18}, InvalidAmount, "larger than any gift", id="huge"),
    pytest.param(CASH | {"amount": "1e18"}, InvalidAmount, "is not a number", id="exponent-notation"),
    pytest.param(CASH | {"amount": "500,000"}, InvalidAmount, "without thousands separators", id="separators"),
    pytest.param(CASH | {"amount": None}, InvalidAmount, "required", id="missing-amount"),
    pytest.param(CASH | {"amount": ""}, InvalidAmount, "required", id="empty-amount"),
    # currencies and rates
    pytest.param(CASH | {"currency": "XYZ"}, UnknownCurrency, "XYZ", id="currency-xyz"),
    pytest.param(CASH | {"currency": "EUR"}, UnknownCurrency, "EUR", id="currency-eur"),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50"}, ExchangeRateRequired, "exchange rate", id="usd-no-rate"
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50", "exchange_rate": ""},
        ExchangeRateRequired,
        "exchange rate",
        id="usd-empty-rate",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50", "exchange_rate": "0"},
        ExchangeRateRequired,
        "positive",
        id="usd-zero-rate",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50", "exchange_rate": "-25000"},
        ExchangeRateRequired,
        "positive",
        id="usd-negative-rate",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50", "exchange_rate": 25000.0},
        InvalidAmount,
        "not a float",
        id="usd-float-rate",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.50", "exchange_rate": "NaN"},
        InvalidAmount,
        "finite",
        id="usd-nan-rate",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "20.505", "exchange_rate": "25000"},
        InvalidAmount,
        "at most 2 decimal places",
        id="usd-three-decimals",
    ),
    pytest.param(
        CASH | {"currency": "USD", "amount": "0.01", "exchange_rate": "0.0001"},
        InvalidAmount,
        "worth nothing",
        id="usd-worth-nothing",
    ),
    pytest.param(CASH | {"exchange_rate": "1"}, FundError, "only when", id="rate-same-currency"),
    # kind and channel
    pytest.param(CASH | {"kind": "bitcoin"}, FundError, "Unknown kind", id="unknown-kind"),
    pytest.param(CASH | {"kind": None}, FundError, "Unknown kind", id="no-kind"),
    pytest.param(CASH | {"channel": "paypal"}, FundError, "Unknown channel", id="unknown-channel"),
    pytest.param(CASH | {"channel": "in_kind_delivery"}, FundError, "Goods arrive", id="cash-as-delivery"),
    pytest.param(GOODS | {"channel": "card"}, FundError, "Goods arrive", id="goods-by-card"),
    pytest.param(
        GOODS | {"kind": "supplies", "channel": "bank_transfer"}, FundError, "Goods arrive", id="supplies-by-bank"
    ),
    # cash vs goods
    pytest.param(CASH | {"lines": [RICE]}, InvalidLines, "for goods", id="lines-for-cash"),
    pytest.param(GOODS | {"amount": "1000000"}, InvalidAmount, "do not give an amount", id="amount-for-goods"),
    # goods lines
    pytest.param(GOODS | {"lines": []}, InvalidLines, "at least one line", id="no-lines"),
    pytest.param(GOODS | {"lines": None}, InvalidLines, "at least one line", id="lines-none"),
    pytest.param(GOODS | {"lines": [_line(quantity=_MISSING)]}, InvalidLines, "quantity is required", id="no-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity="")]}, InvalidLines, "quantity is required", id="empty-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity="0")]}, InvalidLines, "above zero", id="zero-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity=0)]}, InvalidLines, "above zero", id="zero-int-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity="-3")]}, InvalidLines, "above zero", id="negative-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity="lots")]}, InvalidLines, "not a number", id="text-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity=2.5)]}, InvalidLines, "not a number", id="float-qty"),
    pytest.param(GOODS | {"lines": [_line(quantity="0.0001")]}, InvalidLines, "3 decimals", id="qty-4-decimals"),
    pytest.param(GOODS | {"lines": [_line(unit=_MISSING)]}, InvalidLines, "give a unit", id="no-unit"),
    pytest.param(GOODS | {"lines": [_line(unit="  ")]}, InvalidLines, "give a unit", id="blank-unit"),
    pytest.param(GOODS | {"lines": [_line(unit="x" * 21)]}, InvalidLines, "give a unit", id="long-unit"),
    pytest.param(GOODS | {"lines": [_line(description=_MISSING)]}, InvalidLines, "describe", id="no-description"),
    pytest.param(GOODS | {"lines": [_line(description=" ")]}, InvalidLines, "describe", id="blank-description"),
    pytest.param(GOODS | {"lines": [_line(description="x" * 201)]}, InvalidLines, "describe", id="long-desc"),
    pytest.param(GOODS | {"lines": [_line(fair_value="0")]}, InvalidLines, "greater than zero", id="zero-value"),
    pytest.param(GOODS | {"lines": [_line(fair_value="-1")]}, InvalidLines, "greater than zero", id="neg-value"),
    pytest.param(GOODS | {"lines": [_line(fair_value=_MISSING)]}, InvalidLines, "not a number", id="no-value"),
    pytest.param(GOODS | {"lines": [_line(fair_value="100.5")]}, InvalidLines, "decimal places", id="value-dec"),
    pytest.param(GOODS | {"lines": [RICE, _line(quantity="0")]}, InvalidLines, "Line 2", id="second-line-bad"),
    pytest.param(GOODS | {"lines": [RICE] * 201}, InvalidLines, "At most 200", id="too-many-lines"),
    pytest.param(
        GOODS | {"lines": [_line(fair_value="600000000000000")] * 2},
        InvalidAmount,
        "larger than any gift",
        id="goods-total-huge",
    ),
    # scholarships
    pytest.param(SCHOLARSHIP | {"scholarship_count": None}, FundError, "number of scholarships", id="sch-no-count"),
    pytest.param(SCHOLARSHIP | {"scholarship_count": 0}, FundError, "number of scholarships", id="sch-zero"),
    pytest.param(SCHOLARSHIP | {"scholarship_count": "2"}, FundError, "number of scholarships", id="sch-text"),
    pytest.param(SCHOLARSHIP | {"scholarship_count": True}, FundError, "number of scholarships", id="sch-bool"),
    pytest.param(SCHOLARSHIP | {"scholarship_count": 10_001}, FundError, "number of scholarships", id="sch-many"),
    pytest.param(SCHOLARSHIP | {"school_year": "2026-2028"}, FundError, "YYYY-YYYY", id="year-gap"),
    pytest.param(SCHOLARSHIP | {"school_year": "2026"}, FundError, "YYYY-YYYY", id="year-single"),
    pytest.param(SCHOLARSHIP | {"school_year": "2027-2026"}, FundError, "YYYY-YYYY", id="year-backwards"),
    pytest.param(SCHOLARSHIP | {"school_year": ""}, FundError, "YYYY-YYYY", id="year-missing"),
    pytest.param(CASH | {"scholarship_count": 1}, FundError, "scholarship gifts only", id="count-on-cash"),
    pytest.param(CASH | {"school_year": "2026-2027"}, FundError, "scholarship gifts only", id="year-on-cash"),
    # the rest
    pytest.param(CASH | {"message": "x" * 1001}, FundError, "1,000 characters", id="message-too-long"),
    pytest.param(
        CASH | {"message": "Thanks\x00"},
        FundError,
        "message",
        id="nul-in-message",
    ),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_INPUT)
def test_bad_gift_is_refused_and_writes_nothing(fund, donor, now, kwargs, error, message):
    before = counts()
    for received_at in (None, now):  # as a pledge, and as received (which would post to the ledger)
        with pytest.raises(error) as exc_info:
            donation_record(fund=fund, donor=donor, received_at=received_at, **kwargs)
        assert message in exc_info.value.message
        assert counts() == before


def test_message_of_exactly_1000_characters_is_accepted(fund, donor):
    donation = donation_record(fund=fund, donor=donor, message=" " + "x" * 1000 + " ", **CASH)
    assert len(donation.message) == 1000


def test_gift_received_in_the_future_is_refused(fund, donor, now):
    before = counts()
    with pytest.raises(FundError, match="future"):
        donation_record(fund=fund, donor=donor, received_at=now + datetime.timedelta(hours=1), **CASH)
    assert counts() == before


def test_campaign_of_another_fund_is_refused(fund, other_fund, donor):
    campaign = campaign_create(fund=other_fund, name="Tết 2027", slug="tet-2027", starts_on=datetime.date(2027, 1, 1))
    before = counts()
    with pytest.raises(FundError, match="belongs to another fund"):
        donation_record(fund=fund, donor=donor, campaign=campaign, **CASH)
    assert counts() == before
    # the same campaign is fine for its own fund
    donation = donation_record(fund=other_fund, donor=donor, campaign=campaign, **CASH)
    assert donation.campaign == campaign


def test_inactive_fund_takes_no_gifts(fund, donor, now):
    fund_update(fund=fund, name=fund.name, restricted_purpose=fund.restricted_purpose, is_active=False)
    before = counts()
    for received_at in (None, now):
        with pytest.raises(FundError, match="closed"):
            donation_record(fund=fund, donor=donor, received_at=received_at, **CASH)
    assert counts() == before


def test_usd_gift_to_vnd_fund_posts_amount_times_rate(fund, donor, now):
    donation = donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="card",
        amount="20.50",
        currency="USD",
        exchange_rate="25000",
        received_at=now,
    )
    donation.refresh_from_db()
    assert donation.amount == Money("20.50", "USD")
    assert donation.exchange_rate == Decimal("25000")
    assert donation.fund_value == Money(512_500, "VND")
    assert posting_legs(receipt_of(donation)) == [
        ("card_clearing", "debit", Money(512_500, "VND")),
        ("income_cash", "credit", Money(512_500, "VND")),
    ]


@pytest.mark.parametrize(
    ("amount", "rate", "posted"),
    [
        ("1.00", "24500.5", 24_501),  # half-up, not half-even (24500)
        ("10.01", "23456.5", 234_800),  # 234799.565
        ("3.33", "24000.1", 79_920),  # 79920.333
        ("0.02", "25", 1),  # 0.5 -> 1
    ],
)
def test_converted_gift_is_rounded_half_up_to_whole_vnd(fund, donor, now, amount, rate, posted):
    donation = donation_record(
        fund=fund,
        donor=donor,
        currency="USD",
        amount=amount,
        exchange_rate=rate,
        received_at=now,
        kind="cash",
        channel="bank_transfer",
    )
    legs = posting_legs(receipt_of(donation))
    assert [money for _role, _side, money in legs] == [Money(posted, "VND")] * 2
    donation.refresh_from_db()
    assert donation.fund_value == Money(posted, "VND")


def test_vnd_gift_to_usd_fund_is_converted_to_cents(usd_fund, donor, now):
    donation = donation_record(
        fund=usd_fund,
        donor=donor,
        kind="cash",
        channel="bank_transfer",
        amount="1000000",
        currency="VND",
        exchange_rate="0.00004",
        received_at=now,
    )
    assert posting_legs(receipt_of(donation)) == [
        ("bank", "debit", Money("40.00", "USD")),
        ("income_cash", "credit", Money("40.00", "USD")),
    ]
    assert fund_balance(usd_fund).cash == Money("40.00", "USD")


def test_usd_fund_takes_usd_cents_without_a_rate(usd_fund, donor, now):
    donation = donation_record(fund=usd_fund, donor=donor, kind="cash", channel="card", amount="20.50", received_at=now)
    assert donation.amount == Money("20.50", "USD")
    assert donation.exchange_rate is None
    assert fund_balance(usd_fund).cash == Money("20.50", "USD")


def test_exchange_rate_with_more_decimals_than_stored_is_refused_or_consistent(usd_fund, donor, now):
    try:
        donation = donation_record(
            fund=usd_fund,
            donor=donor,
            kind="cash",
            channel="bank_transfer",
            amount="10000000",
            currency="VND",
            exchange_rate="0.00003929273",  # 1 / 25450, as a bank statement gives it
            received_at=now,
        )
    except FundError:
        return  # refusing the over-precise rate is an acceptable answer
    donation.refresh_from_db()
    posted = posting_legs(receipt_of(donation))[0][2]
    assert posted == donation.fund_value, f"ledger holds {posted}, the gift says {donation.fund_value}"


def test_a_vnd_gift_to_a_usd_fund_keeps_a_precise_rate(usd_fund, donor, now):
    donation = donation_record(
        fund=usd_fund,
        donor=donor,
        kind="cash",
        channel="bank_transfer",
        amount="10000000",
        currency="VND",
        exchange_rate="0.0000392927",  # about 1 / 25450: needs 10 decimals to stay within 0.001 %
        received_at=now,
    )
    donation.refresh_from_db()
    assert donation.fund_value == Money("392.93", "USD")
    assert posting_legs(receipt_of(donation))[0][2] == donation.fund_value


# --- lifecycle -----------------------------------------------------------------------------


def test_pledge_writes_the_gift_and_an_audit_entry_but_no_ledger_rows(fund, donor, user):
    before = counts()
    donation = donation_record(fund=fund, donor=donor, actor=user, message="  Chúc các em mạnh khỏe  ", **CASH)
    donation.refresh_from_db()
    assert donation.status == Donation.Status.PLEDGED
    assert donation.amount == Money(500_000, "VND")
    assert donation.received_at is None
    assert donation.message == "Chúc các em mạnh khỏe"
    assert donation.created_by == user
    assert donation.is_anonymous is donor.anonymous_by_default is True
    assert re.fullmatch(r"CT[2-9A-HJ-NP-Z]{8}", donation.reference)
    after = counts()
    assert after["donations"] == before["donations"] + 1
    assert after["audit"] == before["audit"] + 1
    for table in ("transactions", "legs", "postings", "lines"):
        assert after[table] == before[table], table
    entry = AuditEntry.objects.get(action="donation.record", object_id=str(donation.pk))
    assert entry.actor == user
    assert entry.object_type == "fund.donation"
    assert entry.data == {"reference": donation.reference, "status": "pledged", "amount": str(donation.amount)}


@pytest.mark.parametrize(
    ("kind", "channel", "extra", "asset", "income"),
    [
        ("cash", "bank_transfer", {"amount": "500000"}, "bank", "income_cash"),
        ("cash", "card", {"amount": "500000"}, "card_clearing", "income_cash"),
        ("cash", "cash", {"amount": "500000"}, "cash_on_hand", "income_cash"),
        (
            "scholarship",
            "bank_transfer",
            {"amount": "500000", "scholarship_count": 1, "school_year": "2026-2027"},
            "bank",
            "income_scholarship",
        ),
        (
            "in_kind",
            "in_kind_delivery",
            {"lines": [_line(fair_value="300000"), _line(description="Beans", fair_value="200000")]},
            "goods_stock",
            "income_in_kind",
        ),
        ("supplies", "in_kind_delivery", {"lines": [_line(fair_value="500000")]}, "goods_stock", "income_supplies"),
    ],
)
def test_receive_posts_one_balanced_transaction_on_the_right_accounts(
    fund, donor, user, kind, channel, extra, asset, income
):
    pledge = donation_record(fund=fund, donor=donor, kind=kind, channel=channel, **extra)
    before = counts()
    received_at = timezone.now() - datetime.timedelta(days=2)

    donation = donation_receive(donation=pledge, received_at=received_at, actor=user)

    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED
    assert donation.received_at == received_at
    after = counts()
    assert after["transactions"] == before["transactions"] + 1
    assert after["legs"] == before["legs"] + 2
    assert after["postings"] == before["postings"] + 1
    posting = receipt_of(donation)
    assert posting.fund == fund
    assert posting.created_by == user
    assert posting_legs(posting) == sorted(
        [(asset, "debit", Money(500_000, "VND")), (income, "credit", Money(500_000, "VND"))]
    )
    assert posting.digest == transaction_digest(posting.transaction_id)
    assert posting.transaction.date == timezone.localdate(received_at)
    assert donation.reference in posting.transaction.description
    assert AuditEntry.objects.filter(action="donation.receive", object_id=str(donation.pk), actor=user).count() == 1
    balance = fund_balance(fund)
    assert balance.received == Money(500_000, "VND")
    assert balance.total == Money(500_000, "VND")


def test_recording_a_gift_as_received_posts_it_at_once(fund, donor, now):
    donation = donation_record(fund=fund, donor=donor, received_at=now, **CASH)
    assert Donation.objects.get(pk=donation.pk).status == Donation.Status.RECEIVED
    assert posting_legs(receipt_of(donation)) == [
        ("bank", "debit", Money(500_000, "VND")),
        ("income_cash", "credit", Money(500_000, "VND")),
    ]


def test_receiving_twice_is_refused_and_posts_once(fund, donor):
    pledge = donation_record(fund=fund, donor=donor, **CASH)
    donation_receive(donation=pledge)
    before = counts()
    with pytest.raises(InvalidTransition, match="received, not pledged"):
        donation_receive(donation=pledge)
    assert counts() == before
    assert Posting.objects.filter(donation=pledge).count() == 1
    assert fund_balance(fund).total == Money(500_000, "VND")


def test_receive_refuses_a_date_in_the_future(fund, donor):
    pledge = donation_record(fund=fund, donor=donor, **CASH)
    before = counts()
    with pytest.raises(FundError, match="future"):
        donation_receive(donation=pledge, received_at=timezone.now() + datetime.timedelta(days=30))
    assert counts() == before


def test_cancel_only_from_pledged(fund, donor, user):
    pledge = donation_record(fund=fund, donor=donor, **CASH)
    before = counts()
    cancelled = donation_cancel(donation=pledge, reason="  Donor changed their mind  ", actor=user)
    cancelled.refresh_from_db()
    assert cancelled.status == Donation.Status.CANCELLED
    assert cancelled.closed_at is not None
    after = counts()
    assert after["audit"] == before["audit"] + 1
    assert after["postings"] == before["postings"]
    entry = AuditEntry.objects.get(action="donation.cancel", object_id=str(pledge.pk))
    assert entry.data == {"reason": "Donor changed their mind"}
    assert entry.actor == user

    before = counts()
    with pytest.raises(InvalidTransition):
        donation_cancel(donation=pledge, reason="again")
    with pytest.raises(InvalidTransition):
        donation_receive(donation=pledge)
    with pytest.raises(InvalidTransition):
        donation_refund(donation=pledge, reason="never arrived")
    assert counts() == before


def test_received_gift_cannot_be_cancelled(fund, donor, now):
    donation = donation_record(fund=fund, donor=donor, received_at=now, **CASH)
    before = counts()
    with pytest.raises(InvalidTransition, match="Only a pledge"):
        donation_cancel(donation=donation, reason="oops")
    assert counts() == before
    assert Donation.objects.get(pk=donation.pk).status == Donation.Status.RECEIVED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_cancel_and_refund_need_a_reason(fund, donor, now, reason):
    pledge = donation_record(fund=fund, donor=donor, **CASH)
    received = donation_record(fund=fund, donor=donor, received_at=now, **CASH)
    before = counts()
    with pytest.raises(FundError, match="Say why"):
        donation_cancel(donation=pledge, reason=reason)
    with pytest.raises(FundError, match="Say why"):
        donation_refund(donation=received, reason=reason)
    assert counts() == before
    assert Donation.objects.get(pk=pledge.pk).status == Donation.Status.PLEDGED
    assert Donation.objects.get(pk=received.pk).status == Donation.Status.RECEIVED


def test_refund_posts_a_mirrored_reversal_and_restores_the_balance(fund, donor, now, user):
    earlier = donation_record(fund=fund, donor=donor, received_at=now, kind="cash", channel="cash", amount="70000")
    prior = fund_balance(fund)
    assert prior.total == Money(70_000, "VND")
    donation = donation_record(fund=fund, donor=donor, received_at=now, kind="cash", channel="card", amount="300000")
    assert fund_balance(fund).total == Money(370_000, "VND")
    before = counts()

    refunded = donation_refund(donation=donation, reason="Card dispute lost", actor=user)

    refunded.refresh_from_db()
    assert refunded.status == Donation.Status.REFUNDED
    assert refunded.closed_at is not None
    after = counts()
    assert after["transactions"] == before["transactions"] + 1
    assert after["legs"] == before["legs"] + 2
    assert after["postings"] == before["postings"] + 1
    original = receipt_of(donation)
    reversal = Posting.objects.get(kind=Posting.Kind.REVERSAL, donation=donation)
    assert reversal.reverses == original
    assert reversal.reason == "Card dispute lost"
    assert reversal.created_by == user
    assert reversal.digest == transaction_digest(reversal.transaction_id)
    mirrored = [(role, "credit" if side == "debit" else "debit", money) for role, side, money in posting_legs(original)]
    assert posting_legs(reversal) == sorted(mirrored)
    assert posting_legs(reversal) == [
        ("card_clearing", "credit", Money(300_000, "VND")),
        ("income_cash", "debit", Money(300_000, "VND")),
    ]
    assert fund_balance(fund) == prior
    assert AuditEntry.objects.filter(action="donation.refund", object_id=str(donation.pk)).count() == 1
    # the earlier gift is untouched
    assert Posting.objects.filter(donation=earlier).count() == 1

    before = counts()
    with pytest.raises(InvalidTransition, match="Only a received gift"):
        donation_refund(donation=donation, reason="again")
    assert counts() == before
    assert Posting.objects.filter(kind=Posting.Kind.REVERSAL, donation=donation).count() == 1
    assert fund_balance(fund) == prior


def test_a_pledge_cannot_be_refunded(fund, donor):
    pledge = donation_record(fund=fund, donor=donor, **CASH)
    before = counts()
    with pytest.raises(InvalidTransition, match="Only a received gift"):
        donation_refund(donation=pledge, reason="?")
    assert counts() == before


def test_goods_value_is_the_sum_of_line_values_and_enters_goods_stock(fund, donor, now):
    before = counts()
    donation = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[RICE, MILK, {"description": " Blankets ", "quantity": 20, "unit": " piece ", "fair_value": 1_500_000}],
        received_at=now,
    )
    donation.refresh_from_db()
    assert donation.amount == Money(4_900_000, "VND")
    lines = list(donation.lines.values_list("description", "quantity", "unit", "fair_value"))
    assert lines == [
        ("Rice", Decimal("50.000"), "kg", Decimal("1000000.00")),
        ("Powdered milk", Decimal("12.500"), "box", Decimal("2400000.00")),
        ("Blankets", Decimal("20.000"), "piece", Decimal("1500000.00")),
    ]
    assert counts()["lines"] == before["lines"] + 3
    assert posting_legs(receipt_of(donation)) == [
        ("goods_stock", "debit", Money(4_900_000, "VND")),
        ("income_in_kind", "credit", Money(4_900_000, "VND")),
    ]
    balance = fund_balance(fund)
    assert balance.goods == Money(4_900_000, "VND")
    assert balance.cash == Money(0, "VND")


def test_goods_in_usd_to_a_vnd_fund_are_converted(fund, donor, now):
    donation = donation_record(
        fund=fund,
        donor=donor,
        kind="supplies",
        channel="in_kind_delivery",
        currency="USD",
        exchange_rate="25000",
        lines=[{"description": "Notebooks", "quantity": "100", "unit": "piece", "fair_value": "45.50"}],
        received_at=now,
    )
    assert donation.amount == Money("45.50", "USD")
    assert fund_balance(fund).goods == Money(1_137_500, "VND")


def test_is_anonymous_follows_the_donor_unless_given(fund, donor):
    assert donation_record(fund=fund, donor=donor, **CASH).is_anonymous is True
    assert donation_record(fund=fund, donor=donor, is_anonymous=False, **CASH).is_anonymous is False


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_receives_of_one_pledge_post_exactly_once(restore_migrated_rows_after_flush, fund, donor):
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="250000")
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def receive():
        try:
            barrier.wait(timeout=10)
            donation_receive(donation=Donation(pk=pledge.pk))
            outcome = "received"
        except InvalidTransition:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=receive) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["received"] + ["refused"] * 7, outcomes
    assert Posting.objects.filter(donation=pledge).count() == 1
    assert Transaction.objects.count() == 1
    assert Leg.objects.count() == 2
    assert Donation.objects.get(pk=pledge.pk).status == Donation.Status.RECEIVED
    assert fund_balance(fund).cash == Money(250_000, "VND")


# --- funds and campaigns -------------------------------------------------------------------


def test_fund_create_opens_one_account_per_role(db):
    fund = fund_create(name="  Elderly Care Fund ", code="ecf", currency="usd")
    assert (fund.name, fund.code, fund.currency) == ("Elderly Care Fund", "ECF", "USD")
    accounts = FundAccount.objects.filter(fund=fund).select_related("account")
    assert sorted(fa.role for fa in accounts) == sorted(AccountRole.values)
    assert {tuple(fa.account.currencies) for fa in accounts} == {("USD",)}
    types = {fa.role: fa.account.type for fa in accounts}
    assert types[AccountRole.BANK] == "AS"
    assert types[AccountRole.INCOME_CASH] == "IN"
    assert types[AccountRole.ALLOCATED_CASH] == "EX"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "New", "code": "X"}, FundError),
        ({"name": "New", "code": "1AB"}, FundError),
        ({"name": "New", "code": "AB1"}, FundError),  # digits would blur hordak's joined account codes
        ({"name": "New", "code": "AB-1"}, FundError),
        ({"name": "New", "code": "TOOLONG"}, FundError),
        ({"name": "New", "code": ""}, FundError),
        ({"name": "", "code": "NEW"}, FundError),
        ({"name": "New", "code": "CPF"}, FundError),  # taken
        ({"name": "Children's Protection Fund", "code": "NEW"}, FundError),  # taken
        ({"name": "New", "code": "NEW", "currency": "EUR"}, UnknownCurrency),
        pytest.param(
            {"name": "New", "code": "NEW", "restricted_purpose": "x" * 2001},
            FundError,
            id="purpose-too-long",
        ),
    ],
)
def test_bad_fund_is_refused_and_writes_nothing(fund, kwargs, error):
    before = counts()
    with pytest.raises(error):
        fund_create(**kwargs)
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"goal": "0"}, InvalidAmount),
        ({"goal": "-5"}, InvalidAmount),
        ({"goal": 1.5}, InvalidAmount),
        ({"goal": "100.5"}, InvalidAmount),
        ({"goal": "abc"}, InvalidAmount),
        ({"ends_on": datetime.date(2026, 12, 31)}, FundError),  # before it starts
        ({"slug": "taken"}, FundError),
        ({"slug": "not a slug!"}, FundError),
        ({"name": "  "}, FundError),
    ],
)
def test_bad_campaign_is_refused_and_writes_nothing(fund, kwargs, error):
    campaign_create(fund=fund, name="Existing", slug="taken", starts_on=datetime.date(2026, 1, 1))
    before = counts()
    with pytest.raises(error):
        campaign_create(
            **({"fund": fund, "name": "Tết", "slug": "tet", "starts_on": datetime.date(2027, 1, 1)} | kwargs)
        )
    assert counts() == before


def test_campaign_goal_is_in_the_fund_currency(fund):
    campaign = campaign_create(fund=fund, name="Tết", slug="tet", starts_on=datetime.date(2027, 1, 1), goal="50000000")
    campaign.refresh_from_db()
    assert campaign.goal == Money(50_000_000, "VND")
