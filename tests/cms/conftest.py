import pytest
from wagtail.models import Site

from cms.models import BankAccountSettings, CampaignPage, DonatePage, FundPage
from fund.services import campaign_create
from tests.payments.stripe.test_subscription_flow import fake_stripe  # noqa: F401 - a shared fixture

BANK = {
    "bank_name": "Vietcombank",
    "bank_bin": "970436",
    "bank_account_number": "0011001234567",
    "bank_account_holder": "TRUNG TAM TEST",
}


def publish_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def site(db):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def organisation_settings(site):
    settings = BankAccountSettings.for_site(site)
    for name, value in BANK.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def fund_page(site, fund):
    return publish_child(site.root_page, FundPage(title="Quỹ Bảo trợ trẻ em", slug="cpf", fund=fund))


@pytest.fixture
def donate_page(fund_page, organisation_settings):
    return publish_child(fund_page, DonatePage(title="Ủng hộ", slug="ung-ho"))


@pytest.fixture
def campaign(fund):
    import datetime

    return campaign_create(
        fund=fund, name="Back to school", slug="back-to-school", starts_on=datetime.date(2026, 8, 1), goal="1000000"
    )


@pytest.fixture
def campaign_page(fund_page, campaign):
    return publish_child(fund_page, CampaignPage(title="Back to school", slug="back-to-school", campaign=campaign))
