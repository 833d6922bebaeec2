"""What a public page costs when it is rendered, not served from the page cache (a visitor with a
session always gets a render): a few queries, the same number however many funds, appeals and
gifts there are. The site and its home page, the locales, privacy, settings and the language
menu come from each process's memo (cms/public_site.py), routing takes one query below the home
page (cms/models/public.py), and each list on a page is one query."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import CampaignPage, DonatePage, FundPage, TransparencyPage
from donors.services import donor_create
from fund.services import campaign_create, donation_record, fund_create

from .conftest import publish_child

# Queries of a render once the process's memo and the minute's figures are warm (what most
# renders cost). Before: home 20, fund 19, donation form 18, transparency 38 with two funds.
HOME = 2  # the home page; its funds' pages, each with the link to its donate page
FUND = 4  # the path, the fund page with its fund and image, its donate page, its appeals
DONATE = 2  # the path, the donate page
TRANSPARENCY = 8  # the path, the page; funds, balances, by kind, by donor, foreign gifts, latest


def render_queries(url: str) -> int:
    """Queries of an uncached render (a query string bypasses the page cache), after one render
    that fills the memo and the cached figures."""
    cache.clear()  # the figures and memo of earlier renders in this test: this page's own
    assert Client().get(url + "?nocache=1").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url + "?nocache=1")
    assert response.status_code == 200, response.content.decode()[:300]
    return len(queries)


def add_fund(home, n: int, *, gifts: int, campaigns: int):
    fund = fund_create(name=f"Quỹ {n}", code="Q" + "ABCDEFGH"[n])
    fund_page = publish_child(home, FundPage(title=f"Quỹ {n}", slug=f"quy-{n}", fund=fund))
    publish_child(fund_page, DonatePage(title="Ủng hộ", slug="ung-ho"))
    for c in range(campaigns):
        slug = f"appeal-{n}-{c}"
        campaign = campaign_create(
            fund=fund, name=f"Appeal {n}.{c}", slug=slug, starts_on=datetime.date(2026, 8, 1), goal="1000000"
        )
        publish_child(fund_page, CampaignPage(title=f"Appeal {n}.{c}", slug=slug, campaign=campaign))
    for g in range(gifts):
        donor = donor_create(kind="person", name=f"Người {n}.{g}", anonymous_by_default=g % 2 == 0)
        donation_record(
            fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000", received_at=timezone.now()
        )
    return fund_page


@pytest.fixture
def public_site(site, organisation_settings):
    home = site.root_page.specific
    first = add_fund(home, 1, gifts=1, campaigns=1)
    transparency = publish_child(home, TransparencyPage(title="Minh bạch", slug="minh-bach"))
    return {"home": home, "fund_page": first, "transparency": transparency}


def urls(public_site) -> dict[str, str]:
    fund_page = public_site["fund_page"]
    return {
        "home": public_site["home"].url,
        "fund": fund_page.url,
        "donate": fund_page.url + "ung-ho/",
        "transparency": public_site["transparency"].url,
    }


def test_each_page_renders_in_a_few_queries(public_site):
    found = {name: render_queries(url) for name, url in urls(public_site).items()}
    assert found == {"home": HOME, "fund": FUND, "donate": DONATE, "transparency": TRANSPARENCY}


def test_the_count_does_not_grow_with_funds_appeals_and_gifts(public_site):
    before = {name: render_queries(url) for name, url in urls(public_site).items()}
    for n in (2, 3, 4):
        add_fund(public_site["home"], n, gifts=5, campaigns=3)
    add_fund(public_site["home"], 5, gifts=0, campaigns=0)  # a fund nobody has given to yet
    after = {name: render_queries(url) for name, url in urls(public_site).items()}
    assert after == before
    home = Client().get(public_site["home"].url + "?nocache=1").content.decode()
    assert all(f"Quỹ {n}" in home for n in range(1, 6))  # the new funds are on the page


def test_a_cold_render_costs_only_a_few_queries_more(public_site):
    """The first render after a publish (or in a new process) fills the memo: a handful more."""
    donate = urls(public_site)["donate"]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(donate + "?nocache=1").status_code == 200
    # The site, locales, privacy, bank account, organisation (created here: the test has none),
    # the language menu, and Wagtail's site root paths (two queries).
    assert len(queries) <= DONATE + 10
