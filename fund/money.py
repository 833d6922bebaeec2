"""Money at the edges: parse what users and integrations send into Decimal + currency, and
write amounts back out the way readers of each language write them.

Amounts are Decimal with an ISO currency, never float. A currency's exponent (VND 0, USD 2)
decides how many decimal places an amount may have; Stripe's integer minor units are derived
from it at the edge, never stored.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from djmoney.money import Money
from moneyed import get_currency

from config.formats import active_language, number_display

from .errors import InvalidAmount, UnknownCurrency
from .text import field_label

_PLAIN_DECIMAL = re.compile(r"^-?\d{1,30}(\.\d{1,30})?$")

CURRENCY_CHOICES = [("VND", "VND ₫"), ("USD", "USD $")]

# Upper bound for any single amount: a national appeal is trillions of VND, so 10^15 is
# generous while still refusing absurd or overflowing input.
MAX_AMOUNT = Decimal("1000000000000000")


def currency_check(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in settings.ACCEPTED_CURRENCIES:
        accepted = ", ".join(settings.ACCEPTED_CURRENCIES)
        raise UnknownCurrency(
            _("Unknown or unaccepted currency %(code)r; accepted: %(accepted)s.") % {"code": code, "accepted": accepted}
        )
    return code


def currency_exponent(code: str) -> int:
    """Decimal places of the currency's minor unit: VND 0, USD 2."""
    sub_unit = get_currency(currency_check(code)).sub_unit
    return len(str(sub_unit)) - 1


def to_decimal(value, *, field: str = "amount") -> Decimal:
    """A Decimal from a Decimal, an int or a plain decimal string ("1500000", "20.50").

    Strings with separators are refused rather than guessed: "1,5" is 1.5 in Vietnamese and 15
    to a machine that drops commas. Forms that accept localised input convert it first.
    """
    words = {"field": field_label(field), "value": repr(value)}
    if isinstance(value, float):
        raise InvalidAmount(_("The %(field)s must be given as a decimal string or Decimal, not a float.") % words)
    if isinstance(value, bool):
        raise InvalidAmount(_("The %(field)s %(value)s is not a number.") % words)
    if isinstance(value, Money):
        value = value.amount  # money_parse has already checked its currency
    if isinstance(value, str):
        value = value.strip()
        if value.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise InvalidAmount(_("The %(field)s must be a finite number.") % words)
        if not _PLAIN_DECIMAL.match(value):
            raise InvalidAmount(
                _(
                    "The %(field)s %(value)s is not a number: write digits with an optional '.' "
                    "and decimals, without thousands separators."
                )
                % {**words, "value": repr(value[:40])}
            )
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(_("The %(field)s %(value)s is not a number.") % words) from None
    if not number.is_finite():
        raise InvalidAmount(_("The %(field)s must be a finite number.") % words)
    return number


def money_parse(amount, currency: str, *, field: str = "amount") -> Money:
    """A positive amount in an accepted currency with no more decimals than the currency has."""
    code = currency_check(currency)
    words = {"field": field_label(field), "currency": code}
    if isinstance(amount, Money):
        if amount.currency.code != code:
            raise InvalidAmount(
                _("The %(field)s is in %(given)s, not %(currency)s.") % {**words, "given": amount.currency.code}
            )
        amount = amount.amount
    number = to_decimal(amount, field=field)
    if number <= 0:
        raise InvalidAmount(_("The %(field)s must be greater than zero.") % words)
    if number >= MAX_AMOUNT:
        raise InvalidAmount(_("The %(field)s is larger than any gift this platform accepts.") % words)
    exponent = currency_exponent(code)
    if number != number.quantize(Decimal(1).scaleb(-exponent)):
        raise InvalidAmount(
            _("%(currency)s amounts have at most %(places)s decimal places; %(number)s has more.")
            % {**words, "places": exponent, "number": number}
        )
    return Money(number.quantize(Decimal(1).scaleb(-exponent)), code)


def money_convert(money: Money, *, to_currency: str, rate: Decimal) -> Money:
    """Convert at a recorded rate (units of ``to_currency`` per one unit of ``money``),
    rounded half-up to the target currency's minor unit."""
    exponent = currency_exponent(to_currency)
    converted = (money.amount * rate).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
    return Money(converted, to_currency)


# Languages that write a currency's code before the amount (USD 25.50); the others after it
# (25,50 USD). The dong sign follows the amount in every language (1,234,000 ₫).
CODE_BEFORE_AMOUNT = {"en"}


def money_display(money: Money, *, language: str | None = None) -> str:
    """An amount as readers of ``language`` (default: the active one) write it, to the
    currency's minor unit: vi 1.234.000 ₫ and 25,50 USD; en 1,234,000 ₫ and USD 25.50. Pages,
    emails, PDFs and the back office all print money through here."""
    language = active_language(language)
    code = money.currency.code
    number = number_display(money.amount, places=currency_exponent(code), language=language)
    if code == "VND":
        return f"{number} ₫"
    if language.split("-")[0] in CODE_BEFORE_AMOUNT:
        return f"{code} {number}"
    return f"{number} {code}"
