"""Money at the edges: parse what users and integrations send into Decimal + currency, and
write amounts back out the way readers of each language write them.

Amounts are Decimal with an ISO currency, never float. A currency's exponent (VND 0, USD 2)
decides how many decimal places an amount may have; Stripe's integer minor units are derived
from it at the edge, never stored.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from djmoney.money import Money
from moneyed import get_currency

from config.formats import active_language, number_display

from .errors import InvalidAmount, UnknownCurrency

_PLAIN_DECIMAL = re.compile(r"^-?\d{1,30}(\.\d{1,30})?$")

CURRENCY_CHOICES = [("VND", "VND ₫"), ("USD", "USD $")]

# Upper bound for any single amount: a national appeal is trillions of VND, so 10^15 is
# generous while still refusing absurd or overflowing input.
MAX_AMOUNT = Decimal("1000000000000000")


def currency_check(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in settings.ACCEPTED_CURRENCIES:
        accepted = ", ".join(settings.ACCEPTED_CURRENCIES)
        raise UnknownCurrency(f"Unknown or unaccepted currency {code!r}; accepted: {accepted}.")
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
    if isinstance(value, float):
        raise InvalidAmount(f"The {field} must be given as a decimal string or Decimal, not a float.")
    if isinstance(value, bool):
        raise InvalidAmount(f"The {field} {value!r} is not a number.")
    if isinstance(value, Money):
        value = value.amount  # money_parse has already checked its currency
    if isinstance(value, str):
        value = value.strip()
        if value.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise InvalidAmount(f"The {field} must be a finite number.")
        if not _PLAIN_DECIMAL.match(value):
            raise InvalidAmount(
                f"The {field} {value[:40]!r} is not a number: write digits with an optional '.' "
                "and decimals, without thousands separators."
            )
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(f"The {field} {value!r} is not a number.") from None
    if not number.is_finite():
        raise InvalidAmount(f"The {field} must be a finite number.")
    return number


def money_parse(amount, currency: str, *, field: str = "amount") -> Money:
    """A positive amount in an accepted currency with no more decimals than the currency has."""
    code = currency_check(currency)
    if isinstance(amount, Money):
        if amount.currency.code != code:
            raise InvalidAmount(f"The {field} is in {amount.currency.code}, not {code}.")
        amount = amount.amount
    number = to_decimal(amount, field=field)
    if number <= 0:
        raise InvalidAmount(f"The {field} must be greater than zero.")
    if number >= MAX_AMOUNT:
        raise InvalidAmount(f"The {field} is larger than any gift this platform accepts.")
    exponent = currency_exponent(code)
    if number != number.quantize(Decimal(1).scaleb(-exponent)):
        raise InvalidAmount(f"{code} amounts have at most {exponent} decimal places; {number} has more.")
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
