"""What the card payment page lets Stripe.js load and do in the donor's browser, on top of the
site's policy (config/settings/csp.py), and nowhere else: no other page loads Stripe.js.

The sources come from STRIPE_JS_URL, never from a hard-coded host: the real Stripe.js gets the
origins Stripe's integration security guide lists for Stripe.js and the Payment Element
(scripts and frames from js.stripe.com and its subdomains, 3-D Secure frames from
hooks.stripe.com, API calls to api.stripe.com); a Stripe-compatible stand-in (localstripe in
the tests) gets its own origin, where it serves its script and its API alike. The list is
docs/payment-page-scripts.md; tests/cms/test_pay_page_scripts.py fails when it changes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django_permissions_policy import PermissionsPolicyMiddleware

STRIPE_JS_ORIGIN = "https://js.stripe.com"
_STRIPE_SOURCES = {
    "script-src": [STRIPE_JS_ORIGIN, "https://*.js.stripe.com"],
    "frame-src": [STRIPE_JS_ORIGIN, "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def stripe_js_origin(js_url: str) -> str:
    parts = urlsplit(js_url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_js_sources(js_url: str) -> dict[str, list[str]]:
    """The policy's sources Stripe.js at ``js_url`` needs, by directive."""
    origin = stripe_js_origin(js_url)
    if origin == STRIPE_JS_ORIGIN:
        return {directive: list(sources) for directive, sources in _STRIPE_SOURCES.items()}
    return {"script-src": [origin], "frame-src": [origin], "connect-src": [origin]}


def stripe_js_allow(response) -> None:
    """Let the page in ``response`` run Stripe.js (settings.STRIPE_JS_URL): its sources added to
    the policy's scripts and connections, its frames the only frames, and the Payment Request
    API (Apple Pay, Google Pay) delegated to its origin."""
    sources = stripe_js_sources(settings.STRIPE_JS_URL)
    # django-csp's per-response attributes, as its csp_update and csp_replace decorators set
    # them (for the enforced and the report-only policy, whichever is on): the site's 'none'
    # for frames is replaced, not added to.
    update = {"script-src": sources["script-src"], "connect-src": sources["connect-src"]}
    replace = {"frame-src": sources["frame-src"]}
    response._csp_update = response._csp_update_ro = update
    response._csp_replace = response._csp_replace_ro = replace
    policy = {**settings.PERMISSIONS_POLICY, "payment": ["self", stripe_js_origin(settings.STRIPE_JS_URL)]}
    # django-permissions-policy's per-response attribute, as its override decorator sets it.
    response._permissions_policy_override = PermissionsPolicyMiddleware.compute_header_value(
        policy, name="stripe_js_allow"
    )
