"""Public pages from the shared cache (cms/page_cache.py): a hit costs no query, a cached copy
never carries one visitor's CSRF token or cookie to another, the form still works from it, and
what is one visitor's own (a session, a pay or thank-you page, a query) is never stored."""

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

from fund.models import Donation
from tests.cms.test_donate_flow import gift_form

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()


def test_the_donate_page_is_rendered_once_then_served_without_a_query(donate_page, django_assert_num_queries):
    first = Client().get(donate_page.url)
    assert (first.status_code, first["X-Page-Cache"]) == (200, "miss")
    with django_assert_num_queries(0):
        second = Client().get(donate_page.url)
    assert (second.status_code, second["X-Page-Cache"]) == (200, "hit")
    assert 'name="amount"' in second.content.decode()
    assert "private" in second["Cache-Control"]


def test_a_cached_copy_carries_each_visitor_their_own_token_and_cookie(donate_page):
    first, second = Client(), Client()
    first_page, second_page = first.get(donate_page.url), second.get(donate_page.url)
    assert second_page["X-Page-Cache"] == "hit"
    first_cookie = first_page.cookies["csrftoken"].value
    second_cookie = second_page.cookies["csrftoken"].value
    assert first_cookie != second_cookie
    (first_token,) = TOKEN.findall(first_page.content.decode())
    (second_token,) = TOKEN.findall(second_page.content.decode())
    assert first_token != second_token
    for page in (first_page, second_page):
        assert "ct-page-cache-csrf" not in page.content.decode()
    assert first_cookie not in second_page.content.decode() and first_token not in second_page.content.decode()


def test_the_form_posts_from_a_cached_page_with_csrf_enforced(donate_page):
    Client().get(donate_page.url)  # fills the cache
    donor = Client(enforce_csrf_checks=True)
    page = donor.get(donate_page.url)
    assert page["X-Page-Cache"] == "hit"
    (token,) = TOKEN.findall(page.content.decode())
    response = donor.post(donate_page.url, {**gift_form(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:500]
    assert Donation.objects.filter(donor__email="an@example.org", status="pledged").count() == 1
    # Another visitor's token is refused with this visitor's cookie: tokens are not shared.
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(donate_page.url)
    assert stranger.post(donate_page.url, {**gift_form(), "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_a_visitor_with_a_session_or_a_query_is_never_served_or_stored(donate_page, client):
    Client().get(donate_page.url)
    client.cookies["sessionid"] = "abc"
    assert client.get(donate_page.url)["X-Page-Cache"] == "bypass"
    assert Client().get(donate_page.url + "?amount=500000")["X-Page-Cache"] == "bypass"
    assert Client().get(donate_page.url, HTTP_COOKIE="django_language=en")["X-Page-Cache"] == "bypass"


def test_a_posted_form_and_one_donors_pages_are_never_stored(donate_page):
    Client().get(donate_page.url)
    response = Client().post(
        donate_page.url, gift_form(), follow=True
    )  # a bank-transfer pledge lands on its thank-you page
    thanks = response.redirect_chain[-1][0]
    assert "/thanks/" in thanks
    stranger = Client()
    first, second = stranger.get(thanks), Client().get(thanks)
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "bypass"
    assert Client().get("/admin/login/")["X-Page-Cache"] == "bypass"


def test_publishing_drops_every_copy(donate_page, fund_page):
    assert Client().get(fund_page.url)["X-Page-Cache"] == "miss"
    assert Client().get(fund_page.url)["X-Page-Cache"] == "hit"
    fund_page.title = "Quỹ đã đổi tên"
    fund_page.save_revision().publish()
    fresh = Client().get(fund_page.url)
    assert fresh["X-Page-Cache"] == "miss" and "Quỹ đã đổi tên" in fresh.content.decode()
    assert Client().get(donate_page.url)["X-Page-Cache"] == "miss"  # other pages too: menus show titles


def test_copies_expire_so_live_figures_stay_fresh(fund_page, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    assert Client().get(fund_page.url)["X-Page-Cache"] == "miss"
    assert Client().get(fund_page.url)["X-Page-Cache"] == "hit"
    time.sleep(1.2)
    assert Client().get(fund_page.url)["X-Page-Cache"] == "miss"


def test_turned_off_nothing_is_stored(fund_page, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    Client().get(fund_page.url)
    response = Client().get(fund_page.url)
    assert "X-Page-Cache" not in response and response.status_code == 200
