"""The public site a donor sees, built in the test database: the organisation's bank details, a
fund's page and its donate page, in Vietnamese with English and Arabic copies. Leaner than
demo.site.site_seed, which builds pages these tests never open."""

from __future__ import annotations

from wagtail.models import Locale, Site

from cms.models import BankAccountSettings, DonatePage, FundPage
from fund.models import Organisation

BANK = {
    "bank_name": "Vietcombank",
    "bank_bin": "970436",
    "bank_account_number": "0011001234567",
    "bank_account_holder": "TRUNG TAM TEST",
}


def donate_page_build(fund, *, languages=("en", "ar")) -> DonatePage:
    """The fund's donate page (/<fund code>/ung-ho/), published, with copies in ``languages``."""
    site = Site.objects.filter(is_default_site=True).first()
    assert site is not None, (
        "Wagtail's default site is missing from the test database (left empty by an interrupted "
        "run with --reuse-db?): run once with --create-db"
    )
    bank_account = BankAccountSettings.for_site(site)
    for name, value in BANK.items():
        setattr(bank_account, name, value)
    bank_account.save()
    Organisation.objects.update_or_create(defaults={"name": "Trung tâm Bảo trợ xã hội (test)"})

    home = site.root_page.specific
    fund_page = FundPage(title="Quỹ Bảo trợ trẻ em", slug=fund.code.lower(), fund=fund)
    home.add_child(instance=fund_page)
    fund_page.save_revision().publish()
    page = DonatePage(title="Ủng hộ", slug="ung-ho")
    fund_page.add_child(instance=page)
    page.save_revision().publish()
    for language in languages:
        locale, _ = Locale.objects.get_or_create(language_code=language)
        for original in (home, fund_page, page):
            if not original.get_translations().filter(locale=locale).exists():
                original.copy_for_translation(locale, copy_parents=True).save_revision().publish()
    return page
