from django import template
from djmoney.money import Money

from fund.selectors.balances import money_display

register = template.Library()


@register.filter
def money(value):
    """An amount in the page's language: vi 1.900.000.000 ₫ and 25,50 USD, en 1,900,000,000 ₫
    and USD 25.50 (fund.selectors.balances.money_display)."""
    if value is None or value == "":
        return ""
    return money_display(value)


@register.filter
def money_in(amount, currency):
    """A plain amount (a Decimal field) in the given currency, written like ``money``."""
    if amount is None or amount == "":
        return ""
    return money_display(Money(amount, currency))
