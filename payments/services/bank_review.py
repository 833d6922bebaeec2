"""The review queue: what an accountant decides about a bank line the matcher could not place.

Match it to a pledge by hand (at the amount actually transferred, when that differs), mark it not
a gift (interest, a refund from a supplier), or record an unannounced transfer as a new gift. Each
is one transaction and one audit entry; a matched line is final (the database keeps it matched).
"""

from __future__ import annotations

from typing import Any

from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from config.actors import actor_user
from donors.models import Donor
from fund.errors import FundError, InvalidAmount, InvalidTransition
from fund.models import Donation, Fund
from fund.money import money_display
from fund.refusals import status_words
from fund.services.donations import donation_receive, donation_record
from fund.services.locks import gift_lock
from fund.text import text_clean

from ..models import BankTransaction
from .bank_import import REASON_MAX, received_moment


def _open_line(transaction: BankTransaction) -> BankTransaction:
    line = BankTransaction.objects.select_for_update(of=("self",)).select_related("donation").get(pk=transaction.pk)
    if line.status == BankTransaction.Status.MATCHED:
        raise InvalidTransition(
            _("This transfer is already matched to gift %(reference)s.") % {"reference": line.donation.reference}
        )
    return line


def _close(line: BankTransaction, *, status: str, reason: str, actor: Any, gift: Donation | None = None) -> None:
    line.status = status
    line.reason = reason[:REASON_MAX]
    line.resolved_by = actor_user(actor)
    line.resolved_at = timezone.now()
    fields = ["status", "reason", "resolved_by", "resolved_at"]
    if gift is not None:
        line.donation = gift
        fields.append("donation")
    line.save(update_fields=fields)


def bank_transaction_resolve(
    *, transaction: BankTransaction, donation: Donation, accept_amount: bool = False, actor: Any = None
) -> BankTransaction:
    """Match a line to a pledge by hand and receive the pledge by bank transfer.

    When the transfer is not the pledged sum (a partial payment, or more), the gift is received
    at the amount transferred, but only with ``accept_amount``: the receipt will say that sum."""
    with atomic():
        line = _open_line(transaction)
        # Lock order as in the matcher: the line, then the gift.
        gift = gift_lock(donation.pk)
        if gift.status != Donation.Status.PLEDGED:
            raise InvalidTransition(
                _(
                    "Gift %(reference)s is %(status)s, not pledged: choose a pledge, "
                    "or mark this transfer not a gift if it repeats one already received."
                )
                % {"reference": gift.reference, "status": status_words(gift)}
            )
        if gift.is_goods:
            raise FundError(
                _("Gift %(reference)s is a pledge of goods; a transfer cannot pay it.") % {"reference": gift.reference}
            )
        if gift.amount.currency != line.amount.currency:
            raise FundError(
                _("Gift %(reference)s is in %(currency)s; this transfer is in %(given)s.")
                % {
                    "reference": gift.reference,
                    "currency": gift.amount.currency.code,
                    "given": line.amount.currency.code,
                }
            )
        differs = gift.amount != line.amount
        if differs and not accept_amount:
            raise InvalidAmount(
                _(
                    "Gift %(reference)s pledged %(pledged)s but the transfer is %(transferred)s: confirm receiving "
                    "it at the amount transferred, or choose another gift."
                )
                % {
                    "reference": gift.reference,
                    "pledged": money_display(gift.amount),
                    "transferred": money_display(line.amount),
                }
            )
        donation_receive(
            donation=gift,
            received_at=received_moment(line.booked_on, pledged_at=gift.pledged_at),
            amount=line.amount if differs else None,
            channel=Donation.Channel.BANK_TRANSFER,
            late_into_open_period=True,  # see bank_import.LATE_TRANSFERS
            actor=actor,
        )
        reason = "Matched by hand"
        if differs:
            reason += f", received at the amount transferred (pledged {money_display(gift.amount)})"
        _close(line, status=BankTransaction.Status.MATCHED, reason=reason + ".", actor=actor, gift=gift)
        audit_record(
            actor=actor,
            action="bank_transaction.resolve",
            obj=line,
            data={"gift": gift.reference, "pledged": str(gift.amount.amount), "received": str(line.amount.amount)},
        )
    return line


def bank_transaction_ignore(*, transaction: BankTransaction, reason: str, actor: Any = None) -> BankTransaction:
    """Mark a line not a gift (interest, a supplier's refund, a transfer between own accounts)."""
    reason = text_clean(reason, field="reason", max_length=REASON_MAX, required=True)
    with atomic():
        line = _open_line(transaction)
        if line.status == BankTransaction.Status.IGNORED:
            raise InvalidTransition(_("This transfer is already marked not a gift."))
        _close(line, status=BankTransaction.Status.IGNORED, reason=reason, actor=actor)
        audit_record(actor=actor, action="bank_transaction.ignore", obj=line, data={"reason": reason})
    return line


def bank_transaction_record_gift(
    *,
    transaction: BankTransaction,
    donor: Donor,
    fund: Fund,
    exchange_rate: Any = None,
    actor: Any = None,
) -> BankTransaction:
    """An unannounced transfer becomes a new cash gift, received on the booking date.
    A transfer in another currency than the fund's needs the rate the bank converted at."""
    with atomic():
        line = _open_line(transaction)
        received_at = received_moment(line.booked_on)
        gift = donation_record(
            fund=fund,
            donor=donor,
            kind=Donation.Kind.CASH,
            channel=Donation.Channel.BANK_TRANSFER,
            amount=line.amount.amount,
            currency=line.amount.currency.code,
            exchange_rate=exchange_rate,
            received_at=received_at,
            pledged_at=received_at,
            late_into_open_period=True,  # see bank_import.LATE_TRANSFERS
            actor=actor,
        )
        _close(line, status=BankTransaction.Status.MATCHED, reason="Recorded as a new gift.", actor=actor, gift=gift)
        audit_record(actor=actor, action="bank_transaction.record_gift", obj=line, data={"gift": gift.reference})
    return line
