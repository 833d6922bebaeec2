"""Public gifts: donors found or created, fee cover, minimums, monthly gifts, instalments."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from donors.models import Donor
from fund.errors import FundError
from fund.models import Commitment, Donation, RecurringGift
from fund.services.giving import (
    card_fee_estimate,
    commitment_create,
    gift_pledge,
    public_exchange_rate,
    recurring_gift_create,
)

PERSON = {"kind": "person", "name": "Đỗ Thị Lan", "email": "lan@example.org", "preferred_language": "vi"}


def test_pledge_creates_donor_and_gift(fund):
    gift = gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="bank_transfer", amount="500000")
    assert gift.status == Donation.Status.PLEDGED
    assert gift.donor.email == "lan@example.org"
    assert gift.amount.amount == Decimal("500000")


def test_same_email_but_other_name_is_another_donor(fund):
    gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="bank_transfer", amount="500000")
    gift_pledge(
        fund=fund, donor={**PERSON, "name": "Someone Else"}, kind="cash", channel="bank_transfer", amount="500000"
    )
    gift_pledge(
        fund=fund, donor={**PERSON, "email": "LAN@example.org"}, kind="cash", channel="bank_transfer", amount="1000000"
    )
    assert Donor.objects.count() == 2


def test_fee_cover_is_added_and_recorded(fund):
    fee = card_fee_estimate("500000", "VND")
    # 500,000 / (1 - 0.034) - 500,000 = 17,598.34..., rounded up to the đồng.
    assert fee == Decimal("17599")
    gift = gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="card", amount="500000", cover_fee=True)
    assert gift.amount.amount == Decimal("517599")
    assert gift.fee_cover == Decimal("17599")


def test_fee_cover_in_usd_has_cents():
    assert card_fee_estimate("20", "USD") == Decimal("1.02")


def test_fee_cover_only_for_cards(fund):
    with pytest.raises(FundError):
        gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="bank_transfer", amount="500000", cover_fee=True)
    assert Donation.objects.count() == 0


@pytest.mark.parametrize("amount", ["9999", "0", "-5", "1e6", "abc", 5.5])
def test_public_minimum_and_bad_amounts_write_nothing(fund, amount):
    audits = AuditEntry.objects.count()
    with pytest.raises(FundError):
        gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="bank_transfer", amount=amount)
    assert Donation.objects.count() == 0
    assert Donor.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_usd_card_gift_is_recorded_at_the_configured_rate(fund, settings):
    settings.PUBLIC_EXCHANGE_RATES = {"USD_VND": "25400"}
    gift = gift_pledge(fund=fund, donor=PERSON, kind="cash", channel="card", amount="20", currency="USD")
    assert gift.exchange_rate == Decimal("25400")
    assert gift.fund_value.amount == Decimal("508000")


def test_unknown_rate_refuses_the_currency(fund, settings):
    settings.PUBLIC_EXCHANGE_RATES = {}
    with pytest.raises(FundError):
        public_exchange_rate("USD", fund)


def test_scholarship_amount_is_count_times_each(fund):
    gift = gift_pledge(
        fund=fund,
        donor=PERSON,
        kind="scholarship",
        channel="bank_transfer",
        scholarship_count=4,
        scholarship_amount="1500000",
        school_year="2026-2027",
    )
    assert gift.amount.amount == Decimal("6000000")


def test_payer_is_kept_apart_from_credited_donor(fund):
    company = {
        "kind": "organisation",
        "name": "Công ty A",
        "tax_code": "0100109106",
        "contact_person": "B",
        "email": "a@x.vn",
    }
    gift = gift_pledge(fund=fund, donor=company, payer=PERSON, kind="cash", channel="bank_transfer", amount="2000000")
    assert gift.donor.kind == Donor.Kind.ORGANISATION
    assert gift.payer.name == PERSON["name"]


def test_goods_pledge_in_the_past_is_refused(fund):
    with pytest.raises(FundError):
        gift_pledge(
            fund=fund,
            donor=PERSON,
            kind="in_kind",
            channel="in_kind_delivery",
            lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "200000"}],
            expected_on=timezone.localdate() - datetime.timedelta(days=1),
        )


def test_recurring_gift_waits_for_first_payment(fund):
    gift = recurring_gift_create(fund=fund, donor=PERSON, amount="300000")
    assert gift.status == RecurringGift.Status.INCOMPLETE
    assert gift.amount.amount == Decimal("300000")
    assert Donation.objects.count() == 0


def test_commitment_splits_total_and_last_takes_the_rest(fund, organisation):
    first = timezone.localdate() + datetime.timedelta(days=10)
    commitment = commitment_create(
        fund=fund, donor=organisation, total="100000000", instalments=3, frequency="quarterly", first_due_on=first
    )
    gifts = list(commitment.donations.order_by("expected_on"))
    assert [g.amount.amount for g in gifts] == [Decimal("33333333"), Decimal("33333333"), Decimal("33333334")]
    assert sum(g.amount.amount for g in gifts) == Decimal("100000000")
    assert gifts[1].expected_on.month == (first.month + 2) % 12 + 1
    assert all(g.status == Donation.Status.PLEDGED and g.channel == "bank_transfer" for g in gifts)


def test_commitment_month_end_dates_clamp():
    from fund.services import giving

    assert giving._add_months(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert giving._add_months(datetime.date(2027, 11, 30), 3) == datetime.date(2028, 2, 29)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"instalments": 1},
        {"instalments": 500},
        {"instalments": True},
        {"frequency": "weekly"},
        {"channel": "card"},
        {"total": "2", "instalments": 3},
    ],
)
def test_bad_commitments_write_nothing(fund, organisation, kwargs):
    args = {
        "fund": fund,
        "donor": organisation,
        "total": "30000000",
        "instalments": 3,
        "frequency": "yearly",
        "first_due_on": timezone.localdate() + datetime.timedelta(days=1),
        **kwargs,
    }
    with pytest.raises(FundError):
        commitment_create(**args)
    assert Commitment.objects.count() == 0
    assert Donation.objects.count() == 0
