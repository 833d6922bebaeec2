"""The statement entries (fund.models.StatementEntry) against the ledger they are derived from.

Statements read the entries; check_ledger proves each one is what its posting, transaction,
legs, gift and donor say today, so an entry changed behind the guard's back, a posting written
with the triggers off, or a donor's kind changed without its trigger is found and named. The
computation here is written from fund.models.ledger's roles, apart from the triggers' own SQL
(migration 0019): two independent computations that must agree."""

from __future__ import annotations

from django.db import connection

from ..models.ledger import ALLOCATION_ROLES, EXPENSE_ROLES, INCOME_ROLES, AccountRole

_COLUMNS = (
    "posting_id",
    "fund_id",
    "day",
    "kind",
    "gift_kind",
    "donor_id",
    "donor_kind",
    "purpose",
    "programme",
    "recipient",
    "reverses_kind",
    "reversed_on",
    "late",
    "value",
    "allocated",
    "goods_lost",
    "goods_found",
    "records_loss",
    "records_surplus",
)


def _roles(roles) -> str:
    return ", ".join(f"'{role.value}'" for role in roles)  # our own enum values, not input


_NOMINAL = _roles((*INCOME_ROLES, *EXPENSE_ROLES))
_LOST = f"'{AccountRole.GOODS_LOST.value}'"

EXPECTED = f"""
SELECT p.id AS posting_id, p.fund_id, t.date AS day, p.kind, d.kind AS gift_kind, d.donor_id,
    dn.kind AS donor_kind, p.purpose, p.programme, p.recipient, o.kind AS reverses_kind,
    rt.date AS reversed_on, p.occurred_on IS NOT NULL AS late,
    COALESCE(lg.value, 0) AS value, COALESCE(lg.allocated, 0) AS allocated,
    COALESCE(lg.goods_lost, 0) AS goods_lost, COALESCE(lg.goods_found, 0) AS goods_found,
    COALESCE(lg.records_loss, false) AS records_loss, COALESCE(lg.records_surplus, false) AS records_surplus
FROM fund_posting p
JOIN hordak_transaction t ON t.id = p.transaction_id
LEFT JOIN fund_donation d ON d.id = p.donation_id
LEFT JOIN donors_donor dn ON dn.id = d.donor_id
LEFT JOIN fund_posting o ON o.id = p.reverses_id
LEFT JOIN fund_posting r ON r.reverses_id = p.id
LEFT JOIN hordak_transaction rt ON rt.id = r.transaction_id
LEFT JOIN (
    SELECT l.transaction_id,
        SUM(CASE WHEN fa.role IN ({_NOMINAL}) THEN COALESCE(l.credit, 0) - COALESCE(l.debit, 0) ELSE 0 END) AS value,
        SUM(CASE WHEN fa.role IN ({_roles(ALLOCATION_ROLES)}) THEN COALESCE(l.debit, 0) ELSE 0 END) AS allocated,
        SUM(CASE WHEN fa.role = {_LOST} THEN COALESCE(l.debit, 0) ELSE 0 END) AS goods_lost,
        SUM(CASE WHEN fa.role = {_LOST} THEN COALESCE(l.credit, 0) ELSE 0 END) AS goods_found,
        bool_or(fa.role = {_LOST} AND l.debit IS NOT NULL) AS records_loss,
        bool_or(fa.role = {_LOST} AND l.credit IS NOT NULL) AS records_surplus
    FROM hordak_leg l JOIN fund_fundaccount fa ON fa.account_id = l.account_id
    GROUP BY l.transaction_id
) lg ON lg.transaction_id = p.transaction_id
"""  # noqa: S608 - our own role values

_RECORDED = f"SELECT {', '.join(_COLUMNS)} FROM fund_statemententry"  # noqa: S608 - our own names

# Every posting whose entry is missing, differs, or has no posting.
_DIFFERENCES = f"""
WITH expected AS ({EXPECTED}), recorded AS ({_RECORDED}),
wrong AS (
    (SELECT * FROM expected EXCEPT ALL SELECT * FROM recorded)
    UNION ALL
    (SELECT * FROM recorded EXCEPT ALL SELECT * FROM expected)
)
SELECT DISTINCT w.posting_id, e.posting_id IS NOT NULL AS posted, r.posting_id IS NOT NULL AS entered
FROM wrong w
LEFT JOIN expected e ON e.posting_id = w.posting_id
LEFT JOIN recorded r ON r.posting_id = w.posting_id
ORDER BY w.posting_id
"""  # noqa: S608 - our own queries

SHOWN = 50


def statement_entries_differences(*, changed=()) -> list[str]:
    """One line per posting whose statement entry is not what the ledger says, leaving out the
    postings in ``changed`` (whose legs or transaction were changed after posting: check_ledger
    names those by their digest, and their entries rightly keep what was posted)."""
    with connection.cursor() as cursor:
        cursor.execute(_DIFFERENCES)
        rows = [row for row in cursor.fetchall() if row[0] not in changed]
    problems = []
    for posting, posted, entered in rows[:SHOWN]:
        if not entered:
            problems.append(f"Posting {posting} has no statement entry")
        elif not posted:
            problems.append(f"Statement entry {posting} belongs to no posting")
        else:
            problems.append(f"The statement entry of posting {posting} differs from what its ledger rows say")
    if len(rows) > SHOWN:
        problems.append(f"... and {len(rows) - SHOWN} more postings whose statement entries differ")
    return problems
