"""Everything `check_ledger` verifies. Each check reads the database directly and reports what
it finds in words an accountant can act on; none of them trusts the Python that wrote the rows.

Apps that move money into the ledger add their own checks from a ``ledger_checks`` module
(payments: card money the ledger may miss, the guards on its tables). They register here, the
way admin modules register with Django's admin, so fund never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils.module_loading import autodiscover_modules
from hordak.models import Leg, Transaction

from audit.db import append_only_trigger_name

from ..digests import all_transaction_digests
from ..models import AccountRole, Donation, Fund, FundAccount, Posting
from ..models.ledger import ROLES_ADDED_LATER
from .balances import fund_asset_total_from_legs, fund_balances
from .periods import closed_periods, period_fingerprint
from .statement_entries import statement_entries_differences
from .totals import day_totals_differences

APPEND_ONLY_TABLES = ("hordak_transaction", "hordak_leg", "fund_posting", "audit_auditentry")
# trigger name -> the table it protects
REQUIRED_TRIGGERS = {
    **{append_only_trigger_name(table): table for table in APPEND_ONLY_TABLES},
    "fund_donation_freeze_received": "fund_donation",
    "fund_donation_no_delete": "fund_donation",
    "fund_donationline_freeze_received": "fund_donationline",
    "fund_donationline_add_up": "fund_donationline",
    append_only_trigger_name("fund_fundaccount"): "fund_fundaccount",
    # Closed periods: nothing dated inside one, and their rows only gain a reopening.
    "hordak_transaction_closed_period": "hordak_transaction",
    "fund_closedperiod_history": "fund_closedperiod",
    # Day totals: kept from the legs by the database, written by nothing else (migration 0018).
    "fund_leg_day_totals": "hordak_leg",
    "fund_ledgerdaytotal_guard": "fund_ledgerdaytotal",
    # Statement entries: kept from postings and donors by the database, likewise (migration 0019).
    "fund_posting_statement_entries": "fund_posting",
    "fund_posting_statement_entries_update": "fund_posting",
    "fund_donor_statement_entries": "donors_donor",
    "fund_statemententry_guard": "fund_statemententry",
    # hordak's own: legs balance per transaction, legs match their account's currency.
    "check_leg_trigger": "hordak_leg",
    "check_leg_and_account_currency_match_trigger": "hordak_leg",
}

REQUIRED_ROLES = {role.value for role in AccountRole} - {role.value for role in ROLES_ADDED_LATER}


@dataclass
class LedgerReport:
    transactions_checked: int = 0
    problems: list[str] = field(default_factory=list)


def _unbalanced_transactions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT transaction_id, currency,
                   SUM(COALESCE(debit, 0)) AS debits, SUM(COALESCE(credit, 0)) AS credits
            FROM hordak_leg GROUP BY transaction_id, currency
            HAVING SUM(COALESCE(debit, 0)) <> SUM(COALESCE(credit, 0))
            ORDER BY transaction_id
            """
        )
        return [f"Transaction {tx}: debits {d} {cur} != credits {c} {cur}" for tx, cur, d, c in cursor.fetchall()]


def _transactions_without_legs_or_posting() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id FROM hordak_transaction t LEFT JOIN hordak_leg l ON l.transaction_id = t.id "
            "GROUP BY t.id HAVING COUNT(l.id) < 2 ORDER BY t.id"
        )
        problems = [f"Transaction {tx} has fewer than two legs" for (tx,) in cursor.fetchall()]
    missing = Transaction.objects.filter(posting__isnull=True).values_list("id", flat=True)
    problems += [f"Transaction {tx} has no posting (written outside the services?)" for tx in missing]
    return problems


def _tampered_posting_ids() -> dict[int, int]:
    """Posting id -> transaction id of every posting whose transaction or legs changed since."""
    recorded = dict(Posting.objects.values_list("transaction_id", "digest"))
    posting_ids = dict(Posting.objects.values_list("transaction_id", "id"))
    return {
        posting_ids[transaction_id]: transaction_id
        for transaction_id, digest in all_transaction_digests()
        if transaction_id in recorded and recorded[transaction_id] != digest
    }


def _tampered_postings(tampered: dict[int, int]) -> list[str]:
    return [
        f"Posting {posting}: transaction {transaction_id} differs from what was posted "
        "(legs, amounts, date or description changed)"
        for posting, transaction_id in tampered.items()
    ]


def _legs_outside_their_fund() -> list[str]:
    problems = []
    legs = Leg.objects.select_related("transaction__posting", "account__fund_account__fund").order_by("id")
    for leg in legs.iterator(chunk_size=2000):
        account_fund = getattr(getattr(leg.account, "fund_account", None), "fund", None)
        posting = getattr(leg.transaction, "posting", None)
        if account_fund is None:
            problems.append(f"Leg {leg.pk} posts to account {leg.account.full_code}, which belongs to no fund")
            continue
        if posting is not None and posting.fund_id != account_fund.pk:
            problems.append(
                f"Leg {leg.pk} of posting {posting.pk} ({posting.fund_id}) posts to fund {account_fund.code}"
            )
        leg_currency = (leg.debit or leg.credit).currency.code
        if leg_currency != account_fund.currency:
            problems.append(
                f"Leg {leg.pk} is in {leg_currency}; fund {account_fund.code} keeps {account_fund.currency}"
            )
    return problems


def _fund_balances_match_postings() -> list[str]:
    """The balance the admin shows (grouped by role) must equal a plain sum of the fund's asset
    legs, and received - allocated - lost must equal what is left (the fund's own equation)."""
    problems = []
    funds = list(Fund.objects.all())
    balances = fund_balances(funds)
    for fund in funds:
        balance = balances[fund.pk]
        from_legs = fund_asset_total_from_legs(fund)
        if balance.total.amount != from_legs:
            problems.append(f"Fund {fund.code}: balance {balance.total.amount} != sum of its postings {from_legs}")
        if balance.received.amount - balance.allocated.amount - balance.lost.amount != balance.total.amount:
            problems.append(
                f"Fund {fund.code}: received {balance.received.amount} - allocated "
                f"{balance.allocated.amount} - lost {balance.lost.amount} != balance {balance.total.amount}"
            )
        roles = set(FundAccount.objects.filter(fund=fund).values_list("role", flat=True))
        # A role added after the fund opened gets its account on first use (ledger_chart_complete).
        if not REQUIRED_ROLES <= roles:
            problems.append(f"Fund {fund.code} is missing ledger accounts")
    return problems


def _donations_match_postings() -> list[str]:
    problems = []
    postings: dict[int, dict[str, list[Posting]]] = {}
    for posting in Posting.objects.filter(donation__isnull=False).only("id", "donation_id", "kind"):
        postings.setdefault(posting.donation_id, {}).setdefault(posting.kind, []).append(posting)
    legs_total = {row["transaction_id"]: row["total"] for row in _debit_totals()}
    donations = Donation.objects.select_related("fund").order_by("id")
    for donation in donations.iterator(chunk_size=2000):
        mine = postings.get(donation.pk, {})
        received = mine.get(Posting.Kind.DONATION_RECEIVED, [])
        reversals = mine.get(Posting.Kind.REVERSAL, [])
        posted = donation.status in (Donation.Status.RECEIVED, Donation.Status.REFUNDED)
        if posted and len(received) != 1:
            problems.append(f"Gift {donation.reference} is {donation.status} but has {len(received)} receipt postings")
        if not posted and (received or reversals):
            problems.append(f"Gift {donation.reference} is {donation.status} but was posted to the ledger")
        if donation.status == Donation.Status.REFUNDED and len(reversals) != 1:
            problems.append(f"Gift {donation.reference} is refunded but has {len(reversals)} reversals")
        if donation.status == Donation.Status.RECEIVED and reversals:
            problems.append(f"Gift {donation.reference} is received but its posting was reversed")
        if len(received) == 1:
            expected = donation.fund_value.amount
            posted_amount = legs_total.get(received[0].transaction_id, Decimal(0))
            if posted_amount != expected:
                problems.append(f"Gift {donation.reference} is worth {expected} but was posted as {posted_amount}")
    return problems


def _debit_totals():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.transaction_id, SUM(COALESCE(l.debit, 0)) FROM fund_posting p "
            "JOIN hordak_leg l ON l.transaction_id = p.transaction_id "
            "WHERE p.kind = 'donation_received' GROUP BY p.transaction_id"
        )
        return [{"transaction_id": tx, "total": total} for tx, total in cursor.fetchall()]


def _database_guards() -> list[str]:
    with connection.cursor() as cursor:
        # 'O' and 'A' fire in normal sessions; 'R' (replica only) and 'D' do not.
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgenabled IN ('O', 'A')")
        present = {name for (name,) in cursor.fetchall()}
    return [
        f"Table {table} is not protected: trigger {name} is missing or disabled"
        for name, table in REQUIRED_TRIGGERS.items()
        if name not in present
    ]


def _accounting_equation() -> list[str]:
    """All debits equal all credits, per currency, over the whole ledger. (hordak's own
    validate_accounting_equation crashes with TypeError when it should report, in 2.0.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT currency, SUM(COALESCE(debit, 0)), SUM(COALESCE(credit, 0)) FROM hordak_leg "
            "GROUP BY currency HAVING SUM(COALESCE(debit, 0)) <> SUM(COALESCE(credit, 0))"
        )
        return [
            f"Accounting equation broken in {currency}: debits {debits} != credits {credits}"
            for currency, debits, credits in cursor.fetchall()
        ]


def _goods_match_their_lines() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.reference, d.amount, COALESCE(SUM(l.fair_value), 0) FROM fund_donation d "
            "LEFT JOIN fund_donationline l ON l.donation_id = d.id "
            "WHERE d.kind IN ('in_kind', 'supplies') GROUP BY d.id HAVING d.amount <> COALESCE(SUM(l.fair_value), 0)"
        )
        return [
            f"Gift {reference} is worth {amount} but its lines add up to {lines}"
            for reference, amount, lines in cursor.fetchall()
        ]


def _closed_periods_unchanged() -> list[str]:
    """A closed period holds what it held when it closed: same transactions, same legs."""
    problems = []
    for period in closed_periods():
        count, digest = period_fingerprint(period.starts_on, period.ends_on)
        if (count, digest) != (period.transactions, period.digest):
            problems.append(
                f"Closed period {period.starts_on} to {period.ends_on} changed since it was closed: "
                f"{period.transactions} transaction(s) then, {count} now"
                + ("" if count != period.transactions else ", and their contents differ")
            )
    return problems


ExtraCheck = Callable[[], list[str]]
_extra_checks: list[ExtraCheck] = []


def ledger_guard_require(*, trigger: str, table: str) -> None:
    """Another app's table that must keep a protecting trigger (checked with fund's own)."""
    REQUIRED_TRIGGERS[trigger] = table


def ledger_check_register(check: ExtraCheck) -> ExtraCheck:
    """Add a check from another app; it returns problems in words, like the ones here."""
    if check not in _extra_checks:
        _extra_checks.append(check)
    return check


def ledger_problems() -> LedgerReport:
    autodiscover_modules("ledger_checks")  # imports each app's checks once; later calls find them loaded
    report = LedgerReport(transactions_checked=Transaction.objects.count())
    tampered = _tampered_posting_ids()
    for check in (
        _database_guards,
        _unbalanced_transactions,
        _transactions_without_legs_or_posting,
        lambda: _tampered_postings(tampered),
        _legs_outside_their_fund,
        _fund_balances_match_postings,
        _donations_match_postings,
        _goods_match_their_lines,
        _accounting_equation,
        _closed_periods_unchanged,
        day_totals_differences,
        # A posting whose legs changed behind the triggers' back is named above; its statement
        # entry keeps what was posted, as its day totals do.
        lambda: statement_entries_differences(changed=tampered),
        *_extra_checks,
    ):
        report.problems.extend(check())
    return report
