"""Goods gifts received before the stock log existed enter it now, as the receiver does for new
ones (care.services.stock.stock_intake_from_gift), and refunded ones leave it again, so the
stock report agrees with the ledger's goods in stock from the first day. The item key and the
conversion are copied here: a migration must not follow later changes to the code."""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.utils import timezone

EXPONENT = {"VND": 0, "USD": 2}


def _key(name, unit):
    def norm(text):
        return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())

    return f"{norm(name)}|{norm(unit)}"


def _convert(amount, rate, currency):
    return (amount * rate).quantize(Decimal(1).scaleb(-EXPONENT[currency]), rounding=ROUND_HALF_UP)


def backfill(apps, schema_editor):
    Donation = apps.get_model("fund", "Donation")
    StockItem = apps.get_model("care", "StockItem")
    StockMovement = apps.get_model("care", "StockMovement")
    StockLine = apps.get_model("care", "StockLine")
    gifts = Donation.objects.filter(kind__in=["in_kind", "supplies"], status__in=["received", "refunded"])
    for gift in gifts.select_related("fund").order_by("pk").iterator():
        fund_currency, currency = gift.fund.currency, gift.amount_currency
        lines = list(gift.lines.order_by("id"))
        if currency == fund_currency:
            values = [line.fair_value for line in lines]
        else:
            total = _convert(gift.amount, gift.exchange_rate, fund_currency)
            values = [_convert(line.fair_value, gift.exchange_rate, fund_currency) for line in lines[:-1]]
            values.append(total - sum(values, Decimal(0)))
        restriction = "supplies" if gift.kind == "supplies" else "in_kind"
        for line, value in zip(lines, values):
            if StockMovement.objects.filter(donation_line=line, kind="intake").exists():
                continue
            item, _ = StockItem.objects.get_or_create(
                key=_key(line.description, line.unit),
                defaults={"name": " ".join(line.description.split()), "unit": " ".join(line.unit.split())},
            )
            StockLine.objects.get_or_create(fund_id=gift.fund_id, item=item, restriction=restriction)
            common = {"fund_id": gift.fund_id, "item": item, "restriction": restriction, "donation_line": line}
            StockMovement.objects.create(
                kind="intake",
                quantity=line.quantity,
                value=value,
                value_currency=fund_currency,
                date=timezone.localdate(gift.received_at),
                reference=f"gift:{gift.reference}",
                **common,
            )
            if gift.status == "refunded":
                StockMovement.objects.create(
                    kind="refund",
                    quantity=-line.quantity,
                    value=-value,
                    value_currency=fund_currency,
                    date=timezone.localdate(gift.closed_at or gift.received_at),
                    reference=f"gift:{gift.reference}",
                    **common,
                )


class Migration(migrations.Migration):
    dependencies = [("care", "0005_stock")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
