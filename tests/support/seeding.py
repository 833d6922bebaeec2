"""Seeding the demo centre inside a test.

hordak's balance trigger is deferred to commit and a test never commits, so after seeding
``SET CONSTRAINTS ALL IMMEDIATE`` fires every pending check at once, and an unbalanced seed fails
the test. It cannot be set before seeding: ledger_post inserts a transaction's legs one at a
time, and an immediate check after the first leg always sees an unbalanced transaction.
"""

from io import StringIO

from django.core.management import call_command
from django.db import connection


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    flush_deferred_checks()
    return out.getvalue()


def flush_deferred_checks() -> None:
    """Run hordak's deferred balance and currency checks now, as a commit would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def check_ledger() -> str:
    out = StringIO()
    call_command("check_ledger", stdout=out)
    return out.getvalue()
