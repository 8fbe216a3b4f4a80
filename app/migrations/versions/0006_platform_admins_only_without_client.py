"""Only a platform admin may belong to no client: a CHECK constraint on users.

Code that reads a missing client as "the platform's own scope" gave a tenantless user of any
other role every tenant's live views; nothing in the schema forbade such a row (a plain SQL
insert, a bad import). The constraint makes the database refuse it, whoever writes.

Existing rows that break the rule stop the upgrade with one message naming them; it fixes nothing
by itself: which client such a user belongs to (or whether they should be a platform admin) is a
person's decision, not a migration's.

SQLite cannot add a constraint to a table, so batch mode rebuilds `users` (copy, drop, rename).
Dropping the table drops its triggers (the change log's), so they are read before and created
again after. The rebuild needs foreign key enforcement off (SQLite's documented procedure for
rebuilding a table others reference): env.py turns it off around migrations on SQLite, and this
migration checks every foreign key before it ends.

The model declares the same constraint under the same name (app/models/tenancy.py).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

from app.rules.errors import Conflict

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_users_client_unless_platform_admin"
CONDITION = "role = 'platform_admin' OR client_id IS NOT NULL"
NAMES_SHOWN = 5  # enough to find the rows; the count says how many there are in all


def _refuse_violating_rows(bind) -> None:
    rows = bind.execute(sa.text(
        f"SELECT id, email, role FROM users WHERE NOT ({CONDITION}) ORDER BY id"
    )).all()
    if not rows:
        return
    shown = ", ".join(f"{row.email} ({row.role}, id {row.id})" for row in rows[:NAMES_SHOWN])
    more = f" and {len(rows) - NAMES_SHOWN} more" if len(rows) > NAMES_SHOWN else ""
    raise Conflict(
        f"Migration 0006 stopped: {len(rows)} user(s) other than platform admins belong to no "
        f"client: {shown}{more}. Give each a client (UPDATE users SET client_id = <client id> "
        f"WHERE id = <user id>) or make them platform admins, then run `beacon db upgrade` again."
    )


def _sqlite_triggers_of_users(bind) -> list[str]:
    return list(bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'users' ORDER BY name"
    )).scalars())


def _rebuild_users(bind, change) -> None:
    """Run `change(batch_op)` on users; on SQLite keep its triggers across the rebuild."""
    sqlite = bind.dialect.name == "sqlite"
    triggers = _sqlite_triggers_of_users(bind) if sqlite else []
    with op.batch_alter_table("users", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        for trigger in triggers:
            op.execute(trigger)
        broken = bind.execute(sa.text("PRAGMA foreign_key_check")).all()
        if broken:
            raise RuntimeError(f"Migration 0006: foreign keys broken by the rebuild of users: {broken[:5]}")


def upgrade() -> None:
    bind = op.get_bind()
    _refuse_violating_rows(bind)
    _rebuild_users(bind, lambda batch_op: batch_op.create_check_constraint(CONSTRAINT, CONDITION))


def downgrade() -> None:
    _rebuild_users(op.get_bind(), lambda batch_op: batch_op.drop_constraint(CONSTRAINT, type_="check"))
