"""Public pages from the shared cache (cms/page_cache.py): a hit costs no query, a cached copy
never carries one visitor's CSRF token or cookie to another, the form still works from it, and
what is one visitor's own (a session, a pay or thank-you page, a query) is never stored."""

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from cms import page_cache
from config.csp import NONCE_PLACEHOLDER
from fund.models import Donation
from tests.cms.test_donate_flow import gift_form
from tests.support.csp import header_nonce

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


NONCE = re.compile(r'<script[^>]* nonce="([^"]+)"')


def _nonces(response) -> tuple[str | None, list[str]]:
    return header_nonce(response["Content-Security-Policy"]), NONCE.findall(response.content.decode())


def test_two_visitors_of_a_cached_page_get_their_own_nonce_in_header_and_body(donate_page):
    first, second = Client().get(donate_page.url), Client().get(donate_page.url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    first_header, first_body = _nonces(first)
    second_header, second_body = _nonces(second)
    assert first_body and second_body, "the donate page's script carries a nonce"
    assert set(first_body) == {first_header} and set(second_body) == {second_header}
    assert first_header != second_header
    for page in (first, second):
        assert NONCE_PLACEHOLDER not in page.content.decode()
    # What the cache holds is the placeholder, never a visitor's nonce.
    body = cache.get(page_cache._key(RequestFactory().get(donate_page.url)))["body"].decode()
    assert NONCE_PLACEHOLDER in body and first_header not in body and second_header not in body


def test_a_render_that_made_a_real_nonce_is_not_stored(donate_page, monkeypatch):
    """A template reading request.csp_nonce itself, not the context's csp_nonce, would put one
    visitor's nonce into everyone's copy: such a render is served but never stored."""
    from cms.models import DonatePage

    original = DonatePage.get_context

    def reads_the_nonce(self, request, *args, **kwargs):
        context = original(self, request, *args, **kwargs)
        str(request.csp_nonce)
        return context

    monkeypatch.setattr(DonatePage, "get_context", reads_the_nonce)
    first = Client().get(donate_page.url)
    assert first["X-Page-Cache"] == "bypass"
    header, body = _nonces(first)
    assert set(body) == {header}
    assert Client().get(donate_page.url)["X-Page-Cache"] == "bypass"
