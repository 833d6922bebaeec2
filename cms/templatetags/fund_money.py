from django import template

from fund.selectors.balances import money_display

register = template.Library()


@register.filter
def money(value):
    """1.900.000.000 ₫ or 25.00 USD: amounts as donors here write them."""
    if value is None or value == "":
        return ""
    return money_display(value)
