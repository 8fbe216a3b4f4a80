"""Supabase: Beacon's sequences shut to the API roles.

Supabase's default privileges give anon and authenticated ALL on every new sequence in public, and
0007 revoked the tables' privileges but not their sequences': with them the public anon key could
setval() users_id_seq back to 1 (every later insert collides) or read a table's row count. The
upgrade revokes them on every Beacon table's sequences (later tables: rls.protect_table does it).
The downgrade gives nothing back.

Nothing here runs on SQLite or on a database migration 0007 did not protect.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

from app.supabase import rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LATER_TABLES = ("maintenance_windows", "status_intervals")  # migration 0008's


def upgrade() -> None:
    bind = op.get_bind()
    if not rls.is_protected(bind):
        return
    for table in rls.beacon_tables() + LATER_TABLES:
        rls.revoke_sequences(bind, table)


def downgrade() -> None:
    pass  # a downgrade never re-opens what an upgrade shut
