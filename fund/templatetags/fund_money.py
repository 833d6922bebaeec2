"""Money and numbers in templates, in the reader's language: every app's pages, emails and
admin screens write amounts through here (fund.money.money_display)."""

from django import template
from djmoney.money import Money

from config.formats import number_display
from fund.money import money_display

register = template.Library()


@register.filter
def money(value):
    """An amount in the page's language: vi 1.900.000.000 ₫ and 25,50 USD, en 1,900,000,000 ₫
    and USD 25.50 (fund.money.money_display)."""
    if value is None or value == "":
        return ""
    return money_display(value)


@register.filter
def money_in(amount, currency):
    """A plain amount (a Decimal field) in the given currency, written like ``money``."""
    if amount is None or amount == "":
        return ""
    return money_display(Money(amount, currency))


@register.filter
def number(value):
    """A count or quantity grouped in the page's language: vi 1.234, en 1,234
    (config.formats.number_display). USE_THOUSAND_SEPARATOR stays off, so this is explicit."""
    if value is None or value == "":
        return ""
    return number_display(value)
