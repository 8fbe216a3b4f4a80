"""Pure rules of the AI agents' work: which transitions are allowed, and what a contact's badge says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.models import DraftStatus, FollowUpStatus, Role, TaskStatus
from app.rules.actors import Actor, require_client_access
from app.rules.errors import Forbidden

if TYPE_CHECKING:  # the SQL form of the badge rule only: the rules import no SQLAlchemy at run time
    import sqlalchemy as sa

T, D, F = TaskStatus, DraftStatus, FollowUpStatus

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.IN_PROGRESS, T.CANCELLED}),
    # Back to pending: a retry after the worker holding it was lost.
    T.IN_PROGRESS: frozenset({T.COMPLETED, T.FAILED, T.CANCELLED, T.PENDING}),
    T.COMPLETED: frozenset(),
    T.FAILED: frozenset(),
    T.CANCELLED: frozenset(),
}
DRAFT_TRANSITIONS: dict[str, frozenset[str]] = {
    D.PENDING: frozenset({D.APPROVED, D.REJECTED}),
    D.APPROVED: frozenset({D.SENT}),
    D.REJECTED: frozenset(),
    D.SENT: frozenset(),
}
FOLLOW_UP_TRANSITIONS: dict[str, frozenset[str]] = {
    F.SCHEDULED: frozenset({F.EXECUTED, F.CANCELLED}),
    F.EXECUTED: frozenset(),
    F.CANCELLED: frozenset(),
}

# Who may direct a client's AI agents (assign, cancel, approve, schedule): its admins and staff.
WORK_MANAGER_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.CLIENT_ADMIN, Role.SUPPORT_STAFF})

BADGE_WORKING = "Agent Working"
BADGE_DRAFT_READY = "Draft Ready"
BADGE_FAILED = "Failed"


def require_work_manager(actor: Actor, client_id: int, doing: str) -> None:
    """The actor may see the client and is one of its admins or staff (or a platform admin)."""
    require_client_access(actor, client_id)
    if actor.role not in WORK_MANAGER_ROLES:
        raise Forbidden(f"Only the client's admins and staff may {doing}.")


def can_move(transitions: dict[str, frozenset[str]], current: str, target: str) -> bool:
    return target in transitions.get(current, frozenset())


@dataclass(frozen=True)
class ContactWork:
    """What decides a contact's badge: its newest task and whether a draft awaits approval."""

    newest_task_status: str | None
    has_pending_draft: bool


def contact_badge(work: ContactWork) -> str:
    """Agent Working while a task is open; Failed if the newest task failed; Draft Ready while a
    draft awaits approval; otherwise no badge."""
    if work.newest_task_status in (T.PENDING, T.IN_PROGRESS):
        return BADGE_WORKING
    if work.newest_task_status == T.FAILED:
        return BADGE_FAILED
    if work.has_pending_draft:
        return BADGE_DRAFT_READY
    return ""


def should_retry(attempts: int, max_attempts: int) -> bool:
    """A task whose worker was lost is retried until it has been tried `max_attempts` times."""
    return attempts < max_attempts


def newest(statuses: Sequence[tuple[int, str]]) -> str | None:
    """The status of the task with the highest id (the newest)."""
    return max(statuses)[1] if statuses else None


def contact_badge_sql(newest_task_status: sa.ColumnElement[Any],
                      has_pending_draft: sa.ColumnElement[bool]) -> sa.Case[str]:
    """`contact_badge` as a SQL CASE over the same two facts, for filtering a window in the query.

    Kept beside the rule it mirrors; tests check the two agree on every combination."""
    import sqlalchemy as sa

    return sa.case(
        (newest_task_status.in_([T.PENDING, T.IN_PROGRESS]), BADGE_WORKING),
        (newest_task_status == T.FAILED, BADGE_FAILED),
        (has_pending_draft, BADGE_DRAFT_READY),
        else_="",
    )
