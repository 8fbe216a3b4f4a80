"""Tasks as a contact's modal and an agent's page show them: the newest first, one window each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import AgentTask, AIAgent, Contact, TaskStatus, id_of
from app.views.paging import WINDOW_MAX_ROWS, more_allowed

TASKS_PAGE_SIZE = 50  # a contact's or an agent's newest tasks at first, and per "Show more"

TASK_STATUS_LABELS = {TaskStatus.PENDING: "Pending", TaskStatus.IN_PROGRESS: "In progress",
                      TaskStatus.COMPLETED: "Completed", TaskStatus.FAILED: "Failed",
                      TaskStatus.CANCELLED: "Cancelled"}


@dataclass
class TaskRow:
    id: int
    status: str
    status_label: str
    kind: str
    agent_id: int
    agent: str
    contact_id: int
    contact: str
    created_at: datetime
    finished_at: datetime | None
    error: str
    attempts: int


@dataclass(frozen=True)
class TasksWindow:
    """The tasks of one contact or of one AI agent (exactly one is set), within a client."""

    client_id: int | None
    contact_id: int | None = None
    ai_agent_id: int | None = None
    limit: int = TASKS_PAGE_SIZE

    def more(self) -> TasksWindow:
        return TasksWindow(self.client_id, self.contact_id, self.ai_agent_id,
                           min(self.limit + TASKS_PAGE_SIZE, WINDOW_MAX_ROWS))


@dataclass
class TasksPage:
    rows: list[TaskRow]
    has_more: bool  # "Show more" has older tasks to show
    older_hidden: bool = False  # older tasks exist past WINDOW_MAX_ROWS


def read_tasks(session: Session, window: TasksWindow) -> TasksPage:
    limit = max(1, min(window.limit, WINDOW_MAX_ROWS))
    query = (select(AgentTask, AIAgent.name, Contact.name)
             .where(AgentTask.ai_agent_id == AIAgent.id, AgentTask.contact_id == Contact.id)
             .order_by(col(AgentTask.id).desc()).limit(limit + 1))
    if window.contact_id is not None:
        query = query.where(AgentTask.contact_id == window.contact_id)
    elif window.ai_agent_id is not None:
        query = query.where(AgentTask.ai_agent_id == window.ai_agent_id)
    else:
        return TasksPage(rows=[], has_more=False)
    if window.client_id is not None:
        query = query.where(AgentTask.client_id == window.client_id)
    rows = [
        TaskRow(id=id_of(t), status=t.status, status_label=TASK_STATUS_LABELS.get(t.status, t.status), kind=t.kind,
                agent_id=t.ai_agent_id, agent=agent, contact_id=t.contact_id, contact=contact,
                created_at=t.created_at, finished_at=t.finished_at, error=t.error or "", attempts=t.attempts)
        for t, agent, contact in session.exec(query)
    ]
    has_more, older_hidden = more_allowed(len(rows), limit)
    return TasksPage(rows=rows[:limit], has_more=has_more, older_hidden=older_hidden)
