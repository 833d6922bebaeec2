"""Campaigns are written through campaign_create / campaign_update: one audit entry each, the goal
in the fund's currency, the period in order, and a refused update changes nothing."""

import datetime
from decimal import Decimal

import pytest
from djmoney.money import Money

from audit.models import AuditEntry
from fund.errors import FundError
from fund.models import Campaign
from fund.services import campaign_create, campaign_update, fund_create

pytestmark = pytest.mark.django_db

JAN = datetime.date(2027, 1, 15)


@pytest.fixture
def campaign(fund):
    return campaign_create(fund=fund, name="Tết 2027", slug="tet-2027", starts_on=JAN, goal="500000000")


def update(campaign, **changes):
    fields = {"name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on}
    fields |= {"goal": campaign.goal, "is_active": campaign.is_active}
    return campaign_update(campaign=campaign, **(fields | changes))


def test_an_update_saves_what_changed_with_one_audit_entry(campaign):
    update(campaign, ends_on=datetime.date(2027, 2, 15), goal=Money(Decimal("600000000"), "VND"), is_active=False)
    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.ends_on, stored.goal, stored.is_active) == (
        datetime.date(2027, 2, 15),
        Money(Decimal("600000000"), "VND"),
        False,
    )
    (entry,) = AuditEntry.objects.filter(action="campaign.update")
    assert entry.data == {"fields": ["ends_on", "goal", "is_active"]}


def test_an_update_that_changes_nothing_writes_nothing(campaign):
    update(campaign)
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_on": JAN - datetime.timedelta(days=1)},  # ends before it starts
        {"goal": Money(Decimal("100"), "USD")},  # not the fund's currency
        {"goal": "0"},
        {"name": "   "},
    ],
)
def test_a_refused_update_leaves_the_campaign_as_it_was(campaign, changes):
    before = Campaign.objects.values().get(pk=campaign.pk)
    with pytest.raises(FundError):
        update(campaign, **changes)
    assert Campaign.objects.values().get(pk=campaign.pk) == before
    assert (campaign.name, campaign.ends_on, campaign.goal) == (before["name"], before["ends_on"], campaign.goal)
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


def test_a_campaign_cannot_end_before_it_starts(fund):
    with pytest.raises(FundError) as refused:
        campaign_create(fund=fund, name="Late", slug="late", starts_on=JAN, ends_on=JAN - datetime.timedelta(days=1))
    assert "ends_on" in refused.value.message_dict
    assert not Campaign.objects.exists()


def test_a_goal_set_later_is_stored_in_the_funds_currency():
    dollars = fund_create(name="Scholarships abroad", code="SCH", currency="USD")
    campaign = campaign_create(fund=dollars, name="Books", slug="books", starts_on=JAN)
    update(campaign, goal="2500.50")
    assert Campaign.objects.get(pk=campaign.pk).goal == Money(Decimal("2500.50"), "USD")
