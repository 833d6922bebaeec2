"""Gifts made on the public site: who gives (found or created), what they give, and how it will
be paid. Each entry point is one transaction: a donor, a payer and a pledge appear together or
not at all. Payment itself (card, transfer) happens after, against the saved pledge."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from config.actors import actor_user
from config.formats import number_display
from donors.models import Donor
from donors.services import donor_find_or_create, donor_public_choices_apply

from ..errors import FundError, InvalidAmount
from ..models import Campaign, Commitment, Donation, Fund, RecurringGift
from ..money import currency_check, currency_exponent, money_display, money_parse
from ..refusals import scholarship_count_refusal
from .centre import campaign_open_check
from .donations import donation_record

# The smallest gift the public form takes, per currency: below this a "gift" is far more often a
# stolen card being tested than a donation, and card fees would eat most of it.
MINIMUM_PUBLIC_GIFT = {"VND": Decimal("10000"), "USD": Decimal("1")}
# A pledge in instalments: at most 60 instalments (one post of the public form makes at most 60
# pledges), the last due within five years of the first, each at least the smallest public gift,
# and a total a centre of this size could plan with. Larger promises are agreed in person and
# recorded gift by gift.
MAX_INSTALMENTS = 60
MAX_COMMITMENT_MONTHS = 60
MAX_COMMITMENT_TOTAL = {"VND": Decimal("100000000000"), "USD": Decimal("4000000")}
MONTHS_PER_INSTALMENT = {
    Commitment.Frequency.MONTHLY: 1,
    Commitment.Frequency.QUARTERLY: 3,
    Commitment.Frequency.YEARLY: 12,
}

# How often a gift from the public form is paid: once, every month by card, or as a total
# promised in instalments.
ONCE, MONTHLY, INSTALMENTS = "once", "monthly", "instalments"


# The most one card payment may carry: Stripe takes amounts of up to eight digits in the
# currency's minor unit (99,999,999 VND; 999,999.99 USD).
STRIPE_MAX_MINOR_UNITS = 99_999_999


def card_maximum(currency: str) -> Decimal:
    return Decimal(STRIPE_MAX_MINOR_UNITS).scaleb(-currency_exponent(currency_check(currency)))


def public_exchange_rate(currency: str, fund: Fund) -> Decimal | None:
    """The rate a public gift in a foreign currency is recorded at (settings.PUBLIC_EXCHANGE_RATES,
    fund currency per unit). Refused when the centre has not set one: guessing would misstate the
    fund."""
    if currency == fund.currency:
        return None
    rate = settings.PUBLIC_EXCHANGE_RATES.get(f"{currency}_{fund.currency}")
    if not rate:
        raise FundError(_("Gifts in %(currency)s are not accepted for this fund.") % {"currency": currency})
    return Decimal(str(rate))


def public_minimum_check(money: Money) -> None:
    minimum = MINIMUM_PUBLIC_GIFT[money.currency.code]
    if money.amount < minimum:
        places = currency_exponent(money.currency.code)
        raise InvalidAmount(
            _("The smallest gift we can take online is %(amount)s %(currency)s.")
            % {"amount": number_display(minimum, places=places), "currency": money.currency.code}
        )


def card_fee_estimate(amount: Any, currency: str) -> Decimal:
    """What to add so that, after the card fee (settings.CARD_FEE_RATE and CARD_FEE_FIXED), the
    fund receives ``amount``: (amount + fixed) / (1 - rate) - amount, rounded up to the minor unit."""
    code = currency_check(currency)
    money = money_parse(amount, code)
    rate = Decimal(str(settings.CARD_FEE_RATE))
    fixed = Decimal(str(settings.CARD_FEE_FIXED.get(code, 0)))
    gross = (money.amount + fixed) / (1 - rate)
    quantum = Decimal(1).scaleb(-currency_exponent(code))
    fee = (gross - money.amount).quantize(quantum, rounding="ROUND_CEILING")
    return max(fee, Decimal(0))


def _donors(
    donor: Donor | Mapping[str, Any], payer: Mapping[str, Any] | None, actor: Any
) -> tuple[Donor, Donor | None]:
    """The credited donor and the payer, found or created. A returning donor's new choices reach
    their stored record only where that is safe (donors.services.donor_public_choices_apply); the
    gift carries them in full either way (see _gift_choices)."""
    if isinstance(donor, Donor):
        credited = donor
    else:
        credited = donor_find_or_create(actor=actor, **donor)
        donor_public_choices_apply(donor=credited, choices=dict(donor), actor=actor)
    paid_by = donor_find_or_create(actor=actor, **payer) if payer else None
    return credited, paid_by


def _gift_choices(donor: Donor | Mapping[str, Any]) -> dict[str, Any]:
    """The receipt choices typed with this gift, which the gift keeps whatever the stored donor
    says; a donor given as a record (the back office) lets the gift take the record's."""
    if isinstance(donor, Donor):
        return {"receipt_language": None, "receipt_by_email": None}
    return {
        "receipt_language": donor.get("preferred_language"),
        "receipt_by_email": donor.get("consent_receipts_by_email"),
    }


def gift_pledge(
    *,
    fund: Fund,
    donor: Mapping[str, Any],
    kind: str,
    channel: str,
    campaign: Campaign | None = None,
    payer: Mapping[str, Any] | None = None,
    amount: Any = None,
    currency: str | None = None,
    scholarship_count: int | None = None,
    scholarship_amount: Any = None,
    school_year: str = "",
    lines: Iterable[Mapping[str, Any]] | None = None,
    expected_on: datetime.date | None = None,
    cover_fee: bool = False,
    is_anonymous: bool = True,
    message: str = "",
    actor: Any = None,
) -> Donation:
    """A one-off gift from the public form, saved as a pledge. ``donor`` and ``payer`` are donor
    fields (see donors.services.DONOR_FIELDS). A scholarship's amount is count × amount each; with
    ``cover_fee`` a card gift adds the estimated card fee on top, recorded as ``fee_cover``."""
    currency = currency_check(currency or fund.currency)
    fee = None
    if kind == Donation.Kind.SCHOLARSHIP:
        if amount is not None:
            raise FundError(_("A scholarship gift takes the amount of each scholarship, not a total."))
        each = money_parse(scholarship_amount, currency, field="amount of each scholarship")
        if not isinstance(scholarship_count, int) or not (1 <= scholarship_count <= 10_000):
            raise FundError(scholarship_count_refusal())
        amount = each.amount * scholarship_count
    if kind not in Donation.GOODS_KINDS:
        money = money_parse(amount, currency)
        public_minimum_check(money)
        if cover_fee:
            if channel != Donation.Channel.CARD:
                raise FundError(_("Covering the card fee applies to card gifts only."))
            fee = card_fee_estimate(money.amount, currency)
            amount = money.amount + fee
        else:
            amount = money.amount
    if expected_on is not None and expected_on < timezone.localdate():
        raise FundError(_("The expected date cannot be in the past."))
    with transaction.atomic():
        credited, paid_by = _donors(donor, payer, actor)
        return donation_record(
            fund=fund,
            campaign=campaign,
            donor=credited,
            payer=paid_by,
            kind=kind,
            channel=channel,
            amount=amount if kind not in Donation.GOODS_KINDS else None,
            currency=currency,
            exchange_rate=public_exchange_rate(currency, fund),
            lines=lines,
            scholarship_count=scholarship_count if kind == Donation.Kind.SCHOLARSHIP else None,
            school_year=school_year if kind == Donation.Kind.SCHOLARSHIP else "",
            expected_on=expected_on,
            is_anonymous=is_anonymous,
            message=message,
            fee_cover=fee,
            actor=actor,
            **_gift_choices(donor),
        )


def recurring_gift_create(
    *,
    fund: Fund,
    donor: Mapping[str, Any],
    amount: Any,
    currency: str | None = None,
    campaign: Campaign | None = None,
    payer: Mapping[str, Any] | None = None,
    is_anonymous: bool = True,
    actor: Any = None,
) -> RecurringGift:
    """A monthly card gift, waiting for its first payment. Each paid month becomes a received
    Donation when Stripe reports the invoice paid."""
    currency = currency_check(currency or fund.currency)
    money = money_parse(amount, currency)
    public_minimum_check(money)
    public_exchange_rate(currency, fund)  # refuse a currency the fund cannot record
    if not fund.is_active:
        raise FundError(_("Fund %(fund)s is closed to new gifts.") % {"fund": fund.code})
    if campaign is not None and campaign.fund_id != fund.pk:
        raise FundError(_("Campaign %(campaign)r belongs to another fund.") % {"campaign": campaign.name})
    choices = _gift_choices(donor)
    with transaction.atomic():
        credited, paid_by = _donors(donor, payer, actor)
        gift = RecurringGift.objects.create(
            donor=credited,
            payer=paid_by,
            fund=fund,
            campaign=campaign,
            amount=money,
            is_anonymous=is_anonymous,
            receipt_language=choices["receipt_language"] or credited.preferred_language,
            receipt_by_email=(
                credited.consent_receipts_by_email
                if choices["receipt_by_email"] is None
                else bool(choices["receipt_by_email"])
            ),
        )
        audit_record(actor=actor, action="recurring_gift.create", obj=gift, data={"amount": str(money)})
    return gift


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def commitment_create(
    *,
    fund: Fund,
    donor: Donor | Mapping[str, Any],
    total: Any,
    instalments: int,
    frequency: str,
    first_due_on: datetime.date,
    currency: str | None = None,
    campaign: Campaign | None = None,
    channel: str = Donation.Channel.BANK_TRANSFER,
    payer: Mapping[str, Any] | None = None,
    is_anonymous: bool | None = None,
    message: str = "",
    actor: Any = None,
) -> Commitment:
    """A total promised over several instalments. Each instalment is a pledged money gift due on
    its date (``expected_on``), so the back office lists what is due and late from pledges alone.
    The total splits evenly in the currency's smallest unit; the last instalment takes the rest."""
    currency = currency_check(currency or fund.currency)
    money = money_parse(total, currency, field="total")
    if frequency not in Commitment.Frequency.values:
        raise FundError(
            _("Unknown frequency %(value)r; expected one of: %(choices)s.")
            % {"value": frequency, "choices": ", ".join(Commitment.Frequency.values)}
        )
    if isinstance(instalments, bool) or not isinstance(instalments, int) or not (2 <= instalments <= MAX_INSTALMENTS):
        raise FundError(_("A pledge in instalments has 2 to %(max)s instalments.") % {"max": MAX_INSTALMENTS})
    if channel not in (Donation.Channel.BANK_TRANSFER, Donation.Channel.CASH):
        raise FundError(_("Instalments are paid by bank transfer or in cash."))
    if first_due_on < timezone.localdate():
        raise FundError(_("The first instalment cannot be due in the past."))
    if first_due_on > timezone.localdate() + datetime.timedelta(days=5 * 366):
        raise FundError(_("The first instalment must be due within five years."))
    if MONTHS_PER_INSTALMENT[frequency] * (instalments - 1) >= MAX_COMMITMENT_MONTHS:
        raise FundError(_("The last instalment must be due within five years of the first; choose fewer instalments."))
    if money.amount > MAX_COMMITMENT_TOTAL[currency]:
        places = currency_exponent(currency)
        raise InvalidAmount(
            _("A pledge in instalments can total at most %(amount)s %(currency)s.")
            % {"amount": number_display(MAX_COMMITMENT_TOTAL[currency], places=places), "currency": currency}
        )
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    each = (money.amount / instalments).quantize(quantum, rounding=ROUND_DOWN)
    if each < MINIMUM_PUBLIC_GIFT[currency]:
        raise InvalidAmount(_("The total is too small to split into that many instalments."))
    amounts = [each] * (instalments - 1) + [money.amount - each * (instalments - 1)]
    rate = public_exchange_rate(currency, fund)
    with transaction.atomic():
        credited, paid_by = _donors(donor, payer, actor)
        commitment = Commitment.objects.create(
            donor=credited,
            fund=fund,
            campaign=campaign,
            total=money,
            instalments=instalments,
            frequency=frequency,
            first_due_on=first_due_on,
            created_by=actor_user(actor),
        )
        step = MONTHS_PER_INSTALMENT[frequency]
        for number, instalment in enumerate(amounts):
            donation_record(
                fund=fund,
                campaign=campaign,
                donor=credited,
                kind=Donation.Kind.CASH,
                channel=channel,
                amount=instalment,
                currency=currency,
                exchange_rate=rate,
                expected_on=_add_months(first_due_on, step * number),
                commitment=commitment,
                payer=paid_by,
                is_anonymous=is_anonymous,
                message=message,
                actor=actor,
                **_gift_choices(donor),
            )
        audit_record(
            actor=actor,
            action="commitment.create",
            obj=commitment,
            data={"total": str(money), "instalments": instalments, "frequency": frequency},
        )
    return commitment


def _public_bounds_check(
    *, total: Decimal | None, currency: str, channel: str, minimum_vnd: int, maximum_vnd: int
) -> None:
    """The page's smallest gift (VND), and for cards the largest gift a card may carry: the
    page's own limit, never above what Stripe takes in one payment. Bank transfers have no
    upper bound here: large organisational gifts arrive that way."""
    if total is None:
        return
    if currency == "VND" and total < minimum_vnd:
        smallest = money_display(Money(minimum_vnd, "VND"))
        raise InvalidAmount(_("The smallest gift here is %(amount)s.") % {"amount": smallest})
    if channel == Donation.Channel.CARD:
        largest = card_maximum(currency)
        if currency == "VND":
            largest = min(largest, Decimal(maximum_vnd))
        if total > largest:
            raise InvalidAmount(
                _("By card we can take at most %(amount)s at once; please give by bank transfer.")
                % {"amount": money_display(Money(largest, currency))}
            )


def gift_from_public_form(
    *,
    fund: Fund,
    campaign: Campaign | None,
    donor: Mapping[str, Any],
    payer: Mapping[str, Any] | None,
    kind: str,
    frequency: str,
    channel: str,
    currency: str,
    amount: Decimal | None = None,
    instalments: int | None = None,
    instalment_frequency: str = "",
    first_due_on: datetime.date | None = None,
    scholarship_count: int | None = None,
    scholarship_amount: Decimal | None = None,
    school_year: str = "",
    lines: Iterable[Mapping[str, Any]] = (),
    expected_on: datetime.date | None = None,
    cover_fee: bool = False,
    is_anonymous: bool = True,
    message: str = "",
    minimum_vnd: int,
    maximum_vnd: int,
    allow_monthly: bool,
    actor: Any = None,
) -> Donation | RecurringGift:
    """What one post of the public donation form makes: a monthly card gift, a pledge in
    instalments (its first instalment is returned), or a one-off pledge of money, a scholarship
    or goods. ``minimum_vnd``, ``maximum_vnd`` and ``allow_monthly`` are the donation page's own
    limits. A refusal names its field as the form does: InvalidAmount belongs to the amount the
    donor typed, a ValidationError with a dict to the fields it names, InvalidLines to a goods
    line; nothing is written."""
    campaign_open_check(campaign)
    if kind == Donation.Kind.CASH and frequency == MONTHLY:
        if not allow_monthly:
            raise FundError({"frequency": [_("Monthly gifts are not offered on this page.")]})
        _public_bounds_check(
            total=amount, currency=currency, channel=channel, minimum_vnd=minimum_vnd, maximum_vnd=maximum_vnd
        )
        return recurring_gift_create(
            fund=fund,
            campaign=campaign,
            donor=donor,
            payer=payer,
            amount=amount,
            currency=currency,
            is_anonymous=is_anonymous,
            actor=actor,
        )
    if kind == Donation.Kind.CASH and frequency == INSTALMENTS:
        # The bounds apply to each payment, not to the promised total.
        each = amount / instalments if amount is not None and instalments else None
        _public_bounds_check(
            total=each, currency=currency, channel=channel, minimum_vnd=minimum_vnd, maximum_vnd=maximum_vnd
        )
        commitment = commitment_create(
            fund=fund,
            campaign=campaign,
            donor=donor,
            payer=payer,
            total=amount,
            currency=currency,
            instalments=instalments,
            frequency=instalment_frequency,
            first_due_on=first_due_on,
            is_anonymous=is_anonymous,
            message=message,
            actor=actor,
        )
        return commitment.donations.order_by("expected_on").first()
    if kind == Donation.Kind.CASH:
        _public_bounds_check(
            total=amount, currency=currency, channel=channel, minimum_vnd=minimum_vnd, maximum_vnd=maximum_vnd
        )
    if kind == Donation.Kind.SCHOLARSHIP and scholarship_amount is not None and scholarship_count is not None:
        _public_bounds_check(
            total=scholarship_amount * scholarship_count,
            currency=currency,
            channel=channel,
            minimum_vnd=minimum_vnd,
            maximum_vnd=maximum_vnd,
        )
    goods = kind in Donation.GOODS_KINDS
    return gift_pledge(
        fund=fund,
        campaign=campaign,
        donor=donor,
        payer=payer,
        kind=kind,
        # Goods are brought, not paid, and valued in dong.
        channel=Donation.Channel.IN_KIND_DELIVERY if goods else channel,
        amount=amount if kind == Donation.Kind.CASH else None,
        currency="VND" if goods else currency,
        scholarship_count=scholarship_count,
        scholarship_amount=scholarship_amount,
        school_year=school_year,
        lines=list(lines),
        expected_on=expected_on,
        cover_fee=cover_fee and channel == Donation.Channel.CARD,
        is_anonymous=is_anonymous,
        message=message,
        actor=actor,
    )
