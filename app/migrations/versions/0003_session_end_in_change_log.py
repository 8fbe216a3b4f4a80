"""Signing out is a change too: ending a session appends to the change log, so every open page
of that session leaves at once. Only the end is logged, never the heartbeats.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER change_log_auth_sessions AFTER UPDATE OF ended_at ON auth_sessions "
            "FOR EACH ROW WHEN (OLD.ended_at IS DISTINCT FROM NEW.ended_at) "
            "EXECUTE FUNCTION beacon_log_change()"
        )
    else:
        op.execute(
            """
            CREATE TRIGGER change_log_auth_sessions_end AFTER UPDATE OF ended_at ON auth_sessions
            WHEN OLD.ended_at IS NOT NEW.ended_at
            BEGIN
                INSERT INTO change_log (entity, entity_id, op, client_id, created_at)
                VALUES ('auth_sessions', CAST(NEW.id AS TEXT), 'update', NULL,
                        strftime('%Y-%m-%d %H:%M:%f000', 'now'));
            END
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS change_log_auth_sessions ON auth_sessions")
    else:
        op.execute("DROP TRIGGER IF EXISTS change_log_auth_sessions_end")
