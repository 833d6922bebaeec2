"""The memo of what every page asks (cms/public_site.py) and the one-query routing below the home
page (cms/models/public.py): the same answers as Wagtail's own, and a change an editor makes
shows on the next render, never later than a cached page would show it."""

import pytest
from django.core.cache import cache
from django.test import Client
from wagtail.models import Locale, Page, PageViewRestriction, Site

from cms import public_site
from cms.models import DonatePage, StandardPage
from cms.models.donate import gift_token
from cms.models.public import PublicPageMixin
from cms.page_cache import cache_generation
from donors.services import donor_create
from fund.models import Organisation
from fund.services import donation_record

from .conftest import publish_child


def render(url: str):
    return Client().get(url + "?nocache=1")  # a query string: a render, never the page cache


def organisation_named(name: str) -> Organisation:
    organisation = Organisation.load()
    organisation.short_name = name
    organisation.save()
    return organisation


def test_a_saved_setting_shows_on_the_next_render(donate_page):
    organisation_named("Trung tâm Cũ")
    assert "Trung tâm Cũ" in render(donate_page.url).content.decode()
    organisation_named("Trung tâm Mới")
    html = render(donate_page.url).content.decode()
    assert "Trung tâm Mới" in html and "Trung tâm Cũ" not in html


def test_a_bank_account_removed_takes_transfers_off_the_form_at_once(donate_page, organisation_settings):
    assert 'value="bank_transfer"' in render(donate_page.url).content.decode()
    organisation_settings.bank_account_number = ""
    organisation_settings.save()
    assert 'value="bank_transfer"' not in render(donate_page.url).content.decode()


def test_a_translation_published_joins_the_language_menu_at_once(fund_page):
    english, _ = Locale.objects.get_or_create(language_code="en")
    assert 'hreflang="en"' not in render(fund_page.url).content.decode()
    translation = fund_page.copy_for_translation(english, copy_parents=True)
    translation.save_revision().publish()
    html = render(fund_page.url).content.decode()
    assert f'href="{translation.url}" lang="en" hreflang="en"' in html
    translation.refresh_from_db()  # publishing saved the revision's copy, not this instance
    translation.unpublish()
    assert 'hreflang="en"' not in render(fund_page.url).content.decode()


def test_a_page_made_private_is_private_at_once(fund_page, donate_page):
    assert render(fund_page.url).status_code == 200  # the memo now says: no page is private
    assert Client().get(fund_page.url)["X-Page-Cache"] == "miss"  # and the page cache has a copy
    PageViewRestriction.objects.create(page=fund_page, restriction_type=PageViewRestriction.PASSWORD, password="x")
    for response in (render(fund_page.url), Client().get(fund_page.url), render(donate_page.url)):
        html = response.content.decode()
        assert "authenticate_with_password" in html, html[:300]
        assert fund_page.title not in html


def test_a_forgotten_generation_does_not_bring_back_an_old_memo(donate_page):
    """A cache that loses the counter (Redis restarted) must not make old memos current again:
    a change written behind the signals' back (here an UPDATE) shows once the counter is gone."""
    organisation_named("Tên Cũ")
    cache.clear()  # the counter is gone: the memo below is filled under the generation that follows
    assert "Tên Cũ" in render(donate_page.url).content.decode()
    Organisation.objects.update(short_name="Tên Mới")  # no signal: the memo still says "Tên Cũ"
    assert "Tên Cũ" in render(donate_page.url).content.decode()
    cache.clear()  # gone again: a counter that restarted from the same number would revive the memo
    assert "Tên Mới" in render(donate_page.url).content.decode()


def test_nothing_is_kept_longer_than_a_cached_page_lives(donate_page, monkeypatch, settings):
    organisation_named("Tên Cũ")
    render(donate_page.url)
    Organisation.objects.update(short_name="Tên Mới")
    now = public_site.time.monotonic()
    monkeypatch.setattr(public_site.time, "monotonic", lambda: now + settings.PUBLIC_PAGE_CACHE_SECONDS)
    assert "Tên Mới" in render(donate_page.url).content.decode()


def test_a_change_shows_at_once_in_the_process_that_made_it(fund_page):
    """Later in the same request too (an admin view after its save), not only on the next one."""
    state = public_site._request_state.set({})  # what PublicSiteMiddleware sets for a request
    try:
        assert public_site.any_view_restriction() is False
        PageViewRestriction.objects.create(page=fund_page, restriction_type=PageViewRestriction.LOGIN)
        assert public_site.any_view_restriction() is True
    finally:
        public_site._request_state.reset(state)


@pytest.mark.parametrize("change", ["site", "locale", "restriction"])
def test_sites_locales_and_restrictions_saved_or_deleted_start_a_new_generation(site, fund_page, change):
    make = {
        "site": lambda: Site.objects.create(hostname="other.example", root_page=site.root_page),
        "locale": lambda: Locale.objects.create(language_code="ar"),
        "restriction": lambda: PageViewRestriction.objects.create(
            page=fund_page, restriction_type=PageViewRestriction.LOGIN
        ),
    }[change]
    before = cache_generation()
    row = make()
    assert cache_generation() != before
    saved = cache_generation()
    row.delete()
    assert cache_generation() != saved


@pytest.fixture
def routed_site(site, fund_page, donate_page, campaign_page, fund):
    publish_child(campaign_page, DonatePage(title="Ủng hộ đợt này", slug="ung-ho"))
    draft_parent = publish_child(fund_page, StandardPage(title="Trang nháp", slug="nhap"))
    publish_child(draft_parent, StandardPage(title="Con của trang nháp", slug="con"))
    draft_parent.unpublish()
    donor = donor_create(kind="person", name="Người Chuyển Khoản", email="ck@example.org")
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="300000")
    return {"thanks": f"{donate_page.url}thanks/{gift_token('d', pledge.reference)}/"}


ROUTED_PATHS = [
    "/",
    "/cpf/",
    "/cpf/ung-ho/",
    "/cpf/back-to-school/",
    "/cpf/back-to-school/ung-ho/",
    "/cpf/nhap/",  # unpublished: 404
    "/cpf/nhap/con/",  # a live page below an unpublished one: Wagtail serves it
    "/cpf/khong-co/",
    "/cpf/ung-ho/khong-co/",  # below a routable page, no such route
    "/cpf/back-to-school/ung-ho/khong-co/",
    "/khong-co/",
    "/khong-co/ung-ho/",
    "/en/cpf/",  # no English translation: 404 as before
]


def outcome(path: str):
    response = render(path)
    page = response.context.get("page") if response.status_code == 200 and response.context else None
    return response.status_code, getattr(page, "pk", None)


def test_routing_finds_what_wagtails_own_routing_finds(routed_site, monkeypatch):
    paths = [*ROUTED_PATHS, routed_site["thanks"]]
    ours = {path: outcome(path) for path in paths}
    monkeypatch.setattr(PublicPageMixin, "route", Page.route)  # Wagtail's walk, child by child
    theirs = {path: outcome(path) for path in paths}
    assert ours == theirs
    assert ours["/cpf/nhap/con/"][0] == 200 and ours["/cpf/nhap/"][0] == 404  # the cases above hold
    assert ours[routed_site["thanks"]][0] == 200
