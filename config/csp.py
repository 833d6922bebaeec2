"""The Content-Security-Policy header on every response, and its nonce in our templates.

django-csp builds the header; this adds what it leaves to the project:

- The admin's own policy for paths under CSP_ADMIN_PREFIXES (config/settings/csp.py says why).
- The Reporting-Endpoints header that ``report-to`` names (Chromium reports there; Firefox and
  Safari use ``report-uri``).
- The header's directives in one fixed order, and each built header kept until a setting
  changes (django-csp rebuilds it on every response, a tenth of a cached page's cost).
- A nonce a shared cache can hold. Templates write ``nonce="{{ csp_nonce }}"``. A page rendered
  for the public page cache (cms/page_cache.py) is rendered with a placeholder instead, and
  every response served from it gets a fresh nonce in the placeholder's place, the same one
  the header then carries: two visitors never share a nonce, as they never share a CSRF token.
"""

from __future__ import annotations

import http.client as http_client
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import DEFAULT_DIRECTIVES, build_policy, default_config
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import lazy

# Long and improbable: an editor will not type it into a page.
NONCE_PLACEHOLDER = "ct-page-cache-nonce-3b9e27c41f6a4d0d8e55"
_DEFERRED = "_csp_nonce_placeholder"


def nonce_defer(request) -> None:
    """This request renders a copy other visitors will get: templates write the placeholder."""
    setattr(request, _DEFERRED, True)


def nonce_generated(request) -> bool:
    """Whether this response's real nonce exists yet (django-csp makes it when first read)."""
    return bool(getattr(request, "csp_nonce", None))


def nonce_fill(request, body: bytes) -> bytes:
    """The body with this response's own nonce in the placeholder's place. The nonce is made
    here, before the CSP middleware writes the header, so the header carries the same one."""
    placeholder = NONCE_PLACEHOLDER.encode()
    if placeholder not in body:
        return body
    nonce = getattr(request, "csp_nonce", None)
    return body.replace(placeholder, str(nonce).encode() if nonce is not None else b"")


def _nonce_for(request) -> str:
    if getattr(request, _DEFERRED, False):
        return NONCE_PLACEHOLDER
    nonce = getattr(request, "csp_nonce", None)
    # No CSP middleware (a bare RequestFactory request): no policy, so no nonce either.
    return str(nonce) if nonce is not None else ""


def nonce(request) -> dict:
    """Context processor: ``csp_nonce``, made only if a template writes it (a page without a
    script sends no nonce in its header)."""
    return {"csp_nonce": lazy(_nonce_for, str)(request)}


_ORDER = {name: position for position, name in enumerate(DEFAULT_DIRECTIVES)}


def _in_order(header: str) -> str:
    """The directives in one fixed order (django-csp's follows a set's): the same policy is the
    same header on every response and every worker, so a change to it stands out (PCI DSS
    11.6.1 asks that changes to a payment page's headers be noticed)."""
    parts = [part.strip() for part in header.split(";") if part.strip()]
    return "; ".join(sorted(parts, key=lambda part: _ORDER.get(part.split(" ", 1)[0], len(_ORDER))))


def _is_admin(request) -> bool:
    # Wagtail renders a preview as a "dummy" request for the page's own path, through the
    # whole middleware stack; the admin's preview panel frames what it returns.
    return getattr(request, "is_dummy", False) or request.path_info.startswith(tuple(settings.CSP_ADMIN_PREFIXES))


def _frozen(directives: dict | None):
    if directives is None:
        return None
    return tuple(
        sorted((name, tuple(value) if isinstance(value, list | tuple) else value) for name, value in directives.items())
    )


# Built headers, a stand-in where the nonce goes: django-csp builds the header afresh on every
# response (a deep copy and a pass over every directive, about a tenth of a cached page's
# cost), yet between setting changes the same few policies come back every time.
_NONCE_MARK = "ct-csp-nonce-mark"
_BUILT: dict = {}


# The report URL per scheme and host: build_absolute_uri validates the host on every call, the
# largest cost left on a cached page. Only hosts that passed that check are kept, a few at most.
_REPORT_URLS: dict = {}
_REPORT_URLS_MAX = 32


@receiver(setting_changed)
def _forget_built_headers(setting, **kwargs):
    _BUILT.clear()  # any setting: policies, hosts, proxy headers (in tests; settings are fixed in production)
    _REPORT_URLS.clear()


def _report_url(request) -> str:
    meta = request.META
    key = (request.scheme, meta.get("HTTP_X_FORWARDED_HOST"), meta.get("HTTP_HOST"), meta.get("SERVER_NAME"))
    url = _REPORT_URLS.get(key)
    if url is None:
        url = request.build_absolute_uri(settings.CSP_REPORT_PATH)  # raises DisallowedHost for a bad host
        if len(_REPORT_URLS) < _REPORT_URLS_MAX:
            _REPORT_URLS[key] = url
    return url


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy, a fixed directive order, built headers
    kept, and the Reporting-Endpoints header."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
        active = getattr(settings, name, None)
        if active and parts.config is None and _is_admin(request):
            parts.config = default_config(settings.CSP_ADMIN_DIRECTIVES)
        return parts

    def _policy(self, request, response, *, report_only: bool) -> str:
        parts = self.get_policy_parts(request, response, report_only=report_only)
        key = None
        custom = getattr(response, "_csp_config_ro" if report_only else "_csp_config", None)
        if custom is None:  # the site's or the admin's, maybe with a page's additions
            key = (report_only, _is_admin(request), _frozen(parts.update), _frozen(parts.replace), bool(parts.nonce))
            built = _BUILT.get(key)
            if built is not None:
                return built.replace(_NONCE_MARK, parts.nonce) if parts.nonce else built
        nonce, parts.nonce = parts.nonce, _NONCE_MARK if parts.nonce else None
        built = _in_order(build_policy(**asdict(parts), report_only=report_only))
        if key is not None:
            _BUILT[key] = built
        return built.replace(_NONCE_MARK, nonce) if nonce else built

    def process_response(self, request, response):
        # django-csp's own steps (CSPMiddleware.process_response), the header from _policy.
        if response.status_code in (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND) and settings.DEBUG:
            return response
        sent = False
        for header, report_only, setting in (
            (HEADER, False, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = getattr(settings, setting, None) or {}
            if (
                header in response
                or getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False)
                or request.path_info.startswith(tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ()))
            ):
                continue
            text = self._policy(request, response, report_only=report_only)
            if text:
                response[header] = text
                sent = True
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp does: a nonce read after the header is written would be in no header.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        if sent and not response.has_header("Reporting-Endpoints"):
            try:
                url = _report_url(request)
            except DisallowedHost:  # the 400 for a forged Host header: nothing to report to
                return response
            response["Reporting-Endpoints"] = f'{settings.CSP_REPORT_GROUP}="{url}"'
        return response
