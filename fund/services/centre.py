"""Money counted at the centre's desk, and appeals opened and closed: the back office's own
entries into the gift record, beside the public form (giving.py) and the payment channels
(payments/)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from donors.models import Donor
from donors.services import donor_create

from ..errors import FundError, InvalidTransition
from ..models import Campaign, Donation, Fund
from ..money import money_parse
from ..selectors.periods import closed_period_on
from .donations import donation_record
from .ledger import period_closed_refusal


def received_on_moment(day: datetime.date) -> datetime.datetime:
    """When money counted on ``day`` arrived, as well as a paper slip says: now for today, else
    noon in the centre's time zone (the receipt and the ledger read the date, never the hour;
    noon keeps the date the same in every zone the platform runs in)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise FundError({"received_on": gettext("Give the day the money was received.")})
    today = timezone.localdate()
    if day > today:
        raise FundError({"received_on": gettext("Money cannot be received in the future.")})
    if day == today:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)), timezone.get_default_timezone())


def centre_gift_record(
    *,
    fund: Fund,
    donor: Donor | Mapping[str, Any],
    amount: Any,
    received_on: datetime.date,
    campaign: Campaign | None = None,
    is_anonymous: bool | None = None,
    receipt_by_email: bool | None = None,
    message: str = "",
    actor: Any = None,
) -> Donation:
    """A cash gift handed over at the centre: received at once (posted to the fund's cash on
    hand) in the fund's own currency, credited to an existing donor or to a new one (``donor``
    as donor fields, see donors.services.DONOR_FIELDS), both in one transaction. The receipt
    follows as for any received gift. Goods handed over are a stock intake, not this."""
    received_at = received_on_moment(received_on)
    # Said beside the date the accountant typed; the ledger refuses it again under its lock.
    if (period := closed_period_on(received_on)) is not None:
        raise FundError({"received_on": period_closed_refusal(period, received_on)})
    money = money_parse(amount, fund.currency)  # refused before a donor is created
    if campaign is not None and not campaign.is_active:
        raise FundError({"campaign": gettext("The campaign %(name)s is closed.") % {"name": campaign.name}})
    with transaction.atomic():
        credited = donor if isinstance(donor, Donor) else donor_create(actor=actor, **donor)
        return donation_record(
            fund=fund,
            campaign=campaign,
            donor=credited,
            kind=Donation.Kind.CASH,
            channel=Donation.Channel.CASH,
            amount=money.amount,
            currency=fund.currency,
            is_anonymous=is_anonymous,
            receipt_by_email=receipt_by_email,
            message=message,
            received_at=received_at,
            actor=actor,
        )


def _campaign_locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update(of=("self",)).select_related("fund").get(pk=campaign.pk)


def campaign_close(*, campaign: Campaign, actor: Any = None) -> Campaign:
    """Close an appeal: the public site takes no new gifts for it (fund.services.giving refuses
    them). Gifts already made stand, pledges may still arrive, and monthly gifts that name it
    go on until their donors stop them."""
    with transaction.atomic():
        locked = _campaign_locked(campaign)
        if not locked.is_active:
            raise InvalidTransition(gettext("The campaign %(name)s is already closed.") % {"name": locked.name})
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(actor=actor, action="campaign.close", obj=locked, data={"slug": locked.slug})
    campaign.is_active = False
    return campaign


def campaign_reopen(*, campaign: Campaign, actor: Any = None) -> Campaign:
    """Take gifts for a closed appeal again; not while its fund is closed."""
    with transaction.atomic():
        locked = _campaign_locked(campaign)
        if locked.is_active:
            raise InvalidTransition(gettext("The campaign %(name)s is open.") % {"name": locked.name})
        if not locked.fund.is_active:
            raise FundError(
                gettext("Fund %(fund)s is closed: reopen the fund before its campaign.") % {"fund": locked.fund.code}
            )
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_record(actor=actor, action="campaign.reopen", obj=locked, data={"slug": locked.slug})
    campaign.is_active = True
    return campaign


def campaign_open_check(campaign: Campaign | None) -> None:
    """Refuse a new gift from the public site to a closed appeal."""
    if campaign is not None and not campaign.is_active:
        raise FundError(
            gettext("The appeal %(name)s has closed and takes no new gifts. Thank you for thinking of it.")
            % {"name": campaign.name}
        )
