"""Writing many rows at once with PostgreSQL's COPY: for the few services that write hundreds of
thousands of rows (a bank statement's gifts, their postings and audit entries), where building
a model instance and an INSERT parameter per field costs more than the database's own work.
Callers give plain values in the table's column order; constraints and triggers apply as for
any INSERT."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def ids_reserve(table: str, count: int) -> list[int]:
    """``count`` fresh ids from the table's own sequence, for rows written by COPY whose ids
    other rows must point to."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]
