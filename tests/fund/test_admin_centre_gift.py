"""Screens for the fund services that had none: a cash gift received at the centre (a donor on
file or a new one), cancelling a pledge, refunding a gift (a card gift: sent to the screen that
asks Stripe for the refund), and closing and reopening a campaign, which the public site then honours."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from djmoney.money import Money
from wagtail.models import ModelLogEntry

from audit.models import AuditEntry
from donors.models import Donor
from fund.errors import FundError
from fund.models import Campaign, Donation, Posting
from fund.selectors import fund_balances
from fund.services import (
    campaign_close,
    campaign_create,
    campaign_reopen,
    centre_gift_record,
    donation_receive,
    donation_record,
    fund_update,
)
from fund.services.giving import ONCE, gift_from_public_form
from staff.services import roles_sync
from tests.support.roles import role_only_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def clients(db):
    roles_sync()
    return {
        "accountant": role_only_client("Fund accountant", "fa"),
        "manager": role_only_client("Fund manager", "fm"),
        "auditor": role_only_client("Auditor", "au"),
        "case_worker": role_only_client("Case worker", "cw"),
    }


@pytest.fixture
def campaign(fund):
    return campaign_create(fund=fund, name="Áo ấm mùa đông", slug="ao-am", starts_on=timezone.localdate())


def refused(response) -> bool:
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


# --- A cash gift received at the centre ------------------------------------------------------


def test_a_cash_gift_for_a_donor_on_file_is_received_and_posted_to_cash_on_hand(clients, fund, donor, campaign):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = clients["accountant"].post(
        "/admin/fund/gifts/record-at-centre/",
        {
            "donor": donor.pk,
            "new_donor_kind": "person",
            "fund": fund.pk,
            "campaign": campaign.pk,
            "amount": "500000",
            "received_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    gift = Donation.objects.get()
    assert (gift.status, gift.channel, gift.kind, gift.donor, gift.campaign) == (
        "received",
        "cash",
        "cash",
        donor,
        campaign,
    )
    assert timezone.localdate(gift.received_at) == yesterday and gift.amount == Money(500000, "VND")
    assert fund_balances([fund])[fund.pk].cash == Money(500000, "VND")
    assert response["Location"] == f"/admin/fund/gifts/inspect/{gift.pk}/"
    assert list(ModelLogEntry.objects.filter(object_id=str(gift.pk)).values_list("action", flat=True)) == [
        "fund.gift_record_centre"
    ]


def test_a_cash_gift_from_a_new_donor_creates_the_donor_with_it(clients, fund):
    response = clients["accountant"].post(
        "/admin/fund/gifts/record-at-centre/",
        {
            "new_donor_kind": "organisation",
            "new_donor_name": "Hội Phụ nữ xã",
            "new_donor_phone": "0912345678",
            "fund": fund.pk,
            "amount": "2000000",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    gift = Donation.objects.get()
    assert gift.donor.name == "Hội Phụ nữ xã" and gift.donor.kind == "organisation"


def test_a_bad_centre_gift_writes_nothing(clients, fund, donor):
    base = {"new_donor_kind": "person", "fund": fund.pk, "received_on": timezone.localdate().isoformat()}
    cases = [
        {"donor": donor.pk, "amount": "-1"},  # negative
        {"donor": donor.pk, "amount": "10.5"},  # dong have no decimals
        {"donor": donor.pk, "new_donor_name": "Both", "amount": "1000"},  # two donors
        {"amount": "1000"},  # no donor
        {"donor": donor.pk, "amount": "1000", "received_on": (timezone.localdate() + datetime.timedelta(days=1))},
    ]
    donors_before = Donor.objects.count()
    for case in cases:
        response = clients["accountant"].post("/admin/fund/gifts/record-at-centre/", {**base, **case})
        assert response.status_code == 200 and response.context["form"].errors, case
    assert Donation.objects.count() == 0 and Posting.objects.count() == 0 and Donor.objects.count() == donors_before


def test_a_gift_to_a_closed_campaign_is_refused_at_the_centre(fund, donor, campaign):
    campaign_close(campaign=campaign)
    with pytest.raises(FundError, match="closed"):
        centre_gift_record(fund=fund, donor=donor, campaign=campaign, amount="1000", received_on=timezone.localdate())
    assert Donation.objects.count() == 0


def test_only_the_accountant_records_a_centre_gift(clients, fund, donor):
    data = {"donor": donor.pk, "new_donor_kind": "person", "fund": fund.pk, "amount": "1000"}
    data["received_on"] = timezone.localdate().isoformat()
    for role in ("manager", "auditor", "case_worker"):
        assert refused(clients[role].post("/admin/fund/gifts/record-at-centre/", data)), role
    assert Donation.objects.count() == 0
    listing = clients["accountant"].get("/admin/fund/gifts/").content.decode()
    assert "/admin/fund/gifts/record-at-centre/" in listing
    assert "/admin/fund/gifts/record-at-centre/" not in clients["auditor"].get("/admin/fund/gifts/").content.decode()


# --- Cancel a pledge, refund a gift ----------------------------------------------------------


def test_cancel_a_pledge_through_the_screen(clients, fund, donor):
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="300000")
    assert f"/admin/fund/gifts/cancel/{pledge.pk}/" in clients["accountant"].get("/admin/fund/gifts/").content.decode()
    response = clients["accountant"].post(f"/admin/fund/gifts/cancel/{pledge.pk}/", {"reason": "Donor changed plan"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == "cancelled"
    assert AuditEntry.objects.filter(action="donation.cancel", data__reason="Donor changed plan").exists()
    # Cancelling it again is refused on the form.
    response = clients["accountant"].post(f"/admin/fund/gifts/cancel/{pledge.pk}/", {"reason": "Again"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_refund_a_cash_gift_reverses_its_posting(clients, fund, donor):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="400000")
    donation_receive(donation=gift)
    response = clients["accountant"].post(f"/admin/fund/gifts/refund/{gift.pk}/", {"reason": "Given by mistake"})
    assert response.status_code == 302
    gift.refresh_from_db()
    assert gift.status == "refunded" and fund_balances([fund])[fund.pk].cash == Money(0, "VND")
    history = ModelLogEntry.objects.filter(object_id=str(gift.pk)).values_list("action", flat=True)
    assert list(history) == ["fund.gift_refund"]


def test_a_card_gift_is_not_refunded_here_but_sent_to_its_stripe_refund(clients, fund, donor):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="400000")
    donation_receive(donation=gift)
    stripe_refund = f"/admin/payments/card-payments/refund-gift/{gift.pk}/"
    listing = clients["accountant"].get("/admin/fund/gifts/").content.decode()
    assert f"/admin/fund/gifts/refund/{gift.pk}/" not in listing and stripe_refund in listing
    response = clients["accountant"].post(f"/admin/fund/gifts/refund/{gift.pk}/", {"reason": "Asked"})
    assert response.status_code == 302
    assert response["Location"] == stripe_refund
    gift.refresh_from_db()
    assert gift.status == "received" and not Posting.objects.filter(kind=Posting.Kind.REVERSAL).exists()


def test_a_fund_manager_neither_cancels_nor_refunds(clients, fund, donor):
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="300000")
    assert refused(clients["manager"].post(f"/admin/fund/gifts/cancel/{pledge.pk}/", {"reason": "x"}))
    assert refused(clients["manager"].post(f"/admin/fund/gifts/refund/{pledge.pk}/", {"reason": "x"}))
    pledge.refresh_from_db()
    assert pledge.status == "pledged"


# --- Campaigns: close and reopen -------------------------------------------------------------


def test_close_and_reopen_a_campaign_through_the_screens(clients, campaign):
    manager = clients["manager"]
    assert f"/admin/fund/campaigns/close/{campaign.pk}/" in manager.get("/admin/fund/campaigns/").content.decode()
    assert manager.post(f"/admin/fund/campaigns/close/{campaign.pk}/").status_code == 302
    campaign.refresh_from_db()
    assert not campaign.is_active
    # Closing twice is refused on the form and writes nothing.
    audit_before = AuditEntry.objects.count()
    response = manager.post(f"/admin/fund/campaigns/close/{campaign.pk}/")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert AuditEntry.objects.count() == audit_before
    assert manager.post(f"/admin/fund/campaigns/reopen/{campaign.pk}/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.is_active
    history = sorted(ModelLogEntry.objects.filter(object_id=str(campaign.pk)).values_list("action", flat=True))
    assert history == ["fund.campaign_close", "fund.campaign_reopen"]
    assert refused(clients["accountant"].post(f"/admin/fund/campaigns/close/{campaign.pk}/"))
    assert refused(clients["auditor"].post(f"/admin/fund/campaigns/close/{campaign.pk}/"))


def test_a_campaign_of_a_closed_fund_cannot_reopen(fund, campaign):
    campaign_close(campaign=campaign)
    fund_update(fund=fund, name=fund.name, restricted_purpose=fund.restricted_purpose, is_active=False)
    with pytest.raises(FundError, match="reopen the fund"):
        campaign_reopen(campaign=campaign)
    assert not Campaign.objects.get(pk=campaign.pk).is_active


def public_gift(fund, campaign, frequency=ONCE):
    return gift_from_public_form(
        fund=fund,
        campaign=campaign,
        donor={"kind": "person", "name": "Khách", "email": "khach@example.org"},
        payer=None,
        kind="cash",
        frequency=frequency,
        channel="card" if frequency == "monthly" else "bank_transfer",
        currency="VND",
        amount=Decimal("200000"),
        minimum_vnd=10_000,
        maximum_vnd=50_000_000,
        allow_monthly=True,
    )


def test_a_closed_campaign_takes_no_new_gifts_on_the_public_site(fund, campaign):
    public_gift(fund, campaign)  # open: taken
    campaign_close(campaign=campaign)
    with pytest.raises(FundError, match="has closed and takes no new gifts"):
        public_gift(fund, Campaign.objects.get(pk=campaign.pk))
    with pytest.raises(FundError, match="has closed"):
        public_gift(fund, Campaign.objects.get(pk=campaign.pk), frequency="monthly")
    assert Donation.objects.count() == 1
