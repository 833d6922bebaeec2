"""Statements of gifts: one document per donor and period (usually a fiscal year) listing every
gift received in it, numbered in their own series (settings.STATEMENT_SERIES).

Issuing locks the donor's row, so two runs for the same donor (a repeated task, the annual
command started twice, an operator in the back office) take turns and the second finds the
first's statement. Lock order is donor, then statement, then the counter row; gift receipts
lock the gift, then their own series' counter, so the two never wait on each other.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from config.actors import actor_user
from donors.models import Donor
from fund.models import Donation
from fund.money import money_display

from ..errors import NotReceivable, ReceiptError
from ..models import Receipt
from ..queueing import queue_on_commit
from ..selectors_statements import donors_with_gifts, donors_with_statement, statement_gifts, valid_statements
from .delivery import delivery_queue_if_consented
from .issuing import receipt_create, receipt_void_locked, void_reason_clean

logger = logging.getLogger(__name__)

STATEMENTS_PER_TASK = 50
# Statement emails are sent in batches of this many per task, over one mail connection: few
# enough that both workers share a chunk's sending, enough that the connection pays off.
STATEMENT_EMAILS_PER_TASK = 10
# A statement covers at most about five years: longer is a typing mistake, not a request.
MAX_PERIOD_DAYS = 5 * 366

_KIND_ORDER = {kind: index for index, kind in enumerate(Donation.Kind.values)}


def period_check(start: datetime.date, end: datetime.date) -> None:
    if start > end:
        raise ReceiptError(_("The period starts (%(start)s) after it ends (%(end)s).") % {"start": start, "end": end})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ReceiptError(_("A statement covers at most five years."))


def _gift_line(gift: Donation, receipt_number: str) -> dict[str, Any]:
    return {
        "reference": gift.reference,
        "received_on": timezone.localdate(gift.received_at).isoformat(),
        "fund_code": gift.fund.code,
        "fund_name": gift.fund.name,
        "kind": gift.kind,
        "channel": gift.channel,
        "amount": str(gift.amount.amount),
        "currency": gift.amount.currency.code,
        "amount_display": money_display(gift.amount),
        "scholarship_count": gift.scholarship_count,
        "receipt_number": receipt_number,
    }


def _total(amount: Decimal, currency: str, count: int, **key: str) -> dict[str, Any]:
    money = Money(amount, currency)
    return {**key, "currency": currency, "count": count, "amount": str(amount), "amount_display": money_display(money)}


def statement_content(gifts: list[Donation], *, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The part of a statement's content that lists the gifts and their totals (per fund, kind
    and currency, then per currency); amounts are strings, as JSON has no Decimal."""
    numbers = dict(
        Receipt.objects.filter(kind=Receipt.Kind.GIFT, status=Receipt.Status.VALID, donation__in=gifts).values_list(
            "donation_id", "number"
        )
    )
    by_fund_kind: dict[tuple[str, str, str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    by_currency: dict[str, list] = defaultdict(lambda: [Decimal(0), 0])
    for gift in gifts:
        currency = gift.amount.currency.code
        for bucket in (by_fund_kind[(gift.fund.code, gift.fund.name, gift.kind, currency)], by_currency[currency]):
            bucket[0] += gift.amount.amount
            bucket[1] += 1
    totals = [
        _total(amount, currency, count, fund_code=code, fund_name=name, kind=kind)
        for (code, name, kind, currency), (amount, count) in sorted(
            by_fund_kind.items(), key=lambda item: (item[0][0], _KIND_ORDER.get(item[0][2], 99), item[0][3])
        )
    ]
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "gifts": [_gift_line(gift, numbers.get(gift.pk, "")) for gift in gifts],
        "totals": totals,
        "grand_totals": [_total(amount, currency, count) for currency, (amount, count) in sorted(by_currency.items())],
    }


def _locked_donor(donor_id: int) -> Donor:
    return Donor.objects.select_for_update().get(pk=donor_id)


def _issue_locked(
    donor: Donor,
    *,
    start: datetime.date,
    end: datetime.date,
    replaces: Receipt | None,
    actor: Any,
    batch: list[int] | None = None,
) -> Receipt | None:
    gifts = list(statement_gifts(donor_id=donor.pk, start=start, end=end))
    if not gifts:
        return None
    currencies = {gift.amount.currency.code for gift in gifts}
    amount = None
    if len(currencies) == 1:
        amount = Money(sum((gift.amount.amount for gift in gifts), Decimal(0)), currencies.pop())
    statement = receipt_create(
        kind=Receipt.Kind.STATEMENT,
        series=settings.STATEMENT_SERIES,
        donor=donor,
        period=(start, end),
        content_extra=statement_content(gifts, start=start, end=end),
        amount=amount,
        replaces=replaces,
        actor=actor,
    )
    # With a batch, the caller sends the email with others'; otherwise it goes as its own task.
    delivery = delivery_queue_if_consented(receipt=statement, queue_task=batch is None)
    if delivery is not None and batch is not None:
        batch.append(delivery.pk)
    return statement


def _statement_issue(
    *,
    donor_id: int,
    start: datetime.date,
    end: datetime.date,
    actor: Any,
    replaces: Receipt | None,
    batch: list[int] | None = None,
) -> tuple[Receipt | None, bool]:
    """The statement and whether this call issued it (False: it existed, or there is none).
    With ``batch``, the id of its email delivery is added to it instead of queued."""
    period_check(start, end)
    if replaces is not None and not replaces.is_void:
        raise ReceiptError(_("Statement %(number)s is still valid; reissue it instead.") % {"number": replaces.number})
    emails: list[int] | None = None if batch is None else []
    with transaction.atomic():
        donor = _locked_donor(donor_id)
        if existing := valid_statements(start, end).filter(donor=donor).first():
            return existing, False
        statement = _issue_locked(donor, start=start, end=end, replaces=replaces, actor=actor, batch=emails)
        if statement is None:
            return None, False
        audit_record(
            actor=actor,
            action="statement.issue",
            obj=statement,
            data={"number": statement.number, "period": [start.isoformat(), end.isoformat()]},
        )
    if batch is not None:  # only once its row is saved for good: a rolled-back one is no one's to send
        batch.extend(emails)
    return statement, True


def statement_issue(
    *, donor_id: int, start: datetime.date, end: datetime.date, actor: Any = None, replaces: Receipt | None = None
) -> Receipt | None:
    """The donor's statement for the period (``start`` to ``end``, local dates, inclusive):
    issued once and emailed if the donor agreed; asking again returns the same one. None, and
    no number used, when the donor has no received gift in the period."""
    return _statement_issue(donor_id=donor_id, start=start, end=end, actor=actor, replaces=replaces)[0]


def statement_reissue(*, statement: Receipt, reason: str, actor: Any = None) -> Receipt:
    """Void a statement and issue its replacement for the same period, with the gifts and the
    donor's details as they are now."""
    reason = void_reason_clean(reason)
    if statement.kind != Receipt.Kind.STATEMENT:
        raise ReceiptError(_("%(number)s is not a statement.") % {"number": statement.number})
    with transaction.atomic():
        donor = _locked_donor(statement.donor_id)
        statement = Receipt.objects.select_for_update().get(pk=statement.pk)
        receipt_void_locked(statement, reason=reason, actor=actor)
        replacement = _issue_locked(
            donor, start=statement.period_start, end=statement.period_end, replaces=statement, actor=actor
        )
        if replacement is None:  # rolls the void back too: the operator meant a replacement
            raise NotReceivable(
                _("No gift of this donor is received in the period of %(number)s any more; void it instead.")
                % {"number": statement.number}
            )
        audit_record(
            actor=actor,
            action="statement.reissue",
            obj=replacement,
            data={"replaces": statement.number, "reason": reason},
        )
    return replacement


def statements_refresh_for_gift(*, donation_id: int, actor: Any = None) -> list[tuple[Receipt, Receipt | None]]:
    """After a gift stops being received (refunded), every valid statement that lists it is
    voided and replaced by one without it; a statement left with no gift is only voided.
    Returns (voided, replacement or None) pairs."""
    donation = Donation.objects.only("reference", "status").get(pk=donation_id)
    if donation.status == Donation.Status.RECEIVED:
        return []
    reason = f"Gift {donation.reference} was {donation.status}."
    listing = Receipt.objects.filter(
        kind=Receipt.Kind.STATEMENT,
        status=Receipt.Status.VALID,
        content__gifts__contains=[{"reference": donation.reference}],
    ).order_by("donor_id", "id")
    refreshed = []
    with transaction.atomic():
        for statement_id, donor_id in listing.values_list("pk", "donor_id"):
            donor = _locked_donor(donor_id)
            statement = Receipt.objects.select_for_update().get(pk=statement_id)
            if statement.is_void:  # another run got here first
                continue
            receipt_void_locked(statement, reason=reason, actor=actor)
            replacement = _issue_locked(
                donor, start=statement.period_start, end=statement.period_end, replaces=statement, actor=actor
            )
            audit_record(
                actor=actor,
                action="statement.refresh",
                obj=replacement or statement,
                data={"voided": statement.number, "reason": reason},
            )
            refreshed.append((statement, replacement))
    return refreshed


@dataclass
class ChunkOutcome:
    issued: int = 0
    existing: int = 0
    without_gifts: int = 0
    failed: list[int] = field(default_factory=list)


def statements_issue_for_donors(
    *, donor_ids: list[int], start: datetime.date, end: datetime.date, actor: Any = None
) -> ChunkOutcome:
    """Issue the period's statement of each donor, each in its own transaction: one donor that
    fails (logged, returned in ``failed``) holds up none of the others. Their emails go to
    tasks STATEMENT_EMAILS_PER_TASK at a time, each batch as soon as it is full."""
    outcome = ChunkOutcome()
    batch: list[int] = []
    for donor_id in donor_ids:
        try:
            statement, issued = _statement_issue(
                donor_id=donor_id, start=start, end=end, actor=actor, replaces=None, batch=batch
            )
        except Exception:
            logger.exception("Statement for donor %s, %s to %s, failed", donor_id, start, end)
            outcome.failed.append(donor_id)
            continue
        if statement is None:
            outcome.without_gifts += 1
        elif issued:
            outcome.issued += 1
        else:
            outcome.existing += 1
        if len(batch) >= STATEMENT_EMAILS_PER_TASK:
            _queue_emails(batch)
            batch = []
    _queue_emails(batch)
    return outcome


def _queue_emails(delivery_ids: list[int]) -> None:
    # Their rows are committed (one transaction per statement); a batch lost to a broker outage
    # leaves them queued, and the sweep sends them later.
    if delivery_ids:
        queue_on_commit("receipts.tasks.receipt_deliveries_send", list(delivery_ids))


@dataclass(frozen=True)
class PeriodDispatch:
    donors: int  # donors with received gifts in the period
    existing: int  # of those, donors whose statement already exists
    queued: int  # donors handed to tasks
    tasks: int


def statements_issue_period(
    *, start: datetime.date, end: datetime.date, actor: Any = None, chunk_size: int = STATEMENTS_PER_TASK
) -> PeriodDispatch:
    """Queue the statements of every donor with received gifts in the period who has none yet,
    ``chunk_size`` donors per task, once the caller's transaction commits. Workers issue them in
    parallel; running this twice queues only donors still without a statement."""
    period_check(start, end)
    donors = donors_with_gifts(start, end)
    existing = donors_with_statement(start, end)
    pending = [donor_id for donor_id in donors if donor_id not in existing]
    chunks = [pending[i : i + chunk_size] for i in range(0, len(pending), chunk_size)]
    actor_id = getattr(actor_user(actor), "pk", None)

    # A chunk lost to a broker outage is logged; running the period again queues its donors.
    for chunk in chunks:
        queue_on_commit("receipts.tasks.statements_issue_chunk", chunk, start.isoformat(), end.isoformat(), actor_id)
    logger.info("Statements %s to %s: %s donors queued in %s tasks", start, end, len(pending), len(chunks))
    return PeriodDispatch(
        donors=len(donors), existing=len(donors) - len(pending), queued=len(pending), tasks=len(chunks)
    )
