"""How numbers and dates are written in each language of the site, emails and PDFs.

Django's own locale formats give the separators (vi 1.234,5; en 1,234.5; ar 1.234,5). The
modules here (FORMAT_MODULE_PATH) override only what Django gets wrong for this site: English
dates are written day first, as in Vietnam and in British English, not month first.

Templates keep USE_THOUSAND_SEPARATOR off on purpose: with it on, every number a template
prints (ids in form values, data attributes, counts in URLs) would be grouped. Amounts and
quantities are formatted explicitly instead, through number_display and fund's money_display.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import numberformat, translation
from django.utils.formats import get_format


def active_language(language: str | None = None) -> str:
    """The language to format for: the one given, else the active one, else the site's."""
    return language or translation.get_language() or settings.LANGUAGE_CODE


def number_display(value: Decimal | int, *, places: int | None = None, language: str | None = None) -> str:
    """A number in the language's separators, grouped by thousands: vi 1.234.000 and 25,50; en
    1,234,000 and 25.50. ``places`` rounds (half up, as money is); None keeps the digits as
    recorded, without trailing zeros (a quantity of 120, a rate of 25432.5)."""
    language = active_language(language)
    value = Decimal(value)
    if places is None:
        value = value.normalize()
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    else:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # Grouping is given because not every locale's formats set NUMBER_GROUPING (Vietnamese does
    # not, and 25432,5 misreads easily).
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR", language),
        decimal_pos=places,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR", language),
        force_grouping=True,
    )
