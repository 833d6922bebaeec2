"""The public layout's header (config/templates/base.html): the link home, the other languages."""

from django import template
from wagtail.models import Site

from ..public_site import translations_live

register = template.Library()


@register.simple_tag(takes_context=True)
def site_home(context, page):
    """The home page of ``page``'s site in the active language (its live translation, else the
    site's home): what ``page.get_site.root_page.localized`` gives, without asking again for the
    site and home page that routing already found for this request."""
    request = context.get("request")
    parts = page.get_url_parts(request=request)
    if parts is None:
        return None
    site_id = parts[0]
    site = Site.find_for_request(request) if request is not None else None
    if site is None or site.pk != site_id:
        site = Site.objects.select_related("root_page").get(pk=site_id)
    return site.root_page.localized


@register.simple_tag
def live_translations(page):
    """The page's live translations with their locales (the language menu), from the memo."""
    return translations_live(page)
