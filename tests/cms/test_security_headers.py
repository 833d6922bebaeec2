"""The Content-Security-Policy and Permissions-Policy every page sends (config/csp.py,
config/settings/csp.py): strict on public pages, the admin's own where Wagtail needs it, a
nonce that matches the page, and what an operator can switch to report-only."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from config.csp import NONCE_PLACEHOLDER, nonce, nonce_defer
from tests.support.csp import header_nonce, markup, policy

pytestmark = pytest.mark.django_db

PUBLIC = {
    "default-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-to": ["csp"],
    "report-uri": ["/csp-report/"],
}


def test_a_public_page_gets_the_strict_policy_and_its_scripts_the_nonce(donate_page):
    response = Client().get(donate_page.url, {"nocache": "1"})  # a query: rendered, not cached
    header = response["Content-Security-Policy"]
    directives = policy(header)
    nonce_value = header_nonce(header)
    assert nonce_value and len(nonce_value) >= 22  # 128 random bits, base64
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce_value}'", "'report-sample'"]
    assert {name: sources for name, sources in directives.items() if name != "script-src"} == PUBLIC
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    page = markup(response.content.decode())
    assert page.scripts, "the donate page has its script"
    assert all(script.get("nonce") == nonce_value for script in page.scripts)
    assert not any(script["inline"].strip() for script in page.scripts)
    assert page.handlers == [] and page.styles == [] and page.style_elements == 0
    assert response["Reporting-Endpoints"] == 'csp="http://testserver/csp-report/"'


def test_each_response_gets_its_own_nonce(donate_page):
    first = header_nonce(Client().get(donate_page.url, {"a": "1"})["Content-Security-Policy"])
    second = header_nonce(Client().get(donate_page.url, {"a": "1"})["Content-Security-Policy"])
    assert first and second and first != second


def test_a_page_without_scripts_sends_no_nonce(fund_page):
    response = Client().get(fund_page.url, {"q": "1"})
    assert "'nonce-" not in response["Content-Security-Policy"]
    assert "<script" not in response.content.decode()


def test_the_progress_bar_needs_no_style_attribute(campaign_page):
    html = Client().get(campaign_page.url, {"q": "1"}).content.decode()
    assert 'role="progressbar"' in html and "<rect width=" in html
    assert markup(html).styles == []


def test_the_admin_gets_its_own_policy_with_inline_scripts_but_nothing_from_elsewhere(client):
    response = client.get("/admin/login/")
    directives = policy(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'", "'unsafe-inline'"]  # no nonce: it would switch that off
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["img-src"] == ["'self'", "data:", "blob:"]
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"] and directives["frame-ancestors"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"] and directives["frame-src"] == ["'self'"]


def test_a_preview_in_the_admin_gets_the_admins_policy(fund_page):
    """Wagtail renders a preview as a request for the page's own path; the admin's preview
    panel frames it, which the public policy (frame-ancestors 'none') would refuse."""
    response = fund_page.make_preview_request()
    assert response.status_code == 200
    assert policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]


def test_the_webhooks_and_health_check_carry_the_policy_too(client):
    # Nothing there renders HTML, but a page served by mistake would still be covered.
    for url in ("/healthz", reverse("payments:stripe_webhook")):
        response = client.get(url)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_permissions_policy_turns_off_what_the_site_never_uses(client, donate_page):
    header = Client().get(donate_page.url)["Permissions-Policy"]
    features = dict(item.split("=", 1) for item in header.split(", "))
    for feature in ("camera", "microphone", "geolocation", "usb", "payment", "browsing-topics"):
        assert features[feature] == "()", feature
    assert client.get("/admin/login/")["Permissions-Policy"] == header


def test_report_only_sends_the_same_policy_without_enforcing_it(donate_page, settings):
    directives = settings.CONTENT_SECURITY_POLICY
    del settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = directives
    response = Client().get(donate_page.url, {"q": "1"})
    assert not response.has_header("Content-Security-Policy")
    report_only = policy(response["Content-Security-Policy-Report-Only"])
    assert report_only["frame-ancestors"] == ["'none'"] and report_only["report-uri"] == ["/csp-report/"]
    assert response.has_header("Reporting-Endpoints")
    admin = policy(Client().get("/admin/login/")["Content-Security-Policy-Report-Only"])
    assert admin["script-src"] == ["'self'", "'unsafe-inline'"]


def test_the_nonce_in_templates_is_the_placeholder_only_for_a_shared_copy():
    request = RequestFactory().get("/")
    request.csp_nonce = "abc123"
    assert str(nonce(request)["csp_nonce"]) == "abc123"
    nonce_defer(request)
    assert str(nonce(request)["csp_nonce"]) == NONCE_PLACEHOLDER
    assert str(nonce(RequestFactory().get("/"))["csp_nonce"]) == ""  # no middleware, no policy


def test_a_changed_policy_is_sent_at_once_though_built_headers_are_kept(donate_page, settings):
    first = Client().get(donate_page.url, {"q": "1"})["Content-Security-Policy"]
    second = Client().get(donate_page.url, {"q": "1"})["Content-Security-Policy"]
    assert first.replace(header_nonce(first), "") == second.replace(header_nonce(second), "")
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'", "data:"]}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    changed = policy(Client().get(donate_page.url, {"q": "1"})["Content-Security-Policy"])
    assert changed["img-src"] == ["'self'", "data:"]


def test_the_report_endpoint_follows_each_allowed_host_and_a_forged_host_gets_a_400(donate_page, settings):
    settings.ALLOWED_HOSTS = ["testserver", "quy.example.org"]
    assert Client().get("/healthz")["Reporting-Endpoints"] == 'csp="http://testserver/csp-report/"'
    other = Client().get("/healthz", HTTP_HOST="quy.example.org", HTTP_X_FORWARDED_PROTO="https", secure=True)
    assert other["Reporting-Endpoints"] == 'csp="https://quy.example.org/csp-report/"'
    forged = Client().get("/healthz", HTTP_HOST="evil.example")
    assert forged.status_code == 400 and not forged.has_header("Reporting-Endpoints")
