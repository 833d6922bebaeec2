"""Public gifts: donors found or created, fee cover, minimums, monthly gifts, instalments."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from audit.models import AuditEntry
from donors.models import Donor
from fund.errors import FundError, InvalidAmount
from fund.models import Commitment, Donation, RecurringGift
from fund.services import giving
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


# --- one post of the public form (gift_from_public_form) ------------------------------------


def _public(fund, **overrides):
    """What the donation page hands over for one post: the cleaned form and the page's limits."""
    args = {
        "fund": fund,
        "campaign": None,
        "donor": PERSON,
        "payer": None,
        "kind": "cash",
        "frequency": giving.ONCE,
        "channel": "bank_transfer",
        "currency": "VND",
        "amount": Decimal("500000"),
        "minimum_vnd": 20000,
        "maximum_vnd": 50000000,
        "allow_monthly": True,
        **overrides,
    }
    with translation.override("en"):
        return giving.gift_from_public_form(**args)


def _nothing_written():
    assert Donor.objects.count() == 0
    assert Donation.objects.count() == 0
    assert RecurringGift.objects.count() == 0
    assert Commitment.objects.count() == 0


def test_public_one_off_gift_is_a_pledge(fund):
    gift = _public(fund)
    assert isinstance(gift, Donation)
    assert (gift.kind, gift.channel, gift.amount.amount) == ("cash", "bank_transfer", Decimal("500000"))
    assert not gift.fee_cover


def test_public_monthly_gift_is_a_recurring_gift(fund):
    gift = _public(fund, frequency=giving.MONTHLY, channel="card")
    assert isinstance(gift, RecurringGift)
    assert gift.amount.amount == Decimal("500000")
    assert Donation.objects.count() == 0


def test_public_monthly_gift_refused_where_the_page_offers_none(fund):
    with pytest.raises(FundError) as caught:
        _public(fund, frequency=giving.MONTHLY, channel="card", allow_monthly=False)
    # Named by field, so the form shows it beside "how often".
    assert list(caught.value.error_dict) == ["frequency"]
    _nothing_written()


def test_public_instalments_return_the_first_due(fund):
    first = timezone.localdate() + datetime.timedelta(days=3)
    gift = _public(
        fund,
        frequency=giving.INSTALMENTS,
        amount=Decimal("3000000"),
        instalments=3,
        instalment_frequency="monthly",
        first_due_on=first,
    )
    assert gift.expected_on == first
    assert gift.commitment.donations.count() == 3


def test_public_instalments_each_must_reach_the_page_minimum(fund):
    # 90,000 in three is 30,000 each: above the platform's minimum, below this page's.
    with pytest.raises(InvalidAmount, match="The smallest gift here is 40,000 ₫"):
        _public(
            fund,
            frequency=giving.INSTALMENTS,
            amount=Decimal("90000"),
            instalments=3,
            instalment_frequency="monthly",
            first_due_on=timezone.localdate() + datetime.timedelta(days=3),
            minimum_vnd=40000,
        )
    _nothing_written()


def test_public_card_gift_above_the_page_maximum_is_refused_but_a_transfer_is_not(fund):
    with pytest.raises(InvalidAmount, match="By card we can take at most 50,000,000 ₫"):
        _public(fund, channel="card", amount=Decimal("60000000"))
    _nothing_written()
    gift = _public(fund, channel="bank_transfer", amount=Decimal("60000000"))
    assert gift.amount.amount == Decimal("60000000")


def test_public_scholarships_are_bounded_by_their_total(fund):
    with pytest.raises(InvalidAmount, match="By card"):
        _public(
            fund,
            kind="scholarship",
            channel="card",
            amount=None,
            scholarship_count=20,
            scholarship_amount=Decimal("3000000"),
            school_year="2026-2027",
        )
    _nothing_written()


def test_public_goods_are_brought_and_valued_in_dong(fund):
    gift = _public(
        fund,
        kind="supplies",
        channel="card",
        currency="USD",
        amount=None,
        cover_fee=True,
        lines=[{"description": "Vở học sinh", "quantity": Decimal("100"), "unit": "quyển", "fair_value": "800000"}],
    )
    assert (gift.channel, gift.amount.currency.code) == ("in_kind_delivery", "VND")
    assert not gift.fee_cover
    assert [line.description for line in gift.lines.all()] == ["Vở học sinh"]


def test_public_fee_cover_applies_to_cards_only(fund):
    assert not _public(fund, cover_fee=True).fee_cover
    assert _public(fund, channel="card", cover_fee=True).fee_cover > 0
