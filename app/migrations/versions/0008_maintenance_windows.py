"""Scheduled maintenance windows and the status history (intervals of effective status).

Both tables are live: the change-log triggers of 0002 are created for them here, so a window
scheduled, moved on by the timer, extended or cancelled (by any writer, a plain SQL statement
too) reaches open pages, and so does a new status interval (the admin's uptime bars).

The history starts now: each scope whose explicit status is not Active gets an open interval from
its status row's last update (Beacon kept no intervals before; earlier time reads as Active).

On a Supabase database (migration 0007 protected it) both tables get row-level security like the
other tables whose rows belong to a client or to all (app/supabase/rls.py), and the windows join
the realtime publication.

Revision ID: 0008
Revises: 0007
"""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from app.migrations.change_log import unwatch_table, watch_table
from app.supabase import rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE_TABLES = ("maintenance_windows", "status_intervals")  # both name their tenant in client_id
PUBLISHED = ("maintenance_windows",)  # for the platform's supabase-js subscribers


def _create_tables() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_maintenance_windows_client_id", "maintenance_windows", ["client_id"])
    op.create_index("ix_maintenance_windows_state_starts_at", "maintenance_windows", ["state", "starts_at"])
    op.create_index("ix_maintenance_windows_state_ends_at", "maintenance_windows", ["state", "ends_at"])
    op.create_table(
        "status_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_status_intervals_client_id_started_at", "status_intervals", ["client_id", "started_at"])
    op.create_index("ix_status_intervals_ended_at", "status_intervals", ["ended_at"])


def _open_history(bind) -> None:
    """Open intervals for the scopes not Active now (explicit rows only: no window exists yet)."""
    rows = {r.client_id: r for r in bind.execute(sa.text("SELECT client_id, status, updated_at FROM agent_status"))}
    global_row = rows.get(None)
    intervals = sa.table("status_intervals", sa.column("client_id", sa.Integer),
                         sa.column("status", sa.String), sa.column("started_at", sqlmodel.sql.sqltypes.UTCDateTime()))
    now = datetime.now(UTC)
    values = []
    scopes = [None, *bind.execute(sa.text("SELECT id FROM clients")).scalars()]
    for scope in scopes:
        row = rows.get(scope) or (global_row if scope is not None else None)
        if row is None or row.status == "active":
            continue
        since = row.updated_at
        if isinstance(since, str):  # SQLite hands raw SQL its text
            since = datetime.fromisoformat(since)
        since = since if isinstance(since, datetime) else now
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        values.append({"client_id": scope, "status": row.status, "started_at": min(since, now)})
    if values:
        op.bulk_insert(intervals, values)


def upgrade() -> None:
    bind = op.get_bind()
    _create_tables()
    for table in LIVE_TABLES:
        watch_table(table)
    _open_history(bind)
    if rls.is_protected(bind):
        for table in LIVE_TABLES:
            rls.protect_table(bind, table, rls.SHARED_ROWS)
        rls.publish_live_tables(bind, PUBLISHED)


def downgrade() -> None:
    bind = op.get_bind()
    if rls.is_protected(bind):
        rls.unpublish_live_tables(bind, PUBLISHED)  # dropping the tables drops their policies
    for table in LIVE_TABLES:
        unwatch_table(table)
    op.drop_table("status_intervals")
    op.drop_table("maintenance_windows")
