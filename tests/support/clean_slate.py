"""A shared server's database back to the start of a browser test: everything active, no
messages in force, no maintenance window open, no task open (through the real services)."""

from __future__ import annotations


def reset_system_status() -> None:
    from sqlmodel import select

    from app.db import read_session
    from app.models import Client
    from app.services.auth import actor_for_email
    from app.services.system_status import clear_status_override, publish_system_status, withdraw_system_message
    from app.views.status import list_messages

    admin = actor_for_email("admin@beacon.demo")
    publish_system_status(admin, None, "active")
    with read_session() as session:
        ids = [c.id for c in session.exec(select(Client))]
    for client_id in ids:
        clear_status_override(admin, client_id)
    for message in list_messages(admin):
        withdraw_system_message(admin, message.id)
    cancel_open_windows(admin)
    cancel_open_tasks(admin)


def cancel_open_windows(admin) -> None:
    """Maintenance windows a previous test left scheduled or in progress would turn its pages."""
    from app.services.maintenance import cancel_window
    from app.views.maintenance import list_windows

    for window in list_windows(admin, include_closed=False):
        cancel_window(admin, window.id)


def cancel_open_tasks(admin) -> None:
    """Tasks a previous test left open would be the worker's first pick: cancel them."""
    from sqlmodel import col, select

    from app.db import read_session
    from app.models import AgentTask
    from app.services.tasks import cancel_task

    with read_session() as session:
        open_ids = list(session.exec(select(AgentTask.id).where(col(AgentTask.status).in_(["pending", "in_progress"]))))
    for task_id in open_ids:
        cancel_task(admin, task_id)
