"""Reads behind the back-office reports on gifts (reporting/reports/gifts.py, pledges.py): the
rows as querysets a report can filter and page, and their totals summed by the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Round, TruncDate
from django.utils import timezone
from djmoney.money import Money

from ..models import Donation

_AMOUNT = DecimalField(max_digits=20, decimal_places=2)


def _fund_amount():
    """The gift's value in its fund's currency, as the ledger holds it (Donation.fund_value):
    the amount itself, or converted at the recorded rate, rounded half-up to the fund currency's
    minor unit (VND none, USD cents; PostgreSQL rounds numeric halves away from zero)."""
    converted = F("amount") * F("exchange_rate")
    return Case(
        When(amount_currency=F("fund__currency"), then=F("amount")),
        When(fund__currency="VND", then=Round(converted, 0)),
        default=Round(converted, 2),
        output_field=_AMOUNT,
    )


def gifts_report() -> QuerySet[Donation]:
    """Every gift that was received (including those refunded since), newest first, with
    ``received_on`` (the centre's date) and ``fund_amount`` (its value in the fund's currency)
    annotated, and the donor and fund joined so a page of rows is one query."""
    return (
        Donation.objects.filter(received_at__isnull=False)
        .select_related("donor", "fund")
        .annotate(
            received_on=TruncDate("received_at", tzinfo=timezone.get_default_timezone()),
            fund_amount=_fund_amount(),
        )
        .order_by("-received_at", "-pk")
    )


def _money_totals(rows, currency_field: str, amount_field: str) -> list[Money]:
    totals = rows.order_by().values(currency_field).annotate(total=Sum(amount_field)).order_by(currency_field)
    return [Money(row["total"] or Decimal(0), row[currency_field]) for row in totals]


def gift_totals(gifts: QuerySet[Donation]) -> dict[str, list[Money]]:
    """The sum of ``gifts`` (a gifts_report queryset, filtered) per currency: ``fund`` in the
    funds' currencies, as the ledger holds them; ``given`` in the currencies the donors gave."""
    return {
        "fund": _money_totals(gifts, "fund__currency", "fund_amount"),
        "given": _money_totals(gifts, "amount_currency", "amount"),
    }


def pledge_late_since(pledge: Donation) -> datetime.date | None:
    """The day a pledge became late: its due date, or for one without a date (a bank-transfer
    pledge, paid by most donors within minutes) PLEDGE_LATE_AFTER_DAYS after it was made."""
    if pledge.expected_on is not None:
        return pledge.expected_on
    pledged_on = timezone.localtime(pledge.pledged_at).date()
    return pledged_on + datetime.timedelta(days=settings.PLEDGE_LATE_AFTER_DAYS)


def pledges_outstanding(*, today: datetime.date | None = None, within_days: int | None = None) -> QuerySet[Donation]:
    """Pledged gifts not yet received, money and goods alike: late ones first (the longest
    overdue at the top), then those due, earliest first, then those with no due date. Each has
    ``is_late`` annotated: its due date has passed, or it has none and is older than
    PLEDGE_LATE_AFTER_DAYS (pledge_late_since). With ``within_days``, only those late, undated
    or due by then (the home page: an instalment due in two years is not awaited yet)."""
    today = today or timezone.localdate()
    undated_before = timezone.now() - datetime.timedelta(days=settings.PLEDGE_LATE_AFTER_DAYS)
    late = Q(expected_on__lt=today) | Q(expected_on__isnull=True, pledged_at__lt=undated_before)
    pledges = Donation.objects.filter(status=Donation.Status.PLEDGED)
    if within_days is not None:
        horizon = today + datetime.timedelta(days=within_days)
        pledges = pledges.filter(Q(expected_on__isnull=True) | Q(expected_on__lte=horizon))
    return (
        pledges.select_related("donor", "fund", "commitment")
        .annotate(is_late=Case(When(late, then=True), default=False, output_field=BooleanField()))
        .order_by(F("is_late").desc(), F("expected_on").asc(nulls_last=True), "pledged_at", "pk")
    )
