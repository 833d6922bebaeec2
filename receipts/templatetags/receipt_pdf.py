"""Tags for the PDF templates only (receipts/pdf/*.html)."""

from django import template

from ..pdf import pdf_static_url

register = template.Library()


@register.simple_tag
def pdf_static(path: str) -> str:
    """A static file as the PDF renderer's fetcher serves it from disk. ``{% static %}`` would give
    STATIC_URL, which may point at a CDN the renderer must never call."""
    return pdf_static_url(path)
