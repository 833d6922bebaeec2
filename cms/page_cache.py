"""Public pages from a cache every web process shares (the default cache: Redis in production).

An appeal brings thousands of visitors who read the same pages: render each page once a minute,
not once per visitor. What may be cached, and how a cached copy stays one visitor's own:

- Only a GET or HEAD of a page that says so (``PublicPageCacheMixin``, or ``mark_cacheable`` in
  a route such as the donation form's first step), by a visitor with no cookie but the CSRF
  one (no session: nobody signed in, no donor mid-gift, no portal, no language kept in a
  cookie), with no query string. Pay, thank-you, status, portal, verification and admin pages
  never mark themselves, so they are never stored.
- A copy is stored without any visitor's CSRF token: the page is rendered with a placeholder,
  and every response (a hit or the render that filled the cache) gets this visitor's own token
  in its place; Django's CSRF middleware then sets this visitor's cookie. A response that set a
  cookie of its own, or read the session, is not stored.
- The same for the Content-Security-Policy nonce (config/csp.py): rendered as a placeholder,
  and each response gets a fresh nonce in its place, the one the CSP middleware then puts in
  that response's header. A render that made a real nonce anyway is not stored.
- Copies live PUBLIC_PAGE_CACHE_SECONDS (a minute: progress bars and totals stay that fresh),
  and publishing, unpublishing, moving or deleting any page, or saving a site setting, starts a
  new generation: every copy is dropped at once (editors publish rarely; menus and listings on
  one page show others).

``X-Page-Cache: hit | miss | bypass`` says what happened, for operators and tests.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control

from config.csp import nonce_defer, nonce_fill, nonce_generated

# Long and improbable: an editor will not type it into a page.
CSRF_PLACEHOLDER = "ct-page-cache-csrf-6f1d0b7e9a2c4e58b3a1"
GENERATION_KEY = "public-page-cache:generation"
HEADER = "X-Page-Cache"
_STORED_HEADERS = ("Content-Type", "Content-Language")


def _cookies_allow(request) -> bool:
    return set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}


def _first_generation() -> int:
    # Random, not 1: once the cache loses the counter (a restart, an eviction, a test's clear),
    # counting again from 1 would bring back generations already used, and whatever was kept
    # under them, here and in each process's memo (cms.public_site).
    return secrets.randbelow(2**48) + 1


def cache_generation() -> int | None:
    """The current generation; None when the cache cannot keep one (a dummy cache)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _generation() -> int:
    return cache_generation() or 1


def cache_generation_bump() -> None:
    """Drop every cached page (the next request of each renders it again)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: nothing is cached under one
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)


def _key(request) -> str:
    where = f"{request.get_host()}{request.path}".encode()
    return f"public-page:{_generation()}:{hashlib.sha256(where).hexdigest()}"


def mark_cacheable(request) -> None:
    """A view of a public page says its GET response is the same for every visitor."""
    if request.method in ("GET", "HEAD"):
        request.public_page_cacheable = True


def serving_from_cache(request) -> bool:
    """True while this request may read or fill the cache (a page renders its CSRF placeholder)."""
    return getattr(request, "public_page_cache_key", None) is not None


class PublicPageCacheMixin:
    """For Wagtail pages whose every visitor sees the same thing. A routable page with routes
    that differ per visitor sets ``cache_every_route = False`` and calls ``mark_cacheable`` in
    the routes that do not."""

    cache_every_route = True

    def serve(self, request, *args, **kwargs):
        if self.cache_every_route:
            mark_cacheable(request)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if serving_from_cache(request):
            context["csrf_token"] = CSRF_PLACEHOLDER
        return context


def _personalised(request, body: bytes) -> bytes:
    """A stored body made this visitor's own: their CSRF token, this response's nonce."""
    if CSRF_PLACEHOLDER.encode() in body:
        body = body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    return nonce_fill(request, body)


class PublicPageCacheMiddleware:
    """Last in MIDDLEWARE: the session, locale, CSRF and security middleware still run around
    every hit, so a hit gets the same headers (and its own CSRF cookie) as a render."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PUBLIC_PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.META.get("QUERY_STRING") or not _cookies_allow(request):
            response = self.get_response(request)
            response.setdefault(HEADER, "bypass")
            return response
        key = request.public_page_cache_key = _key(request)
        nonce_defer(request)
        stored = cache.get(key)
        if stored is not None:
            return self._respond(request, stored, "hit")
        response = self.get_response(request)
        if self._storable(request, response):
            stored = {
                "body": response.content,
                "status": response.status_code,
                "headers": {name: response[name] for name in _STORED_HEADERS if response.has_header(name)},
            }
            cache.set(key, stored, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
            return self._respond(request, stored, "miss")
        if not response.streaming:
            response.content = _personalised(request, response.content)
        response.setdefault(HEADER, "bypass")
        return response

    @staticmethod
    def _storable(request, response) -> bool:
        session = getattr(request, "session", None)
        return (
            getattr(request, "public_page_cacheable", False)
            and request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (session is not None and session.accessed)
            and not nonce_generated(request)
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _respond(request, stored: dict, outcome: str) -> HttpResponse:
        response = HttpResponse(_personalised(request, stored["body"]), status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        # The body carries this visitor's CSRF token: no shared cache downstream may keep it.
        patch_cache_control(response, private=True, max_age=0)
        response[HEADER] = outcome
        return response
