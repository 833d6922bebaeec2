"""Receipts and statements as PDF (WeasyPrint).

The renderer reads only what this module hands it: the HTML our templates make (every donor- or
editor-typed value autoescaped), ``data:`` URIs we build, and our own static files, served from
disk by ``StaticOnlyFetcher``. Any other URL (file://, http(s)://, ftp://, a path climbing out of
static) is refused before anything is opened, so a hostile name or address can neither read a
server file into the PDF (``<link rel=attachment>`` embeds what it points at) nor make the
server call out. ``base_url`` is a reserved ``.invalid`` host, so a relative URL never resolves
against the working directory either.
"""

from __future__ import annotations

import base64
import datetime
import logging
import mimetypes
import posixpath
import re
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from djmoney.money import Money
from wagtail.images import get_image_model
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from config.formats import number_display
from fund.models import Donation
from fund.money import money_display

from .links import receipt_verification_url
from .models import Receipt
from .words import amount_in_words

logger = logging.getLogger(__name__)

# Reserved by RFC 2606: never resolves, so even a fetcher bug could not reach a real host.
PDF_BASE_URL = "https://receipt.invalid/"
PDF_STATIC_PREFIX = PDF_BASE_URL + "static/"

# PDF/A-2b: an archival PDF (fonts embedded, sRGB output intent, XMP metadata) that also strips
# any non-PDF attachment. It costs about as much as a plain PDF (see bench/receipts.py).
PDF_VARIANT = "pdf/a-2b"
# Tagged PDF: a structure tree (headings, paragraphs, tables with their header cells, images
# with their alt text) in reading order and in the document's language, so a screen reader
# reads a receipt as it reads a web page, not as loose glyphs. See bench/receipts.py for its cost.
PDF_TAGS = True

# Image types WeasyPrint decodes; an uploaded logo in another format is left out, not guessed at.
EMBEDDABLE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}
# Raster logos and signatures are embedded as JPEG on white: WeasyPrint copies a JPEG into the
# PDF as it is, but decodes and re-encodes a PNG (and splits off its alpha) in every document,
# which was the largest single cost of a receipt. An SVG stays vector.
IMAGE_RENDITION = "max-800x400|bgcolor-ffffff|format-jpeg|jpegquality-90"
SVG_RENDITION = "max-800x400"
IMAGE_CACHE_ENTRIES = 200

GOODS_KINDS = {Donation.Kind.IN_KIND, Donation.Kind.SUPPLIES}
# How receipts/signals.py begins the void reason of a refunded gift's receipts, and how
# receipts/services/statements.py words a statement's when one of its gifts stops counting.
REFUND_REASON_PREFIX = "Gift refunded: "
STATEMENT_REASON = re.compile(r"^Gift (\S+) was (refunded|cancelled)\.$")


class FetchRefused(ValueError):
    """A URL the PDF renderer may not open. WeasyPrint logs it and leaves the resource out."""


def pdf_static_url(path: str) -> str:
    """The URL under which the fetcher serves our static file ``path`` (e.g. receipts/pdf/receipt.css)."""
    return PDF_STATIC_PREFIX + path.lstrip("/")


def _static_file(relative: str) -> Path:
    """The file behind a static path, found by the staticfiles finders (development, tests) or
    under STATIC_ROOT (after collectstatic); refused if the path tries to leave static."""
    relative = unquote(relative)
    normal = posixpath.normpath(relative)
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or normal != relative
        or normal.startswith(("/", "../"))
        or normal in (".", "..")
    ):
        raise FetchRefused(f"Not a plain static path: {relative[:200]!r}")
    found = finders.find(normal)
    if found and Path(found).is_file():
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / normal).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise FetchRefused(f"No static file {normal!r}")


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, cut down to ``data:`` URIs and our own static files (read from disk
    here, never over HTTP). Everything else raises FetchRefused."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            # WeasyPrint's own fetcher decodes data: URIs (allowed_protocols holds it to that).
            return super().fetch(url, headers)
        if url.startswith(PDF_STATIC_PREFIX) and not urlsplit(url).query and "#" not in url:
            path = _static_file(url[len(PDF_STATIC_PREFIX) :])
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        logger.warning("PDF renderer refused to fetch %s", url[:200])
        raise FetchRefused(f"Refused to fetch {url[:200]!r}: only data: URIs and our static files")


# Looked up once per thread, not per document: a fresh FontConfiguration costs about as much as
# laying out the receipt, and the stylesheet is parsed once instead of on every render. Per
# thread because neither is documented as safe to share between threads.
_per_thread = threading.local()
STYLESHEET = "receipts/pdf/receipt.css"


def _fonts() -> FontConfiguration:
    if getattr(_per_thread, "fonts", None) is None:
        _per_thread.fonts = FontConfiguration()
    return _per_thread.fonts


def _stylesheet() -> CSS:
    """The shared stylesheet of every PDF template (base.html's look), parsed once; re-read on
    every render in development so edits show at once."""
    css = getattr(_per_thread, "stylesheet", None)
    if css is None or settings.DEBUG:
        css = CSS(url=pdf_static_url(STYLESHEET), url_fetcher=StaticOnlyFetcher(), font_config=_fonts())
        _per_thread.stylesheet = css
    return css


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render one of our PDF templates (extending receipts/pdf/base.html) to PDF bytes, in the
    active language, with receipt.css applied. Only our templates: never pass HTML a user wrote."""
    return pdf_from_html(render_to_string(template_name, context))


def pdf_from_html(html: str) -> bytes:
    """HTML our templates made, as PDF. The fetcher and base URL hold even if some value slipped
    through unescaped (the safety tests feed hostile markup straight in here)."""
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(
        stylesheets=[_stylesheet()],
        font_config=_fonts(),
        cache=_image_cache(),
        pdf_variant=PDF_VARIANT,
        pdf_tags=PDF_TAGS,
    )


def _image_cache() -> dict:
    """WeasyPrint's image cache, kept between documents: the logo and signature are the same data:
    URI on every receipt, and decoding and re-encoding them was most of a receipt's render time.
    Each receipt's QR code adds a few entries, so the cache is emptied now and then; only between
    documents, as a document reads its images from the cache until it is written."""
    cache = getattr(_per_thread, "images", None)
    if cache is None or len(cache) > IMAGE_CACHE_ENTRIES:
        cache = _per_thread.images = {}
    return cache


def receipt_pdf_bytes(receipt: Receipt) -> bytes:
    """The receipt (or statement) as PDF, in the receipt's language, from its snapshot."""
    with translation.override(receipt.language):
        context = document_context(receipt)
        if receipt.kind == Receipt.Kind.STATEMENT:
            return render_pdf("receipts/pdf/statement.html", context)
        context.update(gift_context(receipt.content, language=receipt.language))
        return render_pdf("receipts/pdf/receipt.html", context)


# Context ---------------------------------------------------------------------------------------


def document_context(receipt: Receipt) -> dict[str, Any]:
    """What base.html prints for any receipt or statement: letterhead, number, void marker,
    signature, QR. Call inside translation.override(receipt.language)."""
    content = receipt.content
    issuer = content.get("issuer") or {}
    url = receipt_verification_url(receipt)
    context = {
        "receipt": receipt,
        "content": content,
        "issuer": issuer,
        "donor": content.get("donor") or {},
        "number": receipt.number,
        "language": receipt.language,
        "issued_on": timezone.localdate(receipt.issued_at),
        "void": receipt.is_void,
        "void_reason": void_reason_text(receipt.void_reason),
        "voided_on": timezone.localdate(receipt.voided_at) if receipt.voided_at else None,
        "replaces": _replaces(content.get("replaces")),
        "logo_uri": image_data_uri(issuer.get("logo_id")),
        "signature_uri": image_data_uri(issuer.get("signature_id")),
        "verification_url": url,
        "qr_uri": qr_data_uri(url),
    }
    if receipt.kind == Receipt.Kind.STATEMENT:
        context.update(statement_context(content))
    return context


def _replaces(replaces: dict[str, Any] | None) -> dict[str, Any] | None:
    """The document this one replaces, with the reason worded in this document's language."""
    if not replaces:
        return replaces
    return {**replaces, "reason": void_reason_text(replaces.get("reason") or "")}


def void_reason_text(reason: str) -> str:
    """A void or replacement reason as the document prints it, in its language (the active
    one). The reasons the system writes itself are stored in English for the back office (a
    refund's "Gift refunded: <why>" from receipts/signals.py, a statement's "Gift <ref> was
    refunded." from receipts/services/statements.py); their wording is printed in the
    document's language, and what staff or Stripe wrote inside them as written. A reason staff
    typed is printed as typed."""
    reason = reason or ""
    if reason.startswith(REFUND_REASON_PREFIX):
        return gettext("Gift refunded: %(reason)s") % {"reason": reason[len(REFUND_REASON_PREFIX) :]}
    match = STATEMENT_REASON.match(reason)
    if match:
        reference, status = match.groups()
        if status == Donation.Status.REFUNDED:
            return gettext("Gift %(reference)s was refunded.") % {"reference": reference}
        return gettext("Gift %(reference)s was cancelled.") % {"reference": reference}
    return reason


def qr_data_uri(url: str) -> str:
    """The URL as a QR code, a small PNG printed without smoothing (image-rendering: pixelated).
    An inline SVG would be vector, but WeasyPrint parses its path per render at ~15% of the
    receipt's time; a PNG of a few hundred bytes is as sharp once its pixels are kept square.
    The mask is fixed: every mask is valid QR, and trying all eight to score them cost about
    8 ms a receipt; printed at this size on white, any of them scans."""
    return segno.make(url, error="m", micro=False, mask=0).png_data_uri(scale=4, border=2)


def image_data_uri(image_id: Any) -> str:
    """A Wagtail image (logo, signature) as a data: URI, read through its storage here, so the
    renderer never opens a file or URL of its own. A missing or unreadable image is left out."""
    if not image_id:
        return ""
    image_model = get_image_model()
    try:
        image = image_model.objects.get(pk=image_id)
        rendition = image.get_rendition(SVG_RENDITION if image.is_svg() else IMAGE_RENDITION)
        with rendition.file.open("rb") as handle:
            data = handle.read()
    except image_model.DoesNotExist:
        return ""
    except (OSError, ValueError) as error:  # a file gone from storage, or not an image Pillow reads
        logger.warning("Receipt image %s could not be read: %s", image_id, error)
        return ""
    content_type = mimetypes.guess_type(rendition.file.name)[0]
    if content_type not in EMBEDDABLE_IMAGE_TYPES:
        logger.warning("Receipt image %s is %s, which is not embedded", image_id, content_type)
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _choice_label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _money(amount: Decimal | None, currency: str) -> str:
    return money_display(Money(amount, currency)) if amount is not None else ""


def gift_context(content: dict[str, Any], *, language: str) -> dict[str, Any]:
    """The gift of a gift receipt, formatted for print in ``language`` (also the active one)."""
    gift = content.get("gift") or {}
    currency = gift.get("currency") or "VND"
    amount = _decimal(gift.get("amount"))
    fund_currency = gift.get("fund_currency") or currency
    fund_value = _decimal(gift.get("fund_value"))
    rate = _decimal(gift.get("exchange_rate"))
    received_at = gift.get("received_at")
    received_on = (
        timezone.localdate(datetime.datetime.fromisoformat(received_at)) if isinstance(received_at, str) else None
    )
    lines = [
        {
            "description": line.get("description", ""),
            "quantity": _number(_decimal(line.get("quantity"))),
            "unit": line.get("unit", ""),
            "value": _money(_decimal(line.get("value")), currency),
        }
        for line in gift.get("lines") or []
    ]
    converted = currency != fund_currency and fund_value is not None
    return {
        "gift": gift,
        "kind_label": _choice_label(Donation.Kind, gift.get("kind", "")),
        "channel_label": _choice_label(Donation.Channel, gift.get("channel", "")),
        "received_on": received_on,
        "is_goods": gift.get("kind") in GOODS_KINDS,
        "lines": lines,
        "amount_display": _money(amount, currency),
        "amount_words": amount_in_words(amount, currency, language) if amount is not None else "",
        "converted": converted,
        "fund_value_display": _money(fund_value, fund_currency) if converted else "",
        # The rate as recorded (fund currency per unit of the gift's), not rounded to either unit.
        "rate_display": _number(rate) if converted and rate is not None else "",
    }


def _number(value: Decimal | None) -> str:
    """A quantity or rate in the active language's separators (1.250,5 / 1,250.5), as recorded."""
    if value is None:
        return ""
    return number_display(value)


def statement_context(content: dict[str, Any]) -> dict[str, Any]:
    """The gifts and totals of a statement with their amounts written in the active language
    (the statement's). The snapshot's own ``amount_display`` was written in whatever language
    was active when the statement was issued, so it is not printed."""

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        row = {**row, "amount_display": _money(_decimal(row.get("amount")), row.get("currency") or "VND")}
        if isinstance(row.get("received_on"), str):  # an ISO date: JSON has no date type
            try:
                row["received_on"] = datetime.date.fromisoformat(row["received_on"])
            except ValueError:
                pass
        return row

    return {
        "gifts": [shown(gift) for gift in content.get("gifts") or []],
        "totals": [shown(total) for total in content.get("totals") or []],
        "grand_totals": [shown(total) for total in content.get("grand_totals") or []],
    }
