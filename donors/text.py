"""Text people type into forms and imports: one spelling for one name, nothing that reorders or
hides what others read, only characters the receipt prints, and tax codes as Vietnam issues them.

Each check raises a ``ValidationError`` without a field name; the form or service that calls it
knows which field it is checking and puts the error there.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

logger = logging.getLogger(__name__)

# Embedding, override and isolate controls: they make "Nguyễn" display as something else (or
# a reference read backwards) while the stored text says otherwise.
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

# Unicode calls these letters or symbols, but they print as nothing: a "name" made of them
# looks empty on the receipt and the public list.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Cs", "Mn", "Me"})
# Zero-width space, word joiner and byte-order mark mean nothing in a name or an address, but make
# "Nguyễn" and "Ngu\u200byễn" two donors that look the same: they are dropped. (Zero-width
# joiners stay: some scripts and emoji sequences need them.)
_DROPPED = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
# Layout, not glyphs: an address may span lines.
_LAYOUT = frozenset("\n\r\t")

# The faces receipts are set in (receipts/static/receipts/pdf/receipt.css: DejaVu Sans, regular
# and bold). A character outside them would print as an empty box.
DEFAULT_RECEIPT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def text_normalise(value: Any) -> str:
    """Trimmed and in Unicode NFC, so "Nguyễn" typed with combining accents (as some keyboards
    and macOS file names do) is the same text as "Nguyễn" typed precomposed; zero-width spaces
    dropped."""
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", text.translate(_DROPPED)).strip()


def bidi_check(text: str) -> None:
    if any(ch in BIDI_CONTROLS for ch in text):
        raise ValidationError(
            _("Remove the hidden text-direction characters (often pasted with the text)."), code="bidi"
        )


def _visible(ch: str) -> bool:
    return ch not in _BLANK_GLYPHS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES


def visible_check(text: str) -> None:
    """Refuses text that has characters but none that shows (zero-width spaces, fillers)."""
    if text and not any(_visible(ch) for ch in str(text)):
        raise ValidationError(_("Type letters we can read; this text shows as blank."), code="invisible")


@functools.cache
def _receipt_characters() -> frozenset[int] | None:
    from fontTools.ttLib import TTFont  # lazy: read once (cached), and only where text meets the receipt font

    covered: set[int] | None = None
    for path in getattr(settings, "RECEIPT_FONT_FILES", DEFAULT_RECEIPT_FONTS):
        if not Path(path).exists():
            # Without the font the PDF cannot be set at all; scripts/system-deps.sh installs it.
            logger.warning("Receipt font %s is missing; characters are not checked against it.", path)
            return None
        cmap = set(TTFont(path, lazy=True).getBestCmap())
        covered = cmap if covered is None else covered & cmap
    return frozenset(covered or ())


def unprintable_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` the receipt font has no glyph for, in order."""
    covered = _receipt_characters()
    if covered is None:
        return []
    missing: list[str] = []
    for ch in text:
        if ch not in _LAYOUT and ord(ch) not in covered and ch not in missing:
            missing.append(ch)
    return missing


def printable_check(text: str) -> None:
    missing = unprintable_characters(text)
    if missing:
        raise ValidationError(
            _("Our receipts cannot print %(characters)s. Please leave out or replace these characters."),
            code="unprintable",
            params={"characters": " ".join(missing[:5])},
        )


def text_check(value: Any, *, printed: bool = True, visible: bool = False) -> str:
    """Normalised text, refused if it hides its direction, (``visible``) shows as blank, or
    (``printed``) goes on a receipt with characters the receipt cannot print."""
    text = text_normalise(value)
    bidi_check(text)
    if visible:
        # Judged on what was typed: zero-width spaces alone normalise to nothing, and must not
        # then pass as "left empty".
        visible_check(text or ("" if value is None else str(value)).strip())
    if printed:
        printable_check(text)
    return text


def tax_code_clean(value: Any) -> str:
    """A Vietnamese tax code (mã số thuế) as issued: 10 digits, or 13 for a branch (written
    0100109106-001), with its check digit. Spaces, dots and dashes a donor types are dropped;
    the code is stored in its printed form."""
    text = text_normalise(value)
    if not text:
        return ""
    try:
        return mst.format(mst.validate(text))
    except StdnumError:
        raise ValidationError(
            _("This is not a valid Vietnamese tax code: 10 digits, or 13 for a branch, as on the tax registration."),
            code="tax_code",
        ) from None
