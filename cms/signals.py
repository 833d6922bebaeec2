"""What drops the public page cache (cms/page_cache.py) and each process's memo (cms/public_site.py):
any change an editor publishes, any site setting saved (the bank account on the donation form,
the organisation's name), a site, locale or privacy restriction saved or deleted, and a donor's
erasure (their name may be on a cached transparency page)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.models import Locale, Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from donors.signals import donor_erased

from . import public_site
from .page_cache import cache_generation_bump


def _new_generation() -> None:
    cache_generation_bump()
    public_site.forget()


def _bump(sender, **kwargs):
    _new_generation()
    # Again once the change is committed: a page rendered, or a memo filled, between the first
    # bump and the commit saw the old rows under the new generation.
    transaction.on_commit(_new_generation)


def _bump_for_settings(sender, created=False, **kwargs):
    # A settings row created on first read holds the defaults the page was rendered with.
    if not created and issubclass(sender, BaseSiteSetting | BaseGenericSetting):
        _bump(sender)


def connect() -> None:
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(_bump, dispatch_uid=f"public-page-cache-{signal!r}")
    post_delete.connect(_bump_for_pages, dispatch_uid="public-page-cache-page-deleted")
    post_save.connect(_bump_for_settings, dispatch_uid="public-page-cache-setting-saved")
    # Which site a host name gets, which locales exist, which pages are private: the memo keeps
    # them, and a page made private must not stay in the page cache either.
    for model in (Site, Locale, PageViewRestriction):
        for signal in (post_save, post_delete):
            signal.connect(_bump, sender=model, dispatch_uid=f"public-page-cache-{model.__name__}-{signal!r}")
    # The transparency page lists recent gifts by name: an erased donor's must go at once.
    donor_erased.connect(_bump_after_erasure, dispatch_uid="public-page-cache-donor-erased")


def _bump_after_erasure(sender, **kwargs):
    # After the commit: a page rendered before it would still show the name.
    transaction.on_commit(cache_generation_bump)
    return {}


def _bump_for_pages(sender, **kwargs):
    if issubclass(sender, Page):
        _bump(sender)
