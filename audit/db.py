"""SQL for append-only tables, shared by the migrations that protect ledger and audit rows.

A row trigger refuses UPDATE and DELETE with SQLSTATE 23001 (restrict_violation), which Django
raises as IntegrityError. It holds against any client, not only our Python code. TRUNCATE is
not a row operation and stays possible for test database resets.
"""

FORBID_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION chungtay_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: posted rows are append-only (correct with a reversal)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

DROP_FORBID_CHANGE_FUNCTION = "DROP FUNCTION IF EXISTS chungtay_forbid_change();"


def append_only_trigger_name(table: str) -> str:
    return f"{table}_append_only"


def make_append_only(table: str) -> str:
    name = append_only_trigger_name(table)
    return (
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION chungtay_forbid_change();"
    )


def drop_append_only(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {append_only_trigger_name(table)} ON {table};"
