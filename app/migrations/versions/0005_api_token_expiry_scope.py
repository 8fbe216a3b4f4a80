"""API tokens get an expiry and a scope (issue 9, item 4).

- `expires_at` (nullable): every token the services issue has one (90 days unless asked
  otherwise). Tokens that exist already get created_at + 90 days, so an old token stops working
  on its own instead of living for ever. NULL would mean "never expires"; nothing writes it.
- `scope` ('read' | 'publish', not null): what the token may do on top of its user's rights.
  Existing tokens could publish before, so they get 'publish' (the server default).

The backfill runs in Python through the column types, so SQLite and PostgreSQL store the same
values the models would. SQLite alters the table through batch mode.

Revision ID: 0005
Revises: 0004
"""
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

EXISTING_TOKEN_LIFETIME = timedelta(days=90)  # the services' default lifetime of a new token
DEFAULT_SCOPE = "publish"  # what a token could do before scopes existed


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=DEFAULT_SCOPE))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(tokens.c.id, tokens.c.created_at).where(tokens.c.expires_at.is_(None))).all()
    for token_id, created_at in rows:
        bind.execute(tokens.update().where(tokens.c.id == token_id)
                     .values(expires_at=created_at + EXISTING_TOKEN_LIFETIME))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.drop_column("expires_at")
