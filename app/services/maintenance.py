"""Scheduled maintenance windows and the status history: the one write path (reads: views/maintenance.py).

Every entry point (the admin card, the HTTP API, the CLI, the leader's timer) calls these. Each
write validates, authorizes, audits and keeps the status history (status_intervals) in one
transaction; the change-log triggers of migration 0008 carry it to open pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.db import read_session, transaction
from app.models import (
    AuditAction,
    MaintenanceState,
    MaintenanceWindow,
    ServiceStatus,
    StatusInterval,
    as_utc,
    id_of,
    utc_now,
)
from app.rules import maintenance as mr
from app.rules.actors import Actor, require_platform_admin, system_actor
from app.rules.errors import InvalidInput
from app.rules.text import text_problems
from app.services.audit import write_audit
from app.views.access import as_row_id, client_by_id, not_found
from app.views.maintenance import WindowRow, client_names, effective_statuses_in, facts, window_row

TIMER_ACTOR = "maintenance-timer"  # the audit rows of the windows' own moves name this actor


def _existing_client(session: Session, client_id: Any) -> int:
    return id_of(client_by_id(session, client_id))


def _window(session: Session, window_id: Any) -> MaintenanceWindow:
    """A window to change, locked (PostgreSQL) so the timer and an admin never both move it."""
    wanted = as_row_id(window_id)
    row = session.get(MaintenanceWindow, wanted, with_for_update=True) if wanted is not None else None
    if row is None:
        raise not_found("maintenance window")
    return row


# --- the status history ---------------------------------------------------------------------

def open_windows_in(session: Session, for_update: bool = False) -> list[MaintenanceWindow]:
    """Scheduled and in-progress windows (the timer's whole input); `for_update` locks them
    (PostgreSQL; SQLite's writer holds the database) against a concurrent extend or cancel."""
    query = select(MaintenanceWindow).where(col(MaintenanceWindow.state).in_(sorted(mr.OPEN_STATES)))
    return list(session.exec(query.with_for_update() if for_update else query))


def record_effective_statuses(session: Session, now: datetime | None = None) -> int:
    """Close and open status intervals where a scope's effective status changed; call it in the
    transaction of any write that may change one (after its flush). Returns intervals opened."""
    session.flush()
    now = now or utc_now()
    current = effective_statuses_in(session)
    still_open = select(StatusInterval).where(col(StatusInterval.ended_at).is_(None))
    open_rows = {r.client_id: r for r in session.exec(still_open)}
    opened = 0
    for scope, status in current.items():
        row = open_rows.get(scope)
        if row is not None and row.status == status:
            continue
        if row is None and status == ServiceStatus.ACTIVE:
            continue  # no history yet reads as Active: nothing to record until it changes
        if row is not None:
            row.ended_at = now
            session.add(row)
        session.add(StatusInterval(client_id=scope, status=status, started_at=now))
        opened += 1
    session.flush()
    return opened


# --- writes ---------------------------------------------------------------------------------

def _apply_due(session: Session, windows: list[MaintenanceWindow], now: datetime) -> int:
    """Move each window whose instant has come; audit each move. Returns how many moved."""
    moved = 0
    timer = system_actor(TIMER_ACTOR)
    for window in windows:
        state = mr.due_state(facts(window), now)
        if state == window.state:
            continue
        old = window.state
        window.state, window.updated_at = state, now
        session.add(window)
        write_audit(session, timer,
                    AuditAction.MAINTENANCE_START if state == MaintenanceState.IN_PROGRESS
                    else AuditAction.MAINTENANCE_COMPLETE,
                    "maintenance_window", window.id, window.client_id, {"state": old}, {"state": state})
        moved += 1
    if moved:
        record_effective_statuses(session, now)
    return moved


def schedule_window(actor: Actor, client_id: Any, starts_at: datetime | None, ends_at: datetime | None,
                    message: str = "") -> WindowRow:
    """Schedule maintenance for one client (or all: None). Platform admins only. A window whose
    start has passed starts at once (in this transaction)."""
    require_platform_admin(actor)
    sent = message if isinstance(message, str) else ""
    message = sent.strip()
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    now = utc_now()
    # The banner shows a window's message on one line (the notice in front of it, the time after).
    problems = {**mr.validate_window(starts_at, ends_at, message, now), **text_problems(single_line={"message": sent})}
    if problems:
        raise InvalidInput(problems)
    assert starts_at is not None and ends_at is not None  # a missing one is one of the problems above
    with transaction() as session:
        scope = _existing_client(session, client_id) if client_id is not None else None
        window = MaintenanceWindow(client_id=scope, starts_at=starts_at, ends_at=ends_at, message=message,
                                   state=MaintenanceState.SCHEDULED, created_by=actor.user_id, updated_by=actor.user_id)
        session.add(window)
        session.flush()
        write_audit(session, actor, AuditAction.MAINTENANCE_SCHEDULE, "maintenance_window", window.id, scope, None,
                    {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "message": message})
        _apply_due(session, [window], now)
        return window_row(window, client_names(session))


def extend_window(actor: Actor, window_id: Any, ends_at: datetime | None) -> WindowRow:
    """Change a scheduled or in-progress window's end (later, or earlier but still ahead)."""
    require_platform_admin(actor)
    ends_at = as_utc(ends_at)
    now = utc_now()
    with transaction() as session:
        window = _window(session, window_id)
        problems = mr.validate_new_end(facts(window), ends_at, now)
        if problems:
            raise InvalidInput(problems)
        assert ends_at is not None  # a missing end is a problem above
        old = as_utc(window.ends_at)
        window.ends_at, window.updated_by, window.updated_at = ends_at, actor.user_id, now
        session.add(window)
        write_audit(session, actor, AuditAction.MAINTENANCE_EXTEND, "maintenance_window", window.id, window.client_id,
                    {"ends_at": old.isoformat()}, {"ends_at": ends_at.isoformat()})
        return window_row(window, client_names(session))


def cancel_window(actor: Actor, window_id: Any) -> WindowRow:
    """Cancel a scheduled window, or end an in-progress one at once. Cancelling a window that is
    over already changes nothing (and says so: 422)."""
    require_platform_admin(actor)
    now = utc_now()
    with transaction() as session:
        window = _window(session, window_id)
        if window.state not in mr.OPEN_STATES:
            raise InvalidInput({"state": f"This window is {window.state.replace('_', ' ')} already."})
        old = window.state
        window.state, window.updated_by, window.updated_at = MaintenanceState.CANCELLED, actor.user_id, now
        session.add(window)
        write_audit(session, actor, AuditAction.MAINTENANCE_CANCEL, "maintenance_window", window.id, window.client_id,
                    {"state": old}, {"state": MaintenanceState.CANCELLED})
        if old == MaintenanceState.IN_PROGRESS:
            record_effective_statuses(session, now)
        return window_row(window, client_names(session))


def advance_windows(now: datetime | None = None) -> datetime | None:
    """The timer's step: move every window whose instant has come (one transaction, only when
    one has), and return the next instant to act at."""
    now = now or utc_now()
    with read_session() as session:
        open_facts = [facts(w) for w in open_windows_in(session)]
    if mr.due_transitions(open_facts, now):
        with transaction() as session:
            windows = open_windows_in(session, for_update=True)  # again, locked: a cancel may have won
            _apply_due(session, windows, now)
            open_facts = [facts(w) for w in windows if w.state in mr.OPEN_STATES]
    return mr.next_instant(open_facts, now)


# --- reads ----------------------------------------------------------------------------------


