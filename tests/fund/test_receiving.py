"""Receiving many pledges at once (fund.services.receiving.donations_receive, through
fund.services.ledger_batch.ledger_post_many) writes exactly what donation_receive writes one gift
at a time: the same gift, transaction, legs, posting, digest, audit entry and signal; refuses as a
whole, writing nothing; and check_ledger finds nothing to say about the result."""

import datetime

import pytest
from djmoney.money import Money
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.errors import FundError, InvalidTransition
from fund.models import Donation, FundAccount, Posting
from fund.selectors import fund_balance
from fund.selectors.ledger_checks import ledger_problems
from fund.services import donation_receive, donation_record, fund_create, period_close
from fund.services.receiving import donations_receive
from fund.signals import donation_received
from staff.services import roles_sync
from tests.support.periods import month_before, noon
from tests.support.roles import role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(db):
    roles_sync()
    return role_user("Fund accountant", "accountant")


def pledge(fund, donor, amount="500000", channel="card", kind="cash"):
    return donation_record(fund=fund, donor=donor, kind=kind, channel=channel, amount=amount)


def rows() -> dict[str, int]:
    return {
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "postings": Posting.objects.count(),
        "audit": AuditEntry.objects.count(),
        "received": Donation.objects.filter(status=Donation.Status.RECEIVED).count(),
    }


def written(gift: Donation) -> dict:
    """What receiving wrote for one gift, without its ids and times of writing."""
    gift = Donation.objects.get(pk=gift.pk)
    posting = Posting.objects.select_related("transaction").get(donation=gift)
    roles = dict(FundAccount.objects.filter(fund=gift.fund).values_list("account_id", "role"))
    return {
        "gift": (gift.status, gift.channel, gift.received_at, gift.amount),
        "posting": (posting.kind, posting.fund_id, posting.occurred_on, posting.created_by_id),
        "transaction": (posting.transaction.date, posting.transaction.description.replace(gift.reference, "REF")),
        "legs": sorted(
            (roles[leg.account_id], leg.debit, leg.credit)
            for leg in Leg.objects.filter(transaction=posting.transaction)
        ),
        "audit": list(
            AuditEntry.objects.filter(action="donation.receive", object_id=str(gift.pk)).values_list("actor_id", "data")
        ),
    }


def test_a_batch_writes_what_receiving_one_at_a_time_writes(fund, donor, other_fund, accountant):
    at = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
    singles = [pledge(fund, donor, "200000"), pledge(other_fund, donor, "300000", channel="bank_transfer")]
    batch = [pledge(fund, donor, "200000"), pledge(other_fund, donor, "300000", channel="bank_transfer")]
    for gift in singles:
        donation_receive(donation=gift, received_at=at, channel="card", actor=accountant)
    before = rows()

    received = donations_receive(receipts=[(gift, at) for gift in batch], channel="card", actor=accountant)

    assert [gift.pk for gift in received] == sorted(gift.pk for gift in batch)
    grown = {"transactions": 2, "legs": 4, "postings": 2, "audit": 2, "received": 2}
    assert rows() == {key: value + grown[key] for key, value in before.items()}
    for single, batched in zip(singles, batch, strict=True):
        assert written(batched) == written(single)
    assert written(batch[1])["audit"] == [(accountant.pk, {"channel": "bank_transfer -> card"})]
    assert fund_balance(fund).received == Money(400_000, "VND")
    assert ledger_problems().problems == []  # digests, day totals, balances, postings per gift


def test_each_gift_keeps_its_own_time_and_day(fund, donor):
    gifts = [pledge(fund, donor) for _ in range(3)]
    times = [noon(datetime.date(2026, 11, day)) for day in (3, 4, 5)]
    donations_receive(receipts=list(zip(gifts, times, strict=True)), channel="card")
    for gift, at in zip(gifts, times, strict=True):
        gift.refresh_from_db()
        assert gift.received_at == at
        assert Posting.objects.get(donation=gift).transaction.date == at.date()
    assert ledger_problems().problems == []


def test_every_gift_is_announced_as_received(fund, donor):
    gifts = [pledge(fund, donor) for _ in range(3)]
    announced = []

    def listen(sender, donation, **kwargs):
        announced.append(donation.pk)

    donation_received.connect(listen)
    try:
        donations_receive(receipts=[(gift, noon(datetime.date(2026, 11, 2))) for gift in gifts], channel="card")
    finally:
        donation_received.disconnect(listen)
    assert sorted(announced) == sorted(gift.pk for gift in gifts)


@pytest.mark.parametrize("refused", ["received", "goods", "twice", "future", "in_kind_channel"])
def test_one_gift_that_cannot_be_received_refuses_the_batch_and_nothing_is_written(fund, donor, now, refused):
    gifts = [pledge(fund, donor) for _ in range(2)]
    at = now - datetime.timedelta(hours=1)
    receipts = [(gift, at) for gift in gifts]
    channel = "card"
    if refused == "received":
        donation_receive(donation=gifts[1])
    elif refused == "goods":
        goods = donation_record(
            fund=fund,
            donor=donor,
            kind="supplies",
            channel="in_kind_delivery",
            lines=[{"description": "Vở", "quantity": "10", "unit": "quyển", "fair_value": "100000"}],
        )
        receipts.append((goods, at))
    elif refused == "twice":
        receipts.append((gifts[0], at))
    elif refused == "future":
        receipts[1] = (gifts[1], now + datetime.timedelta(days=1))
    else:
        channel = "in_kind_delivery"
    before = rows()
    with pytest.raises(FundError) as refusal:
        donations_receive(receipts=receipts, channel=channel)
    assert refusal.value.messages
    assert rows() == before
    assert Donation.objects.get(pk=gifts[0].pk).status == Donation.Status.PLEDGED
    if refused == "received":
        assert isinstance(refusal.value, InvalidTransition)


def test_a_charge_dated_in_a_closed_period_is_posted_late_into_the_open_one(fund, donor, accountant):
    start, end = month_before(1)
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="100000", received_at=noon(start))
    period_close(starts_on=start, ends_on=end, actor=accountant)
    gift = pledge(fund, donor)
    gift.pledged_at = noon(end) - datetime.timedelta(hours=1)

    donations_receive(receipts=[(gift, noon(end))], channel="card", late_into_open_period=True)

    posting = Posting.objects.get(donation=gift)
    assert posting.occurred_on == end
    assert posting.transaction.date > end
    assert f"happened on {end.isoformat()}" in posting.transaction.description
    assert ledger_problems().problems == []

    other = pledge(fund, donor)
    before = rows()
    with pytest.raises(FundError, match="closed"):
        donations_receive(receipts=[(other, noon(end))], channel="card")
    assert rows() == before


def test_an_empty_batch_writes_nothing(fund):
    before = rows()
    assert donations_receive(receipts=[], channel="card") == []
    assert rows() == before


def test_usd_gifts_are_posted_in_their_fund_s_currency(donor):
    usd = fund_create(name="Scholarship Dollar Fund", code="SDF", currency="USD")
    gift = donation_record(fund=usd, donor=donor, kind="cash", channel="card", amount="12.34", currency="USD")
    donations_receive(receipts=[(gift, noon(datetime.date(2026, 11, 2)))], channel="card")
    legs = Leg.objects.filter(transaction=Posting.objects.get(donation=gift).transaction)
    assert sorted(str(leg.debit or leg.credit) for leg in legs) == ["$12.34", "$12.34"]
    assert ledger_problems().problems == []
