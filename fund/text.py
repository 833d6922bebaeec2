"""Free text from forms, imports and integrations: trimmed, in Unicode NFC, bounded, with no NUL
characters (PostgreSQL refuses them, which would surface as a database error instead of a clear
one) and no bidirectional controls (they make what is shown differ from what is stored)."""

from typing import Any

from donors.text import BIDI_CONTROLS, text_normalise

from .errors import FundError


def text_clean(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = text_normalise(value)
    label = field.replace("_", " ")
    if "\x00" in text:
        raise FundError(f"The {label} cannot contain NUL characters.")
    if any(ch in BIDI_CONTROLS for ch in text):
        raise FundError(f"The {label} cannot contain text-direction control characters.")
    if required and not text:
        raise FundError(f"The {label} is required.")
    if len(text) > max_length:
        raise FundError(f"The {label} can be at most {max_length:,} characters (got {len(text):,}).")
    return text
