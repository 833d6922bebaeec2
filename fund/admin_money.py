"""Amounts in the back office: written as the admin user's language writes them on screen, and
exported as numbers an accountant can sum. Shared by every listing and inspect screen that shows
money (fund, bank transfers, card payments, receipts)."""

import datetime

from django.utils import timezone
from djmoney.money import Money
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic

from .money import money_display


class MoneyColumn(Column):
    """An amount written as the admin user's language writes it (money_display), not as
    djmoney's str() does ("$25.50", "₫1,000,000")."""

    def get_value(self, instance):
        value = getattr(instance, self.name, None)
        return money_display(value) if value is not None else "—"


class MoneyInspectView(generic.InspectView):
    """Inspect screens write amounts as the admin user's language writes them, like MoneyColumn."""

    def get_field_display_value(self, field_name, field):
        value = getattr(self.object, field_name, None)
        if isinstance(value, Money):
            return money_display(value)
        return super().get_field_display_value(field_name, field)


class MoneyExportIndexView(generic.IndexView):
    """CSV and XLSX exports an accountant can sum: an amount is a plain number (a real number cell
    in XLSX) with its currency in its own column, and times are in the centre's time zone (Wagtail
    writes XLSX times in UTC, which puts a gift at 06:00 in Vietnam on the day before)."""

    custom_value_preprocess = {
        **generic.IndexView.custom_value_preprocess,
        datetime.datetime: {
            "xlsx": lambda value: timezone.make_naive(value) if timezone.is_aware(value) else value,
            "csv": lambda value: (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat(
                sep=" ", timespec="seconds"
            ),
        },
        Money: {"xlsx": lambda money: money.amount, "csv": lambda money: str(money.amount)},
    }
