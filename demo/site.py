"""The demo public site: the bank account for transfers, a page per fund with its donate page, the
school-year appeal, the transparency page, in Vietnamese with English and Arabic copies.

Runs after demo.centre (it needs the funds) and, like it, changes nothing the second time. Who the
centre is (Settings > Organisation, shared with the receipts) is seeded by demo.letterhead.
"""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import (
    BankAccountSettings,
    CampaignPage,
    DonatePage,
    FundPage,
    HomePage,
    StandardPage,
    TransparencyPage,
)
from fund.models import Campaign, Fund

BANK_ACCOUNT = {
    "bank_name": "Vietcombank",
    "bank_bin": "970436",
    "bank_account_number": "0011001234567",
    "bank_account_holder": "TRUNG TAM BAO TRO XA HOI DEMO",
}

# (language, title) for each page's copies; Vietnamese is the source.
TITLES = {
    "home": {"en": "Joining hands", "ar": "معًا"},
    "CPF": {"en": "Children's Protection Fund", "ar": "صندوق حماية الأطفال"},
    "SPF": {"en": "Social Protection Fund", "ar": "صندوق الحماية الاجتماعية"},
    "campaign": {"en": "Back to school 2026-2027", "ar": "العودة إلى المدرسة 2026-2027"},
    "donate": {"en": "Give", "ar": "تبرّع"},
    "transparency": {"en": "Where gifts go", "ar": "أين تذهب التبرعات"},
    "about": {"en": "About the centre", "ar": "عن المركز"},
}


def _child(parent: Page, model, slug: str, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _translate(page: Page, key: str, languages) -> None:
    for language in languages:
        locale = Locale.objects.get(language_code=language)
        if page.get_translations().filter(locale=locale).exists():
            continue
        copy = page.copy_for_translation(locale, copy_parents=True)
        copy.title = TITLES[key][language]
        copy.draft_title = copy.title
        copy.save_revision().publish()


@transaction.atomic
def site_seed() -> int:
    """Create the demo site's pages and settings; returns how many pages exist afterwards."""
    site = Site.objects.get(is_default_site=True)
    bank_account = BankAccountSettings.for_site(site)
    if not bank_account.bank_account_number:
        for name, value in BANK_ACCOUNT.items():
            setattr(bank_account, name, value)
        bank_account.save()
    languages = ["en", "ar"]
    for language in languages:
        Locale.objects.get_or_create(language_code=language)

    home = site.root_page.specific
    if isinstance(home, HomePage) and not home.intro:
        home.title = "Chung Tay"
        home.intro = (
            "<p>Chung tay vì trẻ em có hoàn cảnh đặc biệt: mỗi món quà được ghi vào sổ cái công khai, "
            "cân đối, và mỗi nhà hảo tâm nhận biên nhận.</p>"
        )
        home.save_revision().publish()
    _translate(home, "home", languages)

    fund_pages = []
    for fund in Fund.objects.filter(code__in=["CPF", "SPF"]).order_by("code"):
        fund_page = _child(
            home,
            FundPage,
            fund.code.lower(),
            title=fund.name,
            fund=fund,
            summary=fund.restricted_purpose.splitlines()[0][:300],
        )
        _child(fund_page, DonatePage, "ung-ho", title="Ủng hộ")
        fund_pages.append((fund, fund_page))
    for fund, fund_page in fund_pages:
        _translate(fund_page, fund.code, languages)
        _translate(DonatePage.objects.child_of(fund_page).get(), "donate", languages)
        campaign = Campaign.objects.filter(fund=fund).order_by("pk").first()
        if campaign is not None:
            campaign_page = _child(
                fund_page,
                CampaignPage,
                "chung-tay-den-truong",
                title="Chung tay đến trường 2026-2027",
                campaign=campaign,
                summary="Học bổng và đồ dùng học tập cho các em trong năm học mới.",
            )
            _translate(campaign_page, "campaign", languages)
            donate = _child(campaign_page, DonatePage, "ung-ho", title="Ủng hộ", allow_in_kind=False)
            _translate(donate, "donate", languages)
    transparency = _child(home, TransparencyPage, "minh-bach", title="Minh bạch")
    _translate(transparency, "transparency", languages)
    about = _child(
        home, StandardPage, "gioi-thieu", title="Giới thiệu", intro="Trung tâm chăm sóc trẻ em và người yếu thế."
    )
    _translate(about, "about", languages)
    return Page.objects.live().count()
