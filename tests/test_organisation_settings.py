"""The organisation's details and bank account, edited by an administrator in Settings."""

import pytest
from django.contrib.auth.models import User
from wagtail.models import Site

from cms.models import OrganisationSettings


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def url(site):
    return f"/admin/settings/cms/organisationsettings/{site.pk}/"


FORM = {
    "name": "Trung tâm Bảo trợ xã hội Demo",
    "address": "1 Đường Demo, Tỉnh Demo",
    "tax_code": "9900000001",
    "hotline": "0200 000 000",
    "email": "lienhe@example.org",
    "bank_name": "Demo Bank",
    "bank_bin": "970436",
    "bank_account_number": "0071000123456",
    "bank_account_holder": "TRUNG TAM BAO TRO XA HOI DEMO",
}


def test_administrator_sets_the_bank_account_for_transfers(admin_client):
    site = Site.objects.get(is_default_site=True)
    assert admin_client.get(url(site)).status_code == 200
    response = admin_client.post(url(site), FORM)
    assert response.status_code == 302
    saved = OrganisationSettings.for_site(site)
    assert (saved.bank_bin, saved.bank_account_number) == ("970436", "0071000123456")
    assert saved.accepts_bank_transfers


@pytest.mark.parametrize(
    ("field", "value"),
    [("bank_bin", "97043"), ("bank_bin", "ABCDEF"), ("bank_account_number", "0071 000 123"), ("email", "a@b\nc")],
)
def test_bank_details_a_banking_app_cannot_read_are_refused(admin_client, field, value):
    site = Site.objects.get(is_default_site=True)
    response = admin_client.post(url(site), FORM | {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not OrganisationSettings.for_site(site).accepts_bank_transfers
