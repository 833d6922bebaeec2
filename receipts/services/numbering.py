"""Gapless receipt numbers: one counter row per series and fiscal year."""

from django.db import connection

from ..models import ReceiptCounter


def number_take(*, series: str, fiscal_year: int) -> int:
    """The next number in ``series`` for ``fiscal_year``; must run inside the transaction that
    saves the receipt. The upsert locks the counter row until that transaction ends, so a
    concurrent issuer waits and then sees the committed value; a rollback returns the number."""
    if not connection.in_atomic_block:
        raise RuntimeError("number_take must run inside the receipt's transaction.")
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (series, fiscal_year, last_number) VALUES (%s, %s, 1)
            ON CONFLICT (series, fiscal_year) DO UPDATE SET last_number = {table}.last_number + 1
            RETURNING last_number
            """,  # noqa: S608 - the table name is our own model's, the values are parameters
            [series, fiscal_year],
        )
        return cursor.fetchone()[0]


def receipt_number_format(*, series: str, fiscal_year: int, sequence: int) -> str:
    return f"{series}-{fiscal_year}-{sequence:06d}"


__all__ = ["number_take", "receipt_number_format"]
