"""What a page says, in the language it is served in: staff pages follow the site's language
(Vietnamese) unless the user chose another, so tests look for the translated text, not English."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.html import escape


def shown(msgid: str, language: str | None = None, **values) -> bytes:
    """`msgid` as the page renders it: translated, filled in, HTML-escaped, as bytes."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = translation.gettext(msgid)
    if values:
        text = text % values
    return escape(text).encode()
