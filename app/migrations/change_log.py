"""The change-log triggers of one live table, for migrations: a new live entity's migration calls
`watch_table` (and its downgrade `unwatch_table`) instead of copying the trigger SQL.

Migration 0002 created the log, the PostgreSQL trigger function `beacon_log_change` and its
NOTIFY; each watched table gets a row trigger that appends (entity = the table's name, its id, the
operation, its tenant) in the writer's own transaction.
"""

from __future__ import annotations

from alembic import op

OPS = {"insert": "NEW", "update": "NEW", "delete": "OLD"}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def watch_table(table: str, tenant_column: str | None = "client_id") -> None:
    """Log every insert, update and delete of `table` (tenant None: its rows concern every tenant)."""
    if _postgres():
        argument = f"'{tenant_column}'" if tenant_column else ""
        op.execute(f"CREATE TRIGGER change_log_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION beacon_log_change({argument})")
        return
    for op_name, row in OPS.items():
        tenant_value = f"{row}.{tenant_column}" if tenant_column else "NULL"
        op.execute(
            f"""
            CREATE TRIGGER change_log_{table}_{op_name} AFTER {op_name.upper()} ON {table}
            BEGIN
                INSERT INTO change_log (entity, entity_id, op, client_id, created_at)
                VALUES ('{table}', CAST({row}.id AS TEXT), '{op_name}', {tenant_value},
                        strftime('%Y-%m-%d %H:%M:%f000', 'now'));
            END
            """
        )


def unwatch_table(table: str) -> None:
    if _postgres():
        op.execute(f"DROP TRIGGER IF EXISTS change_log_{table} ON {table}")
        return
    for op_name in OPS:
        op.execute(f"DROP TRIGGER IF EXISTS change_log_{table}_{op_name}")
