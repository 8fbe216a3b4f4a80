"""Supabase: Beacon's sequences shut to the API roles, and read policies that follow the role.

Supabase's default privileges give anon and authenticated ALL on every new sequence in public, and
0007 revoked the tables' privileges but not their sequences': with them the public anon key could
setval() users_id_seq back to 1 (every later insert collides) or read a table's row count. The
upgrade revokes them on every Beacon table's sequences (later tables: rls.protect_table does it).

0007's policies were per client: a signed-in support staff read every chat subject of the
client, withdrawn messages and the uptime history through REST and Realtime, which Beacon's own
pages show to admins only. Now (rls.ROLE_AWARE_ACCESS): chats to platform admins, the client's
admins and the agent a chat is assigned to; system messages to their client's users while live
(withdrawn and expired ones to platform admins); status_intervals to platform admins. Two more
SECURITY DEFINER helpers (the caller's role and human agent) each make one indexed lookup.

The downgrade puts 0007's policies back and drops the two helpers; the sequences stay shut.

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
    for signature, body in rls.ROLE_HELPERS.items():
        rls.create_helper(bind, signature, body)
    for table, (access, _before) in rls.ROLE_AWARE_ACCESS.items():
        rls.replace_policy(bind, table, access)


def downgrade() -> None:
    bind = op.get_bind()
    if not rls.is_protected(bind):
        return
    for table, (_access, before) in rls.ROLE_AWARE_ACCESS.items():
        rls.replace_policy(bind, table, before)
    for signature in rls.ROLE_HELPERS:
        rls.drop_helper(bind, signature)
    # The sequences' grants are not given back: a downgrade never re-opens what an upgrade shut.
