"""The change log is written by the database itself: triggers on every watched table append a
row in the writer's own transaction, whoever the writer is (a service, or a plain SQL statement).
On PostgreSQL a statement trigger on the log also sends a NOTIFY wake-up (never the row).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from app.migrations.change_log import unwatch_table, watch_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> the column naming its tenant (None: the change concerns every tenant)
WATCHED = {
    "clients": None,
    "users": "client_id",
    "agent_status": "client_id",
    "system_messages": "client_id",
    "audit_logs": "client_id",
    "human_agents": "client_id",
    "chats": "client_id",
    "ai_agents": "client_id",
    "contacts": "client_id",
    "agent_tasks": "client_id",
    "drafts": "client_id",
    "follow_ups": "client_id",
}
NOTIFY_CHANNEL = "beacon_change_log"
# Any fixed 64-bit key: every transaction that logs a change holds this lock until it commits,
# so sequence numbers are handed out in commit order and a reader never skips a late commit.
COMMIT_ORDER_LOCK = 4_242_001


def _sqlite_upgrade() -> None:
    for table, tenant in WATCHED.items():
        watch_table(table, tenant)


def _sqlite_downgrade() -> None:
    for table in WATCHED:
        unwatch_table(table)


def _postgres_upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION beacon_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed jsonb;
        BEGIN
            IF TG_OP = 'DELETE' THEN changed := to_jsonb(OLD); ELSE changed := to_jsonb(NEW); END IF;
            PERFORM pg_advisory_xact_lock({COMMIT_ORDER_LOCK});
            INSERT INTO change_log (entity, entity_id, op, client_id, created_at)
            VALUES (TG_TABLE_NAME, changed ->> 'id', lower(TG_OP),
                    CASE WHEN TG_NARGS > 0 THEN (changed ->> TG_ARGV[0])::integer END, now());
            RETURN NULL;
        END $$;
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION beacon_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
            RETURN NULL;
        END $$;
        """
    )
    for table, tenant in WATCHED.items():
        watch_table(table, tenant)
    op.execute(
        "CREATE TRIGGER change_log_notify AFTER INSERT ON change_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION beacon_notify_change()"
    )


def _postgres_downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS change_log_notify ON change_log")
    for table in WATCHED:
        unwatch_table(table)
    op.execute("DROP FUNCTION IF EXISTS beacon_notify_change()")
    op.execute("DROP FUNCTION IF EXISTS beacon_log_change()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_downgrade()
    else:
        _sqlite_downgrade()
