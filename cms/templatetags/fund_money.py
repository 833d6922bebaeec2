from django import template
from djmoney.money import Money

from fund.selectors.balances import money_display

register = template.Library()


@register.filter
def money(value):
    """1.900.000.000 ₫ or 25.00 USD: amounts as donors here write them."""
    if value is None or value == "":
        return ""
    return money_display(value)


@register.filter
def money_in(amount, currency):
    """A plain amount (a Decimal field) in the given currency, written like ``money``."""
    if amount is None or amount == "":
        return ""
    return money_display(Money(amount, currency))
