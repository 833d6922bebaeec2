"""Saving through a service in the admin fills the object's History tab, as Wagtail's own save does."""

import pytest
from wagtail.models import ModelLogEntry

from audit.models import AuditEntry
from donors.models import Donor
from fund.models import Campaign, Fund

pytestmark = pytest.mark.django_db


def history(admin_client, url: str) -> str:
    response = admin_client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_creating_and_editing_a_fund_shows_in_its_history(admin_client, admin_user):
    created = admin_client.post(
        "/admin/fund/funds/new/",
        {"name": "Typhoon Appeal", "code": "TYP", "currency": "VND", "restricted_purpose": "", "is_active": "on"},
    )
    assert created.status_code == 302
    fund = Fund.objects.get(code="TYP")
    edited = admin_client.post(
        f"/admin/fund/funds/edit/{fund.pk}/",
        {"name": "Typhoon Appeal 2026", "restricted_purpose": "Families", "is_active": "on"},
    )
    assert edited.status_code == 302
    entries = ModelLogEntry.objects.for_instance(fund).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [
        ("wagtail.create", admin_user.pk),
        ("wagtail.edit", admin_user.pk),
    ]
    html = history(admin_client, f"/admin/fund/funds/history/{fund.pk}/")
    assert html.count("<tr") >= 3  # a header row and the two entries


def test_editing_a_donor_shows_in_its_history(admin_client, admin_user, organisation):
    response = admin_client.post(
        f"/admin/donors/edit/{organisation.pk}/",
        {
            "kind": "organisation",
            "name": organisation.name,
            "tax_code": organisation.tax_code,
            "contact_person": "Người Liên Hệ Mới",
            "email": organisation.email,
            "phone": "",
            "address": "",
            "preferred_language": "vi",
        },
    )
    assert response.status_code == 302
    (entry,) = ModelLogEntry.objects.for_instance(Donor.objects.get(pk=organisation.pk))
    assert (entry.action, entry.user_id, entry.content_changed) == ("wagtail.edit", admin_user.pk, True)
    assert organisation.name in history(admin_client, f"/admin/donors/history/{organisation.pk}/")


def test_creating_and_editing_a_campaign_shows_in_its_history(admin_client, admin_user, fund):
    created = admin_client.post(
        "/admin/fund/campaigns/new/",
        {
            "fund": fund.pk,
            "name": "Tết 2027",
            "slug": "tet-2027",
            "starts_on": "2027-01-15",
            "ends_on": "",
            "goal_0": "500000000",
            "goal_1": "VND",
        },
    )
    assert created.status_code == 302, created.content.decode()[-2000:]
    campaign = Campaign.objects.get(slug="tet-2027")
    edited = admin_client.post(
        f"/admin/fund/campaigns/edit/{campaign.pk}/",
        {
            "name": "Tết 2027 cho trẻ em",
            "starts_on": "2027-01-15",
            "ends_on": "2027-02-15",
            "goal_0": "600000000",
            "goal_1": "VND",
            "is_active": "on",
        },
    )
    assert edited.status_code == 302, edited.content.decode()[-2000:]
    campaign.refresh_from_db()
    assert campaign.name == "Tết 2027 cho trẻ em" and campaign.goal.amount == 600000000
    entries = ModelLogEntry.objects.for_instance(campaign).order_by("timestamp")
    assert [(e.action, e.user_id) for e in entries] == [
        ("wagtail.create", admin_user.pk),
        ("wagtail.edit", admin_user.pk),
    ]
    audit = AuditEntry.objects.filter(object_type="fund.campaign", object_id=str(campaign.pk)).order_by("at", "id")
    assert [(a.action, a.actor_id) for a in audit] == [
        ("campaign.create", admin_user.pk),
        ("campaign.update", admin_user.pk),
    ]
    assert audit.last().data == {"fields": ["name", "ends_on", "goal"]}
    html = history(admin_client, f"/admin/fund/campaigns/history/{campaign.pk}/")
    assert html.count("<tr") >= 3  # a header row and the two entries
