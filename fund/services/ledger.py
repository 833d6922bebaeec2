"""Writing to the ledger. Every movement of value is one balanced hordak transaction plus one
Posting; corrections are reversals. Callers hold the transaction: these functions must run
inside ``transaction.atomic()`` (they check), so a posting commits with the change it records.

Nothing is posted with a date inside a closed period (fund.services.periods). The check and the
close exclude each other through one advisory lock: every posting holds it shared until its
transaction ends, a close holds it exclusively, so a close waits for postings already past the
check to commit (they belong to the period it then fingerprints) and a posting that comes during
a close waits and then sees it. A trigger on hordak_transaction repeats the check for any
writer (migration 0016).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from hordak.models import Account, Leg, Transaction

from config.actors import actor_user

from ..digests import transaction_digest
from ..errors import LedgerError
from ..models import AccountRole, ClosedPeriod, Fund, FundAccount, LedgerCheck, Posting
from ..models.ledger import ASSET_ROLES, EXPENSE_ROLES, INCOME_ROLES
from ..selectors.ledger_checks import ledger_problems
from ..selectors.periods import closed_period_on, first_open_day_from

logger = logging.getLogger(__name__)

ROOT_ACCOUNTS = {
    # code: (name, hordak type)
    "1": ("Assets", "AS"),
    "4": ("Income", "IN"),
    "5": ("Expenses", "EX"),
}
_ROLE_PLACE = {
    **{role: ("1", str(i)) for i, role in enumerate(ASSET_ROLES, 1)},
    **{role: ("4", str(i)) for i, role in enumerate(INCOME_ROLES, 1)},
    **{role: ("5", str(i)) for i, role in enumerate(EXPENSE_ROLES, 1)},
}
# Fund creation reshapes hordak's account tree (MPTT): one at a time.
_CHART_LOCK_KEY = 0x43540001
# Postings (shared) against closing a period (exclusive). The trigger of migration 0016 takes the
# same key: change both or neither.
PERIOD_LOCK_KEY = 0x43540003


@dataclass(frozen=True)
class Entry:
    role: AccountRole
    side: Literal["debit", "credit"]
    money: Money


def _require_atomic() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("ledger writes must run inside transaction.atomic()")


def _chart_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHART_LOCK_KEY])


def period_lock(*, exclusive: bool) -> None:
    """Until the caller's transaction ends: shared for a posting, exclusive for a close."""
    _require_atomic()
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [PERIOD_LOCK_KEY])


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def period_closed_refusal(period: ClosedPeriod, day: datetime.date) -> str:
    """What a refused entry is told: which period, and where the entry goes instead."""
    return _(
        "The period %(start)s – %(end)s is closed: nothing can be dated %(date)s. A late gift or a "
        "correction goes into the open period: date it %(open)s or later."
    ) % {
        "start": _day(period.starts_on),
        "end": _day(period.ends_on),
        "date": _day(day),
        "open": _day(first_open_day_from(day)),
    }


def _ledger_date(day: datetime.date, *, late_into_open_period: bool) -> tuple[datetime.date, datetime.date | None]:
    """The date to post at and, for a late entry moved out of a closed period, the day it
    happened. Holds the period lock (shared) from here to the caller's commit."""
    period_lock(exclusive=False)
    period = closed_period_on(day)
    if period is None:
        return day, None
    if not late_into_open_period:
        raise LedgerError(period_closed_refusal(period, day))
    # Today is open: a period closes only once its last day is over (period_close).
    today = timezone.localdate()
    if (now_closed := closed_period_on(today)) is not None:
        raise LedgerError(period_closed_refusal(now_closed, today))
    return today, day


def _root_accounts() -> dict[str, Account]:
    roots = {}
    for code, (name, account_type) in ROOT_ACCOUNTS.items():
        root = Account.objects.filter(parent__isnull=True, code=code).first()
        if root is None:
            root = Account.objects.create(name=name, code=code, type=account_type, currencies=["VND", "USD"])
        roots[code] = root
    return roots


def _role_account_create(*, fund: Fund, role: str, parent: Account) -> Account:
    _type, place = _ROLE_PLACE[role]
    account = Account.objects.create(
        parent=parent,
        name=f"{fund.code} {AccountRole(role).label}",
        code=place,
        currencies=[fund.currency],
    )
    FundAccount.objects.create(fund=fund, role=role, account=account)
    return account


def ledger_chart_create(*, fund: Fund) -> dict[str, Account]:
    """Create the fund's accounts under the shared Assets / Income / Expenses roots.

    Codes read as type + fund + role, e.g. ``1CPF1`` is the CPF fund's bank account.
    """
    _require_atomic()
    _chart_lock()
    roots = _root_accounts()
    fund_nodes = {
        code: Account.objects.create(
            parent=root, name=f"{fund.code} {root.name}", code=fund.code, currencies=[fund.currency]
        )
        for code, root in roots.items()
    }
    return {
        role: _role_account_create(fund=fund, role=role, parent=fund_nodes[root_code])
        for role, (root_code, _place) in _ROLE_PLACE.items()
    }


def ledger_chart_complete(*, fund: Fund) -> list[str]:
    """Give a fund opened before a role existed (e.g. "Scholarships paid") its account for that
    role. Idempotent, and under the chart lock like fund creation: two first spendings at once
    create the account once. Returns the roles it added."""
    _require_atomic()
    if FundAccount.objects.filter(fund=fund).count() == len(_ROLE_PLACE):
        return []  # the usual case, without the lock
    _chart_lock()
    present = set(FundAccount.objects.filter(fund=fund).values_list("role", flat=True))
    missing = [role for role in _ROLE_PLACE if role not in present]
    if missing:
        roots = _root_accounts()
        for role in missing:
            root_code, _place = _ROLE_PLACE[role]
            parent = Account.objects.get(parent=roots[root_code], code=fund.code)
            _role_account_create(fund=fund, role=role, parent=parent)
    return missing


def _check_entries(fund: Fund, entries: Sequence[Entry]) -> None:
    if len(entries) < 2:
        raise LedgerError(_("A ledger transaction needs at least two entries."))
    debit_total = credit_total = 0
    for entry in entries:
        if entry.money.currency.code != fund.currency:
            raise LedgerError(
                _("Fund %(fund)s keeps its books in %(currency)s; an entry in %(given)s needs converting first.")
                % {"fund": fund.code, "currency": fund.currency, "given": entry.money.currency.code}
            )
        if entry.money.amount <= 0:
            raise LedgerError(_("Ledger entries must be positive amounts."))
        if entry.side == "debit":
            debit_total += entry.money.amount
        else:
            credit_total += entry.money.amount
    if debit_total != credit_total:
        raise LedgerError(
            _("Debits (%(debits)s) and credits (%(credits)s) must be equal.")
            % {"debits": debit_total, "credits": credit_total}
        )


def ledger_post(
    *,
    fund: Fund,
    kind: str,
    entries: Sequence[Entry],
    description: str,
    date: datetime.date,
    donation: Any = None,
    reverses: Posting | None = None,
    reason: str = "",
    purpose: str = "",
    programme: str = "",
    reference: str = "",
    late_into_open_period: bool = False,
    recipient: str = "",
    actor: Any = None,
) -> Posting:
    """Write one balanced transaction for ``fund`` and its Posting. The database trigger checks
    balance again at commit; this check gives the caller a clear error first.

    A ``date`` inside a closed period is refused (LedgerError), unless the caller records a fact
    it cannot re-date (a bank's booking day, a card charge, a batch's or a count's day fixed
    earlier): with ``late_into_open_period`` such an entry is dated today, says so in its
    description, and keeps the day it happened in ``Posting.occurred_on``."""
    _require_atomic()
    _check_entries(fund, entries)
    date, occurred_on = _ledger_date(date, late_into_open_period=late_into_open_period)
    if occurred_on is not None:
        description = f"{description[:440]} [late: happened on {occurred_on.isoformat()}, in a closed period]"
    accounts = {fa.role: fa.account_id for fa in FundAccount.objects.filter(fund=fund)}
    tx = Transaction.objects.create(date=date, description=description[:500])
    # One INSERT for all legs: the balance trigger then sees a whole transaction even when
    # constraints are IMMEDIATE. (_check_entries did the per-leg checks Leg.save() would do.)
    Leg.objects.bulk_create(
        Leg(transaction=tx, account_id=accounts[entry.role], **{entry.side: entry.money}) for entry in entries
    )
    return Posting.objects.create(
        transaction=tx,
        fund=fund,
        kind=kind,
        donation=donation,
        reverses=reverses,
        reason=reason,
        purpose=purpose,
        programme=programme,
        reference=reference,
        occurred_on=occurred_on,
        recipient=recipient,
        digest=transaction_digest(tx.pk),
        created_by=actor_user(actor),
    )


def ledger_reverse(*, posting: Posting, reason: str, date: datetime.date, actor: Any = None) -> Posting:
    """Post the mirror image of ``posting``. A posting is reversed at most once. The reversal
    carries the original's purpose, programme, reference and recipient, so a statement can show
    it beside what it reverses."""
    _require_atomic()
    posting = Posting.objects.select_for_update(of=("self",)).select_related("fund").get(pk=posting.pk)
    if Posting.objects.filter(reverses=posting).exists():
        raise LedgerError(_("Posting %(posting)s has already been reversed.") % {"posting": posting.pk})
    if posting.kind == Posting.Kind.REVERSAL:
        raise LedgerError(_("A reversal cannot itself be reversed; post a new entry instead."))
    roles = {fa.account_id: fa.role for fa in FundAccount.objects.filter(fund=posting.fund)}
    entries = [
        Entry(
            role=roles[leg.account_id],
            side="credit" if leg.debit is not None else "debit",
            money=leg.debit if leg.debit is not None else leg.credit,
        )
        for leg in Leg.objects.filter(transaction_id=posting.transaction_id).order_by("id")
    ]
    return ledger_post(
        fund=posting.fund,
        kind=Posting.Kind.REVERSAL,
        entries=entries,
        description=f"Reversal of posting {posting.pk}: {reason}",
        date=date,
        donation=posting.donation,
        reverses=posting,
        reason=reason,
        purpose=posting.purpose,
        programme=posting.programme,
        reference=posting.reference,
        recipient=posting.recipient,
        actor=actor,
    )


def _problems_in_one_snapshot():
    """All checks read one consistent snapshot, so a gift received mid-check is not a false
    alarm. Inside a caller's transaction (tests) a savepoint keeps a failure contained."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return ledger_problems()


def ledger_check_run() -> LedgerCheck:
    """Verify the whole ledger and record the outcome (nightly task or `check_ledger`).

    A check that cannot finish is recorded as failed with the error, never lost: an operator
    must see that the ledger was not verified.
    """
    check = LedgerCheck.objects.create()
    try:
        report = _problems_in_one_snapshot()
        check.problems = report.problems
        check.transactions_checked = report.transactions_checked
    except Exception as exc:  # noqa: BLE001 - whatever stopped it, record the failure
        logger.exception("ledger check %s could not finish", check.pk)
        check.problems = [f"The check could not finish: {type(exc).__name__}: {exc}"]
    check.ok = not check.problems
    check.finished_at = timezone.now()
    check.save(update_fields=["problems", "transactions_checked", "ok", "finished_at"])
    return check
