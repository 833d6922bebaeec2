"""Recording gifts and moving them through their life: pledged -> received -> (refunded), or
pledged -> cancelled. Receiving posts to the ledger; refunding posts the reversal."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from djmoney.money import Money

from audit.services import audit_record
from config.actors import actor_user
from config.formats import number_display
from donors.models import Donor
from donors.text import text_check

from ..errors import ExchangeRateRequired, FundError, InvalidAmount, InvalidLines, InvalidTransition
from ..models import AccountRole, Campaign, Donation, DonationLine, Fund, Posting
from ..money import MAX_AMOUNT, currency_check, money_convert, money_parse, to_decimal
from ..refusals import scholarship_count_refusal, status_words
from ..signals import donation_received, donation_refunded
from ..text import text_clean
from .ledger import Entry, ledger_post, ledger_reverse
from .ledger_batch import PostingToWrite
from .locks import gift_lock

MAX_LINES = 200
RECEIPT_LANGUAGES = ("vi", "en")  # the languages receipts are written in
RATE_QUANTUM = Decimal("0.0000000001")  # Donation.exchange_rate has 10 decimal places
_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_KIND, _CHANNEL = gettext_lazy("kind"), gettext_lazy("channel")

# Where received value lands: the channel says which asset grows, the kind which income.
_ASSET_BY_CHANNEL = {
    Donation.Channel.CARD: AccountRole.CARD_CLEARING,
    Donation.Channel.BANK_TRANSFER: AccountRole.BANK,
    Donation.Channel.CASH: AccountRole.CASH_ON_HAND,
    Donation.Channel.IN_KIND_DELIVERY: AccountRole.GOODS_STOCK,
}
_INCOME_BY_KIND = {
    Donation.Kind.CASH: AccountRole.INCOME_CASH,
    Donation.Kind.SCHOLARSHIP: AccountRole.INCOME_SCHOLARSHIP,
    Donation.Kind.IN_KIND: AccountRole.INCOME_IN_KIND,
    Donation.Kind.SUPPLIES: AccountRole.INCOME_SUPPLIES,
}


def _choice(value: Any, choices: type, label: Any) -> str:
    if value not in choices.values:
        raise FundError(
            _("Unknown %(label)s %(value)r; expected one of: %(choices)s.")
            % {"label": label, "value": value, "choices": ", ".join(choices.values)}
        )
    return value


def _line_error(number: int, field: str, message: str) -> InvalidLines:
    """A refused line, naming the line (from 1) and field so a form can show it beside them."""
    error = InvalidLines(_("Line %(number)s: %(message)s") % {"number": number, "message": message})
    error.line, error.field = number, field
    return error


def _clean_lines(lines: Iterable[Mapping[str, Any]] | None, currency: str) -> list[DonationLine]:
    lines = list(lines or [])
    if not lines:
        raise InvalidLines(_("Goods need at least one line: what, how many, which unit and its value."))
    if len(lines) > MAX_LINES:
        raise InvalidLines(_("At most %(max)s lines per gift.") % {"max": MAX_LINES})
    cleaned = []
    for number, line in enumerate(lines, 1):
        # Both are printed on the receipt: normalised, shown, and every character printable.
        texts = {}
        for field in ("description", "unit"):
            try:
                texts[field] = text_check(line.get(field), visible=True)
            except ValidationError as exc:
                raise _line_error(number, field, " ".join(exc.messages)) from None
        description, unit = texts["description"], texts["unit"]
        if not description or len(description) > 200 or "\x00" in description:
            raise _line_error(number, "description", _("describe the goods in 1 to 200 characters."))
        if not unit or len(unit) > 20 or "\x00" in unit:
            raise _line_error(number, "unit", _("give a unit (kg, box, piece…) of at most 20 characters."))
        if line.get("quantity") in (None, ""):
            raise _line_error(number, "quantity", _("a quantity is required."))
        try:
            quantity = to_decimal(line["quantity"], field="quantity")
        except InvalidAmount:
            raise _line_error(
                number, "quantity", _("the quantity %(value)r is not a number.") % {"value": line["quantity"]}
            ) from None
        if quantity <= 0 or quantity >= Decimal("1000000000") or quantity != quantity.quantize(Decimal("0.001")):
            raise _line_error(number, "quantity", _("the quantity must be above zero with at most 3 decimals."))
        try:
            value = money_parse(line.get("fair_value"), currency, field="fair value")
        except InvalidAmount as exc:
            raise _line_error(number, "fair_value", exc.message) from None
        cleaned.append(DonationLine(description=description, quantity=quantity, unit=unit, fair_value=value.amount))
    return cleaned


def _check_not_future(moment: datetime.datetime) -> None:
    # A few minutes' grace for clocks that differ between a bank, Stripe and this server.
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise FundError(_("A gift cannot be received in the future."))


def receipt_posting(donation: Donation, late_into_open_period: bool) -> PostingToWrite:
    """The ledger posting of a gift received: its fund's asset for the channel debited, the
    income for its kind credited, at its value in the fund's currency. One gift at a time
    (``_post_receipt``) and a batch (receiving.donations_receive) post exactly this."""
    value = donation.fund_value
    return PostingToWrite(
        fund=donation.fund,
        kind=Posting.Kind.DONATION_RECEIVED,
        entries=[
            Entry(role=_ASSET_BY_CHANNEL[donation.channel], side="debit", money=value),
            Entry(role=_INCOME_BY_KIND[donation.kind], side="credit", money=value),
        ],
        description=f"Gift {donation.reference} ({donation.get_kind_display()}, {donation.get_channel_display()})",
        date=timezone.localdate(donation.received_at),
        donation=donation,
        late_into_open_period=late_into_open_period,
    )


def _post_receipt(donation: Donation, actor: Any, late_into_open_period: bool) -> Posting:
    return ledger_post(**receipt_posting(donation, late_into_open_period).as_arguments(), actor=actor)


def donation_record(
    *,
    fund: Fund,
    donor: Donor,
    kind: str,
    channel: str,
    amount: Any = None,
    currency: str | None = None,
    lines: Iterable[Mapping[str, Any]] | None = None,
    exchange_rate: Any = None,
    campaign: Campaign | None = None,
    payer: Donor | None = None,
    scholarship_count: int | None = None,
    school_year: str = "",
    expected_on: datetime.date | None = None,
    is_anonymous: bool | None = None,
    receipt_language: str | None = None,
    receipt_by_email: bool | None = None,
    message: str = "",
    pledged_at: datetime.datetime | None = None,
    received_at: datetime.datetime | None = None,
    fee_cover: Any = None,
    commitment: Any = None,
    recurring_gift: Any = None,
    late_into_open_period: bool = False,
    actor: Any = None,
) -> Donation:
    """Record a gift as pledged, or as received at ``received_at`` (cash counted at the centre,
    goods delivered) in which case it is posted to the ledger in the same transaction.

    A ``received_at`` inside a closed period is refused, unless the caller passes
    ``late_into_open_period`` because the day is a fact it cannot change (a bank's booking day,
    a card charge): then the gift keeps the day it arrived and its posting is dated in the open
    period (fund.services.ledger.ledger_post).

    Money gifts take ``amount`` and ``currency`` (default: the fund's); goods take ``lines``
    (description, quantity, unit, fair_value) and their value is the lines' total. A currency
    other than the fund's needs ``exchange_rate`` (fund currency per unit). Nothing is written
    unless everything is valid. ``pledged_at`` defaults to ``received_at``, else now.

    ``is_anonymous``, ``receipt_language`` and ``receipt_by_email`` are this gift's own choices;
    left out, they are the donor's stored ones (docs/decisions/0010-returning-donor-choices.md).
    """
    kind = _choice(kind, Donation.Kind, _KIND)
    channel = _choice(channel, Donation.Channel, _CHANNEL)
    if not fund.is_active:
        raise FundError(_("Fund %(fund)s is closed to new gifts.") % {"fund": fund.code})
    if campaign is not None and campaign.fund_id != fund.pk:
        raise FundError(_("Campaign %(campaign)r belongs to another fund.") % {"campaign": campaign.name})
    currency = currency_check(currency or fund.currency)
    goods = kind in Donation.GOODS_KINDS
    if goods != (channel == Donation.Channel.IN_KIND_DELIVERY):
        raise FundError(_("Goods arrive by in-kind delivery; money arrives by card, bank transfer or cash."))

    line_objects: list[DonationLine] = []
    if goods:
        if amount is not None:
            raise InvalidAmount(_("The value of goods is the total of their lines; do not give an amount."))
        line_objects = _clean_lines(lines, currency)
        money = Money(sum(line.fair_value for line in line_objects), currency)
        money = money_parse(money.amount, currency, field="total value")
    else:
        if lines:
            raise InvalidLines(_("Line items are for goods; a money gift takes an amount."))
        if amount is None or amount == "":
            raise InvalidAmount(_("An amount is required."))
        money = money_parse(amount, currency)

    rate = None
    if currency != fund.currency:
        if exchange_rate in (None, ""):
            raise ExchangeRateRequired(
                _("A gift in %(currency)s to a %(fund_currency)s fund needs the exchange rate it was converted at.")
                % {"currency": currency, "fund_currency": fund.currency}
            )
        rate = to_decimal(exchange_rate, field="exchange rate")
        if rate <= 0 or rate >= Decimal("1000000000"):
            raise ExchangeRateRequired(
                _("The exchange rate must be a positive number below %(limit)s.")
                % {"limit": number_display(1_000_000_000, places=0)}
            )
        if rate != rate.quantize(RATE_QUANTUM):
            # The rate is stored with 10 decimals; posting with more would disagree with the gift.
            raise ExchangeRateRequired(_("Give the exchange rate with at most 10 decimal places."))
        converted = money_convert(money, to_currency=fund.currency, rate=rate).amount
        if converted <= 0:
            raise InvalidAmount(_("At this rate the gift is worth nothing in the fund's currency."))
        if converted >= MAX_AMOUNT:
            raise InvalidAmount(_("At this rate the gift is larger than any gift this platform accepts."))
    elif exchange_rate not in (None, ""):
        raise FundError(_("An exchange rate applies only when the gift's currency differs from the fund's."))

    if kind == Donation.Kind.SCHOLARSHIP:
        if (
            not isinstance(scholarship_count, int)
            or isinstance(scholarship_count, bool)
            or not (1 <= scholarship_count <= 10_000)
        ):
            raise FundError(scholarship_count_refusal())
        match = _SCHOOL_YEAR.match(school_year or "")
        if not match or int(match[2]) != int(match[1]) + 1:
            raise FundError(_("Give the school year as YYYY-YYYY, e.g. 2026-2027."))
    elif scholarship_count is not None or school_year:
        raise FundError(_("Scholarship count and school year apply to scholarship gifts only."))

    fee = Decimal(0)
    if fee_cover not in (None, "", 0):
        if kind not in (Donation.Kind.CASH, Donation.Kind.SCHOLARSHIP) or channel != Donation.Channel.CARD:
            raise FundError(_("Covering the card fee applies to card gifts of money only."))
        fee = money_parse(fee_cover, currency, field="fee cover").amount
        if fee >= money.amount:
            raise InvalidAmount(_("The fee cover is part of the amount and must be smaller than it."))

    # A month of a monthly gift takes the choices made with that gift, else the donor's.
    defaults = recurring_gift
    if receipt_language is None:
        receipt_language = defaults.receipt_language if defaults else donor.preferred_language
    if receipt_language not in RECEIPT_LANGUAGES:
        raise FundError(
            _("Receipts are written in %(languages)s, not %(language)r.")
            % {"languages": " / ".join(RECEIPT_LANGUAGES), "language": receipt_language}
        )
    if receipt_by_email is None:
        receipt_by_email = defaults.receipt_by_email if defaults else donor.consent_receipts_by_email
    message = text_clean(message, field="message", max_length=1000)
    if received_at is not None:
        _check_not_future(received_at)
    pledged_at = pledged_at or received_at or timezone.now()
    if received_at is not None and pledged_at > received_at:
        raise FundError(_("A gift cannot be received before it was pledged."))

    donation = Donation(
        fund=fund,
        campaign=campaign,
        donor=donor,
        payer=payer,
        kind=kind,
        channel=channel,
        amount=money,
        exchange_rate=rate,
        scholarship_count=scholarship_count,
        school_year=school_year or "",
        expected_on=expected_on,
        is_anonymous=donor.anonymous_by_default if is_anonymous is None else bool(is_anonymous),
        receipt_language=receipt_language,
        receipt_by_email=bool(receipt_by_email),
        message=message,
        pledged_at=pledged_at,
        fee_cover=fee,
        commitment=commitment,
        recurring_gift=recurring_gift,
        created_by=actor_user(actor),
    )
    if received_at is not None:
        donation.status = Donation.Status.RECEIVED
        donation.received_at = received_at
    with transaction.atomic():
        donation.save()
        for line in line_objects:
            line.donation = donation
        DonationLine.objects.bulk_create(line_objects)
        if received_at is not None:
            _post_receipt(donation, actor, late_into_open_period)
            donation_received.send(sender=Donation, donation=donation, actor=actor)
        audit_record(
            actor=actor,
            action="donation.record",
            obj=donation,
            data={"reference": donation.reference, "status": donation.status, "amount": str(donation.amount)},
        )
    return donation


def donation_receive(
    *,
    donation: Donation,
    received_at: datetime.datetime | None = None,
    amount: Any = None,
    channel: str | None = None,
    late_into_open_period: bool = False,
    actor: Any = None,
) -> Donation:
    """Mark a pledge received and post it. Receiving twice is refused, so a repeated webhook or
    double click cannot count a gift twice (the Posting's unique constraint backs this up).
    A ``received_at`` inside a closed period: as for donation_record.

    A money pledge may arrive as a different sum (``amount``: a transfer of less or more than
    promised) or by another way (``channel``: a card gift abandoned, then paid by transfer); the
    gift is recorded as it actually arrived, since that is what the receipt must say."""
    received_at = received_at or timezone.now()
    _check_not_future(received_at)
    with transaction.atomic():
        donation = gift_lock(donation.pk)
        if donation.status != Donation.Status.PLEDGED:
            raise InvalidTransition(
                _("Gift %(reference)s is %(status)s, not pledged.")
                % {"reference": donation.reference, "status": status_words(donation)}
            )
        changes: dict[str, str] = {}
        if amount is not None or channel is not None:
            if donation.is_goods:
                raise FundError(_("Goods are received as pledged; change their lines before receiving."))
        if channel is not None and channel != donation.channel:
            channel = _choice(channel, Donation.Channel, _CHANNEL)
            if channel == Donation.Channel.IN_KIND_DELIVERY:
                raise FundError(_("Money arrives by card, bank transfer or cash."))
            changes["channel"] = f"{donation.channel} -> {channel}"
            donation.channel = channel
        if amount is not None:
            money = money_parse(amount, donation.amount.currency.code)
            if money != donation.amount:
                if donation.fee_cover >= money.amount:
                    raise InvalidAmount(_("The amount received does not even cover the fee share."))
                changes["amount"] = f"{donation.amount.amount} -> {money.amount}"
                donation.amount = money
        donation.status = Donation.Status.RECEIVED
        donation.received_at = received_at
        donation.save(update_fields=["status", "received_at", "amount", "amount_currency", "channel"])
        _post_receipt(donation, actor, late_into_open_period)
        audit_record(actor=actor, action="donation.receive", obj=donation, data=changes or None)
        donation_received.send(sender=Donation, donation=donation, actor=actor)
    return donation


def donation_cancel(*, donation: Donation, reason: str, actor: Any = None) -> Donation:
    """Cancel a pledge that will not arrive. Nothing was posted, so nothing is reversed."""
    reason = text_clean(reason, field="reason", max_length=500)
    if not reason:
        raise FundError(_("Say why the pledge is cancelled."))
    with transaction.atomic():
        donation = gift_lock(donation.pk)
        if donation.status != Donation.Status.PLEDGED:
            raise InvalidTransition(
                _("Only a pledge can be cancelled; gift %(reference)s is %(status)s.")
                % {"reference": donation.reference, "status": status_words(donation)}
            )
        donation.status = Donation.Status.CANCELLED
        donation.closed_at = timezone.now()
        donation.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="donation.cancel", obj=donation, data={"reason": reason})
    return donation


def donation_refund(*, donation: Donation, reason: str, actor: Any = None) -> Donation:
    """Give a received gift back (card refund, lost dispute, returned transfer): the receipt
    posting is reversed in full, never edited."""
    reason = text_clean(reason, field="reason", max_length=500)
    if not reason:
        raise FundError(_("Say why the gift is refunded."))
    with transaction.atomic():
        donation = gift_lock(donation.pk)
        if donation.status != Donation.Status.RECEIVED:
            raise InvalidTransition(
                _("Only a received gift can be refunded; %(reference)s is %(status)s.")
                % {"reference": donation.reference, "status": status_words(donation)}
            )
        original = Posting.objects.get(donation=donation, kind=Posting.Kind.DONATION_RECEIVED)
        ledger_reverse(posting=original, reason=reason, date=timezone.localdate(), actor=actor)
        donation.status = Donation.Status.REFUNDED
        donation.closed_at = timezone.now()
        donation.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="donation.refund", obj=donation, data={"reason": reason})
        donation_refunded.send(sender=Donation, donation=donation, reason=reason, actor=actor)
    return donation
