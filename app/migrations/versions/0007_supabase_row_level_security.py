"""Supabase: users.auth_user_id, and row-level security for Supabase's API roles.

Every database gets the nullable, unique `users.auth_user_id` (uuid): the Supabase Auth user a
Beacon user signs in as (`beacon user link`). On a database prepared as Supabase prepares one
(auth.uid() and the roles anon, authenticated, service_role) the upgrade also enables RLS on
every Beacon table with the policies of app/supabase/rls.py and adds the live tables to the
supabase_realtime publication; on SQLite and plain PostgreSQL that part does nothing.

The downgrade removes the column, the policies, the helpers and the publication entries, and
leaves every table shut to the API roles (RLS on without a policy, no privilege): it never gives
anon and authenticated back the grants Supabase gives a new public table.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from app.supabase import rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMN = "auth_user_id"
INDEX = "ix_users_auth_user_id"


def upgrade() -> None:
    op.add_column("users", sa.Column(COLUMN, sa.Uuid(), nullable=True))
    op.create_index(INDEX, "users", [COLUMN], unique=True)
    bind = op.get_bind()
    if rls.is_supabase_database(bind):
        rls.protect(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if rls.is_protected(bind):
        rls.unprotect(bind)
    op.drop_index(INDEX, table_name="users")
    op.drop_column("users", COLUMN)
