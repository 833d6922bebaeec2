"""What every public page asks the database and only editors change, kept in each web process:
the site for a host name, the locales, whether any page is private, the site settings.

Before, every render asked these again, a dozen small queries of a page's twenty. Now each is
read once per process and per page-cache generation (cms/page_cache.py), the counter that every
publish, unpublish, move, deletion and saved setting bumps and, for what is kept here, every
saved or deleted site, locale and privacy restriction (cms/signals.py). A change shows on every
process's next request, as it does for cached pages; and nothing is kept longer than
PUBLIC_PAGE_CACHE_SECONDS even if a bump were lost. A request reads the generation once (one
Redis read in production) however many of these it needs.

What is kept are plain values, never model instances: each request builds its own objects, so
nothing one request sets on a page or a setting reaches the next.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import DEFERRED
from django.http.request import split_domain_port
from django.utils import translation
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

from .page_cache import cache_generation

_UNSET = object()
# One per request (PublicSiteMiddleware): the generation, read at most once.
_request_state: ContextVar[dict | None] = ContextVar("public_site_request", default=None)


class _Memo:
    def __init__(self, generation):
        self.generation = generation
        self.born = time.monotonic()
        self.values: dict = {}


_memo = _Memo(None)


def _generation():
    state = _request_state.get()
    if state is not None and "generation" in state:
        return state["generation"]
    generation = cache_generation()
    if state is not None:
        state["generation"] = generation
    return generation


def _values() -> dict:
    global _memo
    generation = _generation()
    memo = _memo
    stale = time.monotonic() - memo.born >= settings.PUBLIC_PAGE_CACHE_SECONDS
    if generation is None or memo.generation != generation or stale:
        # Replaced whole, never cleared in place: a thread still reading the old one is unharmed.
        memo = _memo = _Memo(generation)
    return memo.values


def _remember(key, compute):
    values = _values()
    value = values.get(key, _UNSET)
    if value is _UNSET:
        value = values[key] = compute()
    return value


def _field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def forget() -> None:
    """Drop this process's memo and this request's reading of the generation: a change made in
    this process shows at once, even later in the same request (the admin's, after a save)."""
    global _memo
    _memo = _Memo(None)
    state = _request_state.get()
    if state is not None:
        state.pop("generation", None)


# --- sites ----------------------------------------------------------------------------------


# The home page's own fields that routing below it reads; each changes only with a publish, a
# move or a new slug, all of which start a new generation.
_ROUTING_FIELDS = ("id", "path", "depth", "url_path", "slug", "live", "locale_id", "translation_key", "content_type_id")


def _site_values(hostname: str, port: int) -> dict | None:
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None
    root = site.root_page
    return {"site": _field_values(site), "root": {name: getattr(root, name) for name in _ROUTING_FIELDS}}


def page_from_values(model, values: dict):
    """A page of ``model`` built from kept values without a query, every other field deferred
    (read from the database only if something asks for it): enough to route from and to link to."""
    fields = model._meta.concrete_fields
    return model(*(values.get(field.attname, values["id"] if field.primary_key else DEFERRED) for field in fields))


def _model_for(content_type_id: int):
    return ContentType.objects.get_for_id(content_type_id).model_class()


def site_attach(request) -> None:
    """Give Wagtail's routing this request's site (Site.find_for_request keeps it on the request
    as ``_wagtail_site``), found the way Wagtail finds it, with its home page specific and
    without a query: routing starts from it without asking for the site or the home page."""
    from .models.public import routes_like_a_page

    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    found = _remember(("site", hostname, port), lambda: _site_values(hostname, port))
    if found is None:
        return  # Wagtail finds no site either, and answers 404 as it always did
    model = _model_for(found["root"]["content_type_id"])
    if model is None or not routes_like_a_page(model):
        return  # a home page with routes of its own: Wagtail loads it as always
    site = Site(**found["site"])
    site._state.adding = False
    site.root_page = page_from_values(model, found["root"])  # loaded whole when it is the page asked for
    request._wagtail_site = site
    # Wagtail's list of every site's root paths, which each link on the page reads (from the
    # cache, once per request, unless given): a copy of the kept one.
    request._wagtail_cached_site_root_paths = list(_remember("site-root-paths", Site.get_site_root_paths))


def translations_live(page) -> list:
    """``page.get_translations().live()`` with each one's locale, from the memo: the pages built
    from kept values (their links and languages, no query)."""
    from wagtail.models import Page

    def read():
        return list(
            Page.objects.live()
            .filter(translation_key=page.translation_key)
            .order_by("path")
            .values(*_ROUTING_FIELDS, "locale__language_code")
        )

    found = []
    for values in _remember(("translations", page.translation_key), read):
        model = _model_for(values["content_type_id"])
        if values["id"] == page.pk or model is None:
            continue
        translation = page_from_values(model, values)
        translation.locale = Locale(id=values["locale_id"], language_code=values["locale__language_code"])
        found.append(translation)
    return found


# --- locales and privacy ----------------------------------------------------------------------


def active_locale_id() -> int | None:
    """The id of the locale of the active language, as Wagtail's Locale.get_active() finds it
    (the default language's when the active one has none); None when there is none at all."""
    ids = _remember("locales", lambda: dict(Locale.objects.values_list("language_code", "id")))
    for language in (translation.get_language(), settings.LANGUAGE_CODE):
        try:
            code = get_supported_content_language_variant(language)
        except LookupError:
            continue
        if code in ids:
            return ids[code]
    return None


def any_view_restriction() -> bool:
    """Whether any page is private (a password, a login, a group): only then is a page's chain
    of ancestors worth asking about."""
    return _remember("view-restrictions", PageViewRestriction.objects.exists)


# --- site settings ----------------------------------------------------------------------------


def setting_for_request(model, request):
    """A Wagtail setting (site or generic) for this request, built from the kept values and kept
    on the request as Wagtail's own for_request() and load() keep it."""
    from wagtail.contrib.settings.models import BaseSiteSetting

    attr_name = model.get_cache_attr_name()
    if hasattr(request, attr_name):
        return getattr(request, attr_name)
    if issubclass(model, BaseSiteSetting):
        site = Site.find_for_request(request)
        if site is None:
            raise model.DoesNotExist(f"{model} does not exist for site None.")
        values = _remember(("setting", model._meta.label, site.pk), lambda: _field_values(model.for_site(site)))
    else:
        values = _remember(("setting", model._meta.label), lambda: _field_values(model.load()))
    instance = model(**values)
    instance._state.adding = False
    instance._request = request  # as for_request() sets it, for the setting's page_url
    setattr(request, attr_name, instance)
    return instance


class PublicSiteMiddleware:
    """Before PublicPageCacheMiddleware: one generation read per request at most, and Wagtail's
    page view given its site from the memo."""

    def __init__(self, get_response):
        from wagtail import views as wagtail_views  # its forms need the apps loaded: not at import

        self.get_response = get_response
        self.wagtail_serve = wagtail_views.serve

    def __call__(self, request):
        token = _request_state.set({})
        try:
            return self.get_response(request)
        finally:
            _request_state.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is self.wagtail_serve:
            site_attach(request)
        return None
