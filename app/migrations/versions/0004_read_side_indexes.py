"""Composite indexes for the read side: a client's contacts by name and by id, a contact's or an
agent's tasks newest first, pending drafts and due follow-ups per client, a client's audit trail.
With tens of thousands of contacts and tasks per client these keep the pages' windowed reads
(ORDER BY ... LIMIT) and the per-contact "newest task" look-ups on an index instead of a sort.

The models declare the same indexes (`__table_args__`), so metadata and migrations agree.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# name -> (table, columns); the same names as in app/models (work.py, system.py)
INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_contacts_client_id_name": ("contacts", ["client_id", "name"]),
    "ix_contacts_client_id_id": ("contacts", ["client_id", "id"]),
    "ix_agent_tasks_contact_id_id": ("agent_tasks", ["contact_id", "id"]),
    "ix_agent_tasks_ai_agent_id_id": ("agent_tasks", ["ai_agent_id", "id"]),
    "ix_agent_tasks_client_id_id": ("agent_tasks", ["client_id", "id"]),
    "ix_drafts_client_id_status_id": ("drafts", ["client_id", "status", "id"]),
    "ix_drafts_contact_id_status": ("drafts", ["contact_id", "status"]),
    "ix_follow_ups_client_id_status_scheduled_for": ("follow_ups", ["client_id", "status", "scheduled_for"]),
    "ix_follow_ups_client_id_status_id": ("follow_ups", ["client_id", "status", "id"]),
    "ix_audit_logs_client_id_id": ("audit_logs", ["client_id", "id"]),
    "ix_audit_logs_action_id": ("audit_logs", ["action", "id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
