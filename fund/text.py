"""Free text from forms, imports and integrations: trimmed, bounded, no NUL characters
(PostgreSQL refuses them, which would surface as a database error instead of a clear one)."""

from typing import Any

from .errors import FundError


def text_clean(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    label = field.replace("_", " ")
    if "\x00" in text:
        raise FundError(f"The {label} cannot contain NUL characters.")
    if required and not text:
        raise FundError(f"The {label} is required.")
    if len(text) > max_length:
        raise FundError(f"The {label} can be at most {max_length:,} characters (got {len(text):,}).")
    return text
