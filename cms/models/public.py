"""What every public page model shares: the way to the page below it in one query, and its
translation and privacy answered from the process's memo (cms.public_site).

Wagtail's own routing asks for each step of a path twice (the child, then its specific row), so
/cpf/ung-ho/ cost five queries before the page did any work; its ``localized`` and privacy check
asked for the active locale and every ancestor on every request. The answers are the same:
the tests of tests/cms/test_routing.py hold these to Wagtail's.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from wagtail.models import Page, PageViewRestriction

from .. import public_site


def routes_like_a_page(page_class) -> bool:
    """True when a page of this class finds its children the plain way, so a walk may step past
    it without loading it (a routable page, with routes of its own, is asked itself)."""
    return getattr(page_class, "route", None) in (PublicPageMixin.route, Page.route)


def _specific(page):
    """``page.specific``, with the related rows its class names in ``route_select_related``
    fetched in the same query (a fund page's fund, its image)."""
    model = page.specific_class
    related = getattr(model, "route_select_related", ())
    if not related or isinstance(page, model):
        return page.specific
    specific = model._default_manager.select_related(*related).get(pk=page.pk)
    for name, value in page.__dict__.items():  # what get_specific() copies: the parent set above
        specific.__dict__.setdefault(name, value)
    return specific


def _loaded(page):
    loaded = type(page)._default_manager.get(pk=page.pk)
    for name, value in page.__dict__.items():
        loaded.__dict__.setdefault(name, value)
    return loaded


class PublicPageMixin:
    """Before ``Page`` in a public page's bases (after RoutablePageMixin, whose own routes come
    first)."""

    # Related rows the page's own view reads every time, loaded with the page when routed to.
    route_select_related: tuple[str, ...] = ()

    def route(self, request, path_components):
        if not path_components:
            if self.get_deferred_fields():  # the memo's home page (cms.public_site): load it whole
                page = _loaded(self)
                return super(PublicPageMixin, page).route(request, path_components)
            return super().route(request, path_components)
        # Every page the path could name below this one, in one query; then the walk Wagtail
        # makes (a child of the page so far, by slug), in memory.
        candidates = list(
            Page.objects.filter(
                path__startswith=self.path,
                depth__gt=self.depth,
                depth__lte=self.depth + len(path_components),
                slug__in=set(path_components),
            )
        )
        parent = self
        for index, slug in enumerate(path_components):
            children = [
                page
                for page in candidates
                if page.depth == parent.depth + 1 and page.slug == slug and page.path.startswith(parent.path)
            ]
            if not children:
                raise Http404
            if len(children) > 1:  # siblings sharing a slug: Wagtail's own lookup, and its error
                return Page.route(parent, request, path_components[index:])
            (child,) = children
            child._cached_parent_obj = parent  # as Wagtail sets it: get_parent() costs nothing
            remaining = path_components[index + 1 :]
            if remaining and routes_like_a_page(child.specific_class):
                parent = child
                continue
            return _specific(child).route(request, remaining)
        raise Http404  # not reached: the loop returns or raises

    @property
    def localized(self):
        """Wagtail's ``localized`` (this page in the active language if that translation is
        live, else this page), with the active locale from the memo and the answer kept on the
        instance."""
        if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            return self
        locale_id = public_site.active_locale_id()
        if locale_id is None or locale_id == self.locale_id:
            return self
        found = self.__dict__.setdefault("_localized_by_locale", {})
        if locale_id not in found:
            translation = self.get_translation_or_none(locale_id)
            found[locale_id] = translation if translation is not None and translation.live else self
        return found[locale_id]

    def get_view_restrictions(self):
        """No query while no page at all is private (the usual case); Wagtail's answer otherwise."""
        if not public_site.any_view_restriction():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
