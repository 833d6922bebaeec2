"""Amounts in the back office: written as the admin user's language writes them on screen, and
exported as numbers an accountant can sum. Shared by every listing and inspect screen that shows
money (fund, bank transfers, card payments, receipts)."""

from djmoney.money import Money
from wagtail.admin.ui.tables import Column

from config.wagtail_admin import ExportIndexView, InspectView

from .money import money_display


class MoneyColumn(Column):
    """An amount written as the admin user's language writes it (money_display), not as
    djmoney's str() does ("$25.50", "₫1,000,000")."""

    def get_value(self, instance):
        value = getattr(instance, self.name, None)
        return money_display(value) if value is not None else "—"


class MoneyInspectView(InspectView):
    """Inspect screens write amounts as the admin user's language writes them, like MoneyColumn."""

    def get_field_display_value(self, field_name, field):
        value = getattr(self.object, field_name, None)
        if isinstance(value, Money):
            return money_display(value)
        return super().get_field_display_value(field_name, field)


class MoneyExportIndexView(ExportIndexView):
    """Exports an accountant can sum: an amount is a plain number (a real number cell in XLSX)
    with its currency in its own column (``<field>_currency``, left empty when there is no
    amount: a statement of gifts in two currencies has no single total, and "VND" beside an
    empty cell would say otherwise). Times and booleans as ExportIndexView writes them."""

    custom_value_preprocess = {
        **ExportIndexView.custom_value_preprocess,
        Money: {"xlsx": lambda money: money.amount, "csv": lambda money: str(money.amount)},
    }

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        for field in row:
            if field.endswith("_currency") and field.removesuffix("_currency") in row:
                if row[field.removesuffix("_currency")] is None:
                    row[field] = None
        return row
