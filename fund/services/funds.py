import copy
import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record

from ..errors import FundError
from ..models import Campaign, Fund
from ..money import currency_check, money_parse
from ..text import text_clean
from .ledger import ledger_chart_create


def fund_create(
    *, name: str, code: str, currency: str = "VND", restricted_purpose: str = "", actor: Any = None
) -> Fund:
    """Open a fund and its ledger accounts in one transaction."""
    fund = Fund(
        name=text_clean(name, field="name", max_length=200, required=True),
        code=text_clean(code, field="code", max_length=6, required=True).upper(),
        currency=currency_check(currency),
        restricted_purpose=text_clean(restricted_purpose, field="restricted_purpose", max_length=2000),
    )
    try:
        fund.full_clean()
    except ValidationError as exc:
        raise FundError(exc.message_dict) from exc
    with transaction.atomic():
        fund.save()
        ledger_chart_create(fund=fund)
        audit_record(actor=actor, action="fund.create", obj=fund, data={"code": fund.code})
    return fund


_UNCHANGED: Any = object()


def fund_update(
    *,
    fund: Fund,
    name: str,
    restricted_purpose: str,
    is_active: bool,
    second_approval_above: Decimal | str | None = _UNCHANGED,
    actor: Any = None,
) -> Fund:
    """Code and currency are fixed once a fund exists: its ledger accounts are named by them.
    Validated on a copy, so a refused update leaves ``fund`` as it was.

    ``second_approval_above`` is an amount in the fund's currency (None: one approver is
    enough); left out, it stays as it is."""
    stored = Fund.objects.get(pk=fund.pk)  # a form may already have changed ``fund``
    candidate = copy.copy(stored)
    candidate.name = text_clean(name, field="name", max_length=200, required=True)
    candidate.restricted_purpose = text_clean(restricted_purpose, field="restricted_purpose", max_length=2000)
    candidate.is_active = bool(is_active)
    if second_approval_above is not _UNCHANGED:
        candidate.second_approval_above = (
            None
            if second_approval_above in (None, "")
            else money_parse(second_approval_above, stored.currency, field="second approval threshold").amount
        )
    try:
        candidate.full_clean()
    except ValidationError as exc:
        raise FundError(exc.message_dict) from exc
    fields = ("name", "restricted_purpose", "is_active", "second_approval_above")
    changed = [name for name in fields if getattr(stored, name) != getattr(candidate, name)]
    if changed:
        with transaction.atomic():
            candidate.save(update_fields=changed)
            audit_record(actor=actor, action="fund.update", obj=candidate, data={"fields": changed})
    for name in fields:
        setattr(fund, name, getattr(candidate, name))
    return fund


def _campaign_check(campaign: Campaign) -> None:
    if campaign.ends_on is not None and campaign.ends_on < campaign.starts_on:
        # Said here, beside the field: the database constraint would only name itself.
        raise FundError({"ends_on": _("A campaign cannot end before it starts.")})
    try:
        campaign.full_clean()
    except ValidationError as exc:
        raise FundError(exc.message_dict) from exc


def campaign_create(
    *,
    fund: Fund,
    name: str,
    slug: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    goal: Money | str | Decimal | None = None,
    actor: Any = None,
) -> Campaign:
    """An appeal for one fund. The goal is in the fund's currency, like every gift to it."""
    campaign = Campaign(
        fund=fund,
        name=text_clean(name, field="name", max_length=200, required=True),
        slug=slug,
        starts_on=starts_on,
        ends_on=ends_on,
        goal=money_parse(goal, fund.currency, field="goal") if goal is not None else None,
    )
    _campaign_check(campaign)
    with transaction.atomic():
        campaign.save()
        audit_record(actor=actor, action="campaign.create", obj=campaign, data={"slug": campaign.slug})
    return campaign


def campaign_update(
    *,
    campaign: Campaign,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    goal: Money | str | Decimal | None,
    is_active: bool,
    actor: Any = None,
) -> Campaign:
    """Fund and slug are fixed once a campaign exists: its gifts are credited to that fund, and
    the slug is how links name it. Validated on a copy, so a refused update leaves ``campaign``
    as it was."""
    stored = Campaign.objects.select_related("fund").get(pk=campaign.pk)  # a form may have changed ``campaign``
    candidate = copy.copy(stored)
    candidate.name = text_clean(name, field="name", max_length=200, required=True)
    candidate.starts_on = starts_on
    candidate.ends_on = ends_on
    candidate.goal = money_parse(goal, stored.fund.currency, field="goal") if goal is not None else None
    candidate.is_active = bool(is_active)
    _campaign_check(candidate)
    fields = ("name", "starts_on", "ends_on", "goal", "is_active")
    changed = [name for name in fields if getattr(stored, name) != getattr(candidate, name)]
    if changed:
        with transaction.atomic():
            # A MoneyField is two columns and "goal" names the amount's alone: a campaign of a USD
            # fund created with no goal holds the default "VND" beside its empty amount.
            update_fields = [*changed, "goal_currency"] if "goal" in changed else changed
            candidate.save(update_fields=update_fields)
            audit_record(actor=actor, action="campaign.update", obj=candidate, data={"fields": changed})
    for name in fields:
        setattr(campaign, name, getattr(candidate, name))
    return campaign
