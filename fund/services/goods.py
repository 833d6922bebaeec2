"""Donated goods leaving a fund's stock account: issued to the people the fund is for, or found
lost or damaged (or in surplus) at a stock count. Care's stock log says which goods and how
many; fund posts only their value, so it never learns who received them.

The value is the caller's (care values stock by weighted average cost per fund, item and
restriction; docs/decisions/0017-stock.md). The ledger's "Donated goods in stock" may never go
below zero: that is checked here, under the fund's row lock, in the caller's transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record

from ..errors import FundError
from ..models import AccountRole, Donation, Fund, Posting
from ..money import money_display
from ..selectors.balances import fund_goods_in_stock
from ..text import text_clean
from .ledger import Entry, ledger_chart_complete, ledger_post
from .spending import _amount_check, fund_lock, recipient_check

GOODS_PURPOSES = (Donation.Kind.IN_KIND, Donation.Kind.SUPPLIES)


def _goods_purpose(purpose: str) -> str:
    if purpose not in GOODS_PURPOSES:
        raise FundError(
            _("Goods are issued as in-kind goods or school supplies, not %(purpose)r.") % {"purpose": purpose}
        )
    return purpose


def _texts(programme: str, reference: str, description: str) -> tuple[str, str, str]:
    return (
        text_clean(programme, field="programme", max_length=30),
        text_clean(reference, field="reference", max_length=50, required=True),
        text_clean(description, field="description", max_length=500, required=True),
    )


def fund_goods_issue(
    *,
    fund: Fund,
    purpose: str,
    programme: str,
    reference: str,
    recipient: str,
    value: Money,
    date: datetime.date,
    description: str,
    actor: Any = None,
) -> Posting:
    """Goods handed to a person in care: Dr "Goods issued to beneficiaries", Cr "Donated goods
    in stock", with the purpose, programme, the caller's reference and the opaque token of whom
    they reached. Refuses (FundError) and writes nothing when the fund's goods account does not
    hold the value."""
    purpose = _goods_purpose(purpose)
    programme, reference, description = _texts(programme, reference, description)
    recipient = recipient_check(recipient)
    with transaction.atomic():
        locked = fund_lock(fund=fund)
        value = _amount_check(locked, value)
        in_stock = fund_goods_in_stock(fund=locked)
        if value > in_stock:
            raise FundError(
                _("The goods account of %(fund)s holds %(left)s; %(asked)s cannot be issued from it.")
                % {"fund": locked.code, "left": money_display(in_stock), "asked": money_display(value)}
            )
        posting = ledger_post(
            fund=locked,
            kind=Posting.Kind.ALLOCATION,
            entries=[
                Entry(AccountRole.ALLOCATED_GOODS, "debit", value),
                Entry(AccountRole.GOODS_STOCK, "credit", value),
            ],
            description=description,
            date=date,
            purpose=purpose,
            programme=programme,
            reference=reference,
            recipient=recipient,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="fund.goods_issue",
            obj=posting,
            data={
                "fund": locked.code,
                "purpose": purpose,
                "programme": programme,
                "reference": reference,
                "amount": str(value.amount),
                "currency": locked.currency,
            },
        )
    return posting


def fund_goods_adjust(
    *,
    fund: Fund,
    loss: Money,
    reference: str,
    date: datetime.date,
    description: str,
    late_into_open_period: bool = False,
    actor: Any = None,
) -> Posting:
    """A stock count's net difference: a positive ``loss`` posts Dr "Goods lost or damaged",
    Cr "Donated goods in stock"; a negative one (a surplus found) the other way round. The
    account is created on first use for funds opened before it existed. A count approved after
    its day's period closed is dated in the open period with ``late_into_open_period``."""
    _programme, reference, description = _texts("", reference, description)
    if not isinstance(loss, Money) or loss.amount == 0:
        raise FundError(_("A stock adjustment moves some value; nothing to post."))
    with transaction.atomic():
        locked = fund_lock(fund=fund)
        size = _amount_check(locked, Money(abs(loss.amount), loss.currency))
        if loss.amount > 0 and size > fund_goods_in_stock(fund=locked):
            raise FundError(
                _("The goods account of %(fund)s holds less than the %(asked)s found missing.")
                % {"fund": locked.code, "asked": money_display(size)}
            )
        ledger_chart_complete(fund=locked)
        lost, stock = ("debit", "credit") if loss.amount > 0 else ("credit", "debit")
        posting = ledger_post(
            fund=locked,
            kind=Posting.Kind.STOCK_ADJUSTMENT,
            entries=[Entry(AccountRole.GOODS_LOST, lost, size), Entry(AccountRole.GOODS_STOCK, stock, size)],
            description=description,
            date=date,
            reference=reference,
            late_into_open_period=late_into_open_period,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="fund.goods_adjust",
            obj=posting,
            data={
                "fund": locked.code,
                "reference": reference,
                "loss": str(loss.amount),
                "currency": locked.currency,
            },
        )
    return posting
