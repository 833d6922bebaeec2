"""The ledger's day totals (fund.models.LedgerDayTotal) against the legs they are derived from.

Balances are read from the totals; check_ledger proves they are what the legs add up to, day by
day and account by account, so a total changed behind the guard's back (or a leg written with
the trigger off) is found and named."""

from __future__ import annotations

from django.db import connection

# Every (account, day, currency) where the legs and the totals differ, or only one side exists.
_DIFFERENCES = """
WITH from_legs AS (
    SELECT l.account_id, t.date AS day, l.currency, SUM(COALESCE(l.debit, 0)) AS debits,
           SUM(COALESCE(l.credit, 0)) AS credits, COUNT(*) AS legs
    FROM hordak_leg l JOIN hordak_transaction t ON t.id = l.transaction_id
    GROUP BY l.account_id, t.date, l.currency
), recorded AS (
    SELECT account_id, day, currency, SUM(debits) AS debits, SUM(credits) AS credits, SUM(legs) AS legs
    FROM fund_ledgerdaytotal GROUP BY account_id, day, currency
)
SELECT COALESCE(f.account_id, r.account_id) AS account_id, COALESCE(f.day, r.day) AS day,
       COALESCE(f.currency, r.currency) AS currency,
       COALESCE(r.debits, 0), COALESCE(r.credits, 0), COALESCE(r.legs, 0),
       COALESCE(f.debits, 0), COALESCE(f.credits, 0), COALESCE(f.legs, 0)
FROM from_legs f FULL OUTER JOIN recorded r
    ON r.account_id = f.account_id AND r.day = f.day AND r.currency = f.currency
WHERE f.account_id IS NULL OR r.account_id IS NULL
   OR f.debits <> r.debits OR f.credits <> r.credits OR f.legs <> r.legs
ORDER BY 2, 1, 3
"""

SHOWN = 50


def day_totals_differences() -> list[str]:
    """One line per account and day whose recorded totals are not what its legs add up to."""
    with connection.cursor() as cursor:
        cursor.execute(_DIFFERENCES)
        rows = cursor.fetchall()
        cursor.execute("SELECT id, full_code FROM hordak_account")
        codes = dict(cursor.fetchall())
    problems = [
        f"Day totals of account {codes.get(account, account)} on {day.isoformat()} say debits {debits:.2f} / "
        f"credits {credits:.2f} {currency} in {legs} legs; its legs add up to {leg_debits:.2f} / "
        f"{leg_credits:.2f} in {leg_count}"
        for account, day, currency, debits, credits, legs, leg_debits, leg_credits, leg_count in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        problems.append(f"... and {len(rows) - SHOWN} more days whose totals differ from their legs")
    return problems
