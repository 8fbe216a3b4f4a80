"""Indexes for finding a contact by what a person types: its email or its name, in any case.

Scheduling a follow-up names the contact by email or name (app/views/contacts.py `find_contact`,
`lower(column) = :text` within the client). Without these, each lookup read the client's whole
contacts table, before the write throttle was even counted: a loop of forms was a loop of full
scans. The models declare the same indexes (`__table_args__`), so metadata and migrations agree.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# name -> the lowered column; the same names as in app/models/work.py
LOWERED = {"ix_contacts_client_id_lower_email": "email", "ix_contacts_client_id_lower_name": "name"}


def upgrade() -> None:
    for name, column in LOWERED.items():
        op.create_index(name, "contacts", ["client_id", sa.text(f"lower({column})")], unique=False)


def downgrade() -> None:
    for name in reversed(list(LOWERED)):
        op.drop_index(name, table_name="contacts")
