"""Free text from forms, imports and integrations: trimmed, in Unicode NFC, bounded, with no NUL
characters (PostgreSQL refuses them, which would surface as a database error instead of a clear
one) and no bidirectional controls (they make what is shown differ from what is stored)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formats import number_display
from donors.text import BIDI_CONTROLS, text_normalise

from .errors import FundError

# How a refusal names the field it is about, in the reader's language. A caller whose field is
# not here (care's case file) passes its own ``label``, usually the model field's verbose name.
FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "code": gettext_lazy("code"),
    "restricted_purpose": gettext_lazy("restricted purpose"),
    "programme": gettext_lazy("programme"),
    "reference": gettext_lazy("reference"),
    "recipient": gettext_lazy("recipient"),
    "description": gettext_lazy("description"),
    "reason": gettext_lazy("reason"),
    "message": gettext_lazy("message"),
    "resolution": gettext_lazy("resolution"),
    "purpose": gettext_lazy("purpose"),
    "amount": gettext_lazy("amount"),
    "amount of each scholarship": gettext_lazy("amount of each scholarship"),
    "total": gettext_lazy("total"),
    "total value": gettext_lazy("total value"),
    "goal": gettext_lazy("goal"),
    "quantity": gettext_lazy("quantity"),
    "fair value": gettext_lazy("fair value"),
    "exchange rate": gettext_lazy("exchange rate"),
    "fee cover": gettext_lazy("card fee cover"),
    "second approval threshold": gettext_lazy("second approval threshold"),
}


def field_label(field: str, label: Any = None) -> str:
    """The words a refusal uses for ``field``: ``label`` if given, else the known label, else the
    field's name with spaces (callers pass such names already in words, e.g. "fair value")."""
    if label is not None:
        return str(label)
    known = FIELD_LABELS.get(field)
    return str(known) if known is not None else field.replace("_", " ")


def text_clean(value: Any, *, field: str, max_length: int, required: bool = False, label: Any = None) -> str:
    text = text_normalise(value)
    words = {"field": field_label(field, label)}
    if "\x00" in text:
        raise FundError(_("The %(field)s cannot contain NUL characters.") % words)
    if any(ch in BIDI_CONTROLS for ch in text):
        raise FundError(_("The %(field)s cannot contain text-direction control characters.") % words)
    if required and not text:
        raise FundError(_("The %(field)s is required.") % words)
    if len(text) > max_length:
        raise FundError(
            _("The %(field)s can be at most %(max)s characters (got %(length)s).")
            % {**words, "max": number_display(max_length, places=0), "length": number_display(len(text), places=0)}
        )
    return text
