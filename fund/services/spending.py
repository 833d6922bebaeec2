"""Money going out of a fund to the people it is for (care's allocations call these).

Never overdrawn: every check reads the fund's balances after taking the fund's row lock, in the
caller's transaction, and the posting (if any) is written in that same transaction, so two
spendings of one fund run one after the other and the second sees the first. A cash payment is
written before the lock and checked under it, on the balance without it, so the lock is held
for two queries and the commit (docs/decisions/0034-statement-entries.md).

Restricted money stays restricted: scholarship gifts not yet paid out as scholarships
(``FundAvailable.scholarship_restricted``) pay only scholarships. A scholarship is paid from
that money first and posted to "Scholarships paid"; any part of it paid from unrestricted money
is posted to "Cash allocated", so that "scholarship gifts - scholarships paid" stays exactly
the scholarship money left, and a later scholarship gift is not eaten by an earlier overspend.
The posting's ``purpose`` says "scholarship" for the whole amount, for statements.

fund never learns who is in care: callers pass a programme code, a reference of their own
("allocation:12") and an opaque token for whom it reached ("b:57"), never a person's name; a
statement counts distinct tokens as the people helped (docs/decisions/0022-fund-statement.md).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record

from ..errors import FundError, InvalidAmount
from ..models import AccountRole, Donation, Fund, Posting
from ..money import money_display, money_parse
from ..selectors.balances import FundAvailable, available_from_net, fund_available, net_by_role
from ..text import text_clean
from .ledger import Entry, _require_atomic, ledger_chart_complete, ledger_post, ledger_reverse

SPENDABLE_PURPOSES = (Donation.Kind.CASH, Donation.Kind.SCHOLARSHIP)
PAID_FROM = {"bank": AccountRole.BANK, "cash_on_hand": AccountRole.CASH_ON_HAND}
# A prefix naming the caller's kind of record and an id or hash: nothing a name could pass for
# (no spaces, no letters beyond ASCII), so a person's name can never be stored as the token.
RECIPIENT_TOKEN = re.compile(r"[a-z]{1,8}:[A-Za-z0-9_-]{1,31}")


def fund_lock(*, fund: Fund) -> Fund:
    """The fund's row, locked until the caller's transaction ends. Every spending check takes
    it before reading balances or commitments (read them after this call, not before).

    FOR NO KEY UPDATE, not FOR UPDATE: gifts and postings being written for the fund hold a
    key-share lock on its row (their foreign key), and must not queue behind a spending check;
    spending checks still exclude each other."""
    _require_atomic()
    return Fund.objects.select_for_update(no_key=True).get(pk=fund.pk)


def _amount_check(fund: Fund, amount: Money) -> Money:
    if not isinstance(amount, Money):
        raise InvalidAmount(_("The amount must be given with its currency."))
    if amount.currency.code != fund.currency:
        raise InvalidAmount(
            _("Fund %(fund)s keeps its books in %(currency)s; the amount is in %(given)s.")
            % {"fund": fund.code, "currency": fund.currency, "given": amount.currency.code}
        )
    return money_parse(amount, fund.currency)


def _purpose_check(purpose: str) -> str:
    if purpose not in SPENDABLE_PURPOSES:
        raise FundError(
            _("Only cash and scholarships are paid out of a fund's money; %(purpose)r is not.") % {"purpose": purpose}
        )
    return purpose


def recipient_check(recipient: str) -> str:
    """The opaque token of whom an allocation reached (see RECIPIENT_TOKEN), required."""
    recipient = text_clean(recipient, field="recipient", max_length=40, required=True)
    if not RECIPIENT_TOKEN.fullmatch(recipient):
        raise FundError(
            _("The recipient of an allocation is an opaque token such as %(example)s, never a name.")
            % {"example": "b:57"}
        )
    return recipient


def _zero(fund: Fund) -> Money:
    return Money(Decimal("0.00"), fund.currency)


def _availability_check(
    *,
    fund: Fund,
    available: FundAvailable,
    purpose: str,
    amount: Money,
    committed_cash: Money,
    committed_scholarship: Money,
) -> None:
    """Cash allocations may use only unrestricted money; scholarships any cash. With what is
    already promised (approved, not yet paid) that is: cash promised <= unrestricted, and all
    promised <= cash."""
    cash_promised = committed_cash + (amount if purpose == Donation.Kind.CASH else _zero(fund))
    all_promised = committed_cash + committed_scholarship + amount
    if all_promised > available.cash:
        left = max(available.cash - committed_cash - committed_scholarship, _zero(fund))
        raise FundError(
            _("Not enough money in %(fund)s: %(left)s left, %(asked)s asked.")
            % {"fund": fund.code, "left": money_display(left), "asked": money_display(amount)}
        )
    if cash_promised > available.unrestricted_cash:
        left = max(available.unrestricted_cash - committed_cash, _zero(fund))
        raise FundError(
            _(
                "Not enough unrestricted money in %(fund)s: %(left)s left, %(asked)s asked; "
                "%(kept)s is kept for scholarships."
            )
            % {
                "fund": fund.code,
                "left": money_display(left),
                "asked": money_display(amount),
                "kept": money_display(available.scholarship_restricted),
            }
        )


def fund_spend_check(
    *,
    fund: Fund,
    purpose: str,
    amount: Money,
    committed_cash: Money | None = None,
    committed_scholarship: Money | None = None,
) -> FundAvailable:
    """Lock the fund and refuse (FundError) if it cannot give ``amount`` for ``purpose`` on top
    of what is already promised, without posting anything: used when an allocation is
    approved. The caller must read its commitments after ``fund_lock`` in the same
    transaction (calling fund_lock first is the way to do that; this locks again, harmlessly)."""
    locked = fund_lock(fund=fund)
    if not locked.is_active:
        raise FundError(_("Fund %(fund)s is closed: nothing more is paid out of it.") % {"fund": locked.code})
    purpose = _purpose_check(purpose)
    amount = _amount_check(locked, amount)
    available = fund_available(locked)
    _availability_check(
        fund=locked,
        available=available,
        purpose=purpose,
        amount=amount,
        committed_cash=committed_cash if committed_cash is not None else _zero(locked),
        committed_scholarship=committed_scholarship if committed_scholarship is not None else _zero(locked),
    )
    return available


def fund_spend(
    *,
    fund: Fund,
    purpose: str,
    programme: str,
    reference: str,
    recipient: str,
    amount: Money,
    date: datetime.date,
    paid_from: str,
    description: str,
    actor: Any = None,
) -> Posting:
    """Pay ``amount`` out of the fund to ``recipient`` (an opaque token): debit the allocation
    account for ``purpose``, credit the bank or cash on hand. Refuses (FundError) and writes
    nothing when the fund is closed, the amount is not positive or in another currency, the
    purpose is not cash or scholarship, the recipient is not a token, or the money (or the
    account paid from) does not cover it."""
    purpose = _purpose_check(purpose)
    if paid_from not in PAID_FROM:
        raise FundError(_("Money is paid from the bank or from cash on hand, not %(source)r.") % {"source": paid_from})
    programme = text_clean(programme, field="programme", max_length=30)
    reference = text_clean(reference, field="reference", max_length=50, required=True)
    recipient = recipient_check(recipient)
    description = text_clean(description, field="description", max_length=500, required=True)
    posted = {
        "description": description,
        "date": date,
        "purpose": purpose,
        "programme": programme,
        "reference": reference,
        "recipient": recipient,
        "actor": actor,
    }
    with transaction.atomic():
        if purpose == Donation.Kind.CASH:
            posting = _cash_post_then_check(fund=fund, amount=amount, paid_from=paid_from, posted=posted)
        else:
            posting = _check_then_post(fund=fund, purpose=purpose, amount=amount, paid_from=paid_from, posted=posted)
    return posting


def _audit_spend(posting: Posting, *, fund: Fund, amount: Money, paid_from: str, actor: Any) -> None:
    audit_record(
        actor=actor,
        action="fund.spend",
        obj=posting,
        data={
            "fund": fund.code,
            "purpose": posting.purpose,
            "programme": posting.programme,
            "reference": posting.reference,
            "amount": str(amount.amount),
            "currency": fund.currency,
            "paid_from": paid_from,
        },
    )


def _source_check(fund: Fund, available: FundAvailable, source: str, amount: Money) -> None:
    in_source = available.bank if source == AccountRole.BANK else available.cash_on_hand
    if amount > in_source:
        raise FundError(
            _("Not enough in %(account)s of %(fund)s: %(left)s there, %(asked)s asked.")
            % {
                "account": AccountRole(source).label,
                "fund": fund.code,
                "left": money_display(max(in_source, _zero(fund))),
                "asked": money_display(amount),
            }
        )


def _cash_post_then_check(*, fund: Fund, amount: Money, paid_from: str, posted: dict) -> Posting:
    """A cash payment's legs do not depend on the balance (cash allocated, credit the source),
    so everything is written first and the fund is locked last: the lock is held for two
    queries and the commit instead of the whole posting, and spendings of one fund follow each
    other that much faster. Under the lock the balance read includes this payment and every
    one committed before it; the checks are those of a check before posting, on the balance
    as it was without this payment. A refusal rolls it all back (fund_spend's atomic block)."""
    amount = _amount_check(fund, amount)
    source = PAID_FROM[paid_from]
    posting = ledger_post(
        fund=fund,
        kind=Posting.Kind.ALLOCATION,
        entries=[Entry(AccountRole.ALLOCATED_CASH, "debit", amount), Entry(source, "credit", amount)],
        **posted,
    )
    _audit_spend(posting, fund=fund, amount=amount, paid_from=paid_from, actor=posted["actor"])
    locked = fund_lock(fund=fund)
    if not locked.is_active:
        raise FundError(_("Fund %(fund)s is closed: nothing more is paid out of it.") % {"fund": locked.code})
    before = net_by_role([locked])[locked.pk]
    before[AccountRole.ALLOCATED_CASH] -= amount.amount
    before[source] += amount.amount
    available = available_from_net(locked, before)
    _availability_check(
        fund=locked,
        available=available,
        purpose=Donation.Kind.CASH,
        amount=amount,
        committed_cash=_zero(locked),
        committed_scholarship=_zero(locked),
    )
    _source_check(locked, available, source, amount)
    return posting


def _check_then_post(*, fund: Fund, purpose: str, amount: Money, paid_from: str, posted: dict) -> Posting:
    """A scholarship is split between scholarship money and unrestricted money by what is left
    of each, so it is checked and split under the fund's lock before it is posted."""
    available = fund_spend_check(fund=fund, purpose=purpose, amount=amount)
    locked = fund_lock(fund=fund)
    amount = _amount_check(locked, amount)
    source = PAID_FROM[paid_from]
    _source_check(locked, available, source, amount)
    ledger_chart_complete(fund=locked)
    from_restricted = min(amount, available.scholarship_restricted)
    debits = [
        (AccountRole.ALLOCATED_SCHOLARSHIP, from_restricted),
        (AccountRole.ALLOCATED_CASH, amount - from_restricted),
    ]
    entries = [Entry(role, "debit", money) for role, money in debits if money.amount > 0]
    entries.append(Entry(source, "credit", amount))
    posting = ledger_post(fund=locked, kind=Posting.Kind.ALLOCATION, entries=entries, **posted)
    _audit_spend(posting, fund=locked, amount=amount, paid_from=paid_from, actor=posted["actor"])
    return posting


def fund_spend_reverse(
    *, posting: Posting, reason: str, date: datetime.date | None = None, actor: Any = None
) -> Posting:
    """Undo a spending that was a mistake: its mirror image, never an edit. The money comes
    back to where it was paid from (and restricted money to its restriction)."""
    if posting.kind != Posting.Kind.ALLOCATION:
        raise FundError(_("Only an allocation's posting is reversed here."))
    reason = text_clean(reason, field="reason", max_length=500, required=True)
    with transaction.atomic():
        reversal = ledger_reverse(posting=posting, reason=reason, date=date or timezone.localdate(), actor=actor)
        audit_record(
            actor=actor,
            action="fund.spend_reverse",
            obj=reversal,
            data={"reverses": posting.pk, "reference": posting.reference, "reason": reason},
        )
    return reversal
