"""Looks for children on the public site: every page an anonymous visitor can open, searched for
every child's full name, case number and date of birth in each way the site could print it.

A check that only opens a few pages proves nothing: a child's name could reach any page an
editor writes. So the crawl starts from the pages themselves (every live Wagtail page in every
language), adds the donate page's public steps for the gifts on record (a bank pledge's
thank-you page) and each receipt's verification page, and fails loudly on a page that does not
answer, so a broken page cannot pass for a clean one.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail.models import Locale, Page

from care.models import Beneficiary
from cms.models import DonatePage, FundPage, HomePage, TransparencyPage
from cms.models.donate import gift_token
from donors.services import donor_create
from fund.models import Donation
from fund.services import donation_record
from receipts.models import Receipt

PUBLIC_LANGUAGES = ("vi", "en")
# Django's named formats and the literal ones templates use (|date:"d/m/Y", ISO in data attributes).
_DATE_FORMATS = ("d/m/Y", "j/n/Y", "Y-m-d", "DATE_FORMAT", "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class Leak:
    url: str
    case_number: str
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.url}: child {self.case_number}'s {self.what} ({self.text!r})"


def _normal(text: str) -> str:
    # A name typed in decomposed Unicode, or upper-cased, is still the name.
    return unicodedata.normalize("NFC", text).casefold()


def child_identifiers(child: Beneficiary) -> dict[str, str]:
    """What names a child on a page: {description: text}."""
    found = {"full name": child.full_name, "case number": child.case_number}
    if child.date_of_birth:
        for language in PUBLIC_LANGUAGES:
            with translation.override(language):
                for fmt in _DATE_FORMATS:
                    found[f"date of birth ({language}, {fmt})"] = date_format(child.date_of_birth, fmt)
    return {what: text for what, text in found.items() if text and text.strip()}


def public_urls() -> list[str]:
    """Every public page the site serves for the data on record."""
    urls = [page.url for page in Page.objects.live().specific() if page.url]
    non_card = Donation.objects.exclude(channel="card").order_by("pk")
    for donate_page in DonatePage.objects.live():
        urls += [f"{donate_page.url}thanks/{gift_token('d', gift.reference)}/" for gift in non_card]
    for language in PUBLIC_LANGUAGES:
        with translation.override(language):
            urls.append(reverse("receipts:portal"))
            urls += [
                reverse("receipts:verify", kwargs={"token": receipt.verification_token})
                for receipt in Receipt.objects.order_by("pk")
            ]
    return list(dict.fromkeys(urls))


def child_leaks(*, urls: list[str] | None = None, also: dict[str, str] | None = None) -> list[Leak]:
    """Every place a child (every Beneficiary of the child group) shows on the public site, opened
    by an anonymous visitor. ``also`` adds other secrets to look for: {description: text}."""
    children = list(Beneficiary.objects.filter(group=Beneficiary.Group.CHILD))
    assert children, "no child on record: the search would find nothing whatever the pages show"
    wanted = [(child.case_number, what, text) for child in children for what, text in child_identifiers(child).items()]
    wanted += [("-", what, text) for what, text in (also or {}).items()]
    client = Client()  # a fresh, signed-out visitor
    leaks = []
    for url in urls if urls is not None else public_urls():
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}: it was not searched"
        page = _normal(html.unescape(response.content.decode()))
        leaks += [Leak(url, case, what, text) for case, what, text in wanted if _normal(text) in page]
    return leaks


def public_site_build(*, fund) -> dict:
    """A site with every kind of public page, in Vietnamese and English: the home page, a fund
    page, its donate page, the transparency page, a bank pledge's thank-you page, a named
    donor's gift on the transparency page and an issued receipt."""
    home = Page.objects.get(depth=2).specific
    assert isinstance(home, HomePage)

    def publish(parent, page):
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    fund_page = publish(home, FundPage(title="Quỹ Bảo trợ trẻ em", slug="cpf", fund=fund, summary="Cho các em."))
    donate_page = publish(fund_page, DonatePage(title="Ủng hộ", slug="ung-ho"))
    transparency = publish(home, TransparencyPage(title="Minh bạch", slug="minh-bach"))
    english, _ = Locale.objects.get_or_create(language_code="en")
    for original in (home, fund_page, donate_page, transparency):
        if not original.get_translations().filter(locale=english).exists():
            original.copy_for_translation(english, copy_parents=True).save_revision().publish()

    donor = donor_create(
        kind="person",
        name="Nguyễn Thị Hồng Nhung",
        email="nhung@example.org",
        preferred_language="vi",
        consent_receipts_by_email=True,
        anonymous_by_default=False,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):  # the receipt is issued on commit
        received = donation_record(
            fund=fund,
            donor=donor,
            kind="cash",
            channel="cash",
            amount="1900000",
            received_at=timezone.now(),
            is_anonymous=False,
        )
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="500000")
    assert Receipt.objects.filter(donation=received).exists(), "the received gift has no receipt to verify"
    return {"home": home, "fund_page": fund_page, "donate_page": donate_page, "pledge": pledge}
