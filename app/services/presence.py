"""Human agents' presence: heartbeats, manual status, auto-away, and the sweeper.

The stored HumanAgent.status is the effective presence; it is rewritten (and so pushed to every
page of the client) only when it changes. History goes to presence_events.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from app.config import get_settings
from app.db import read_session, transaction, write_if_needed
from app.models import (
    AuditAction,
    AuthSession,
    Chat,
    ChatStatus,
    HumanAgent,
    Presence,
    PresenceEvent,
    as_utc,
    id_of,
    utc_now,
)
from app.rules import presence as presence_rules
from app.rules.actors import Actor
from app.rules.errors import Forbidden, InvalidInput
from app.rules.presence import PresenceTimings
from app.services.audit import write_audit
from app.services.secrets_at_rest import token_digest
from app.views.access import visible_row
from app.views.workforce import PresenceChange, presence_changes_in

# Activity from a page is written at most this often: enough to notice an agent who is back,
# without a write per keystroke.
ACTIVITY_WRITE_SECONDS = 30.0
# A sign-in session's activity reports are taken at most this often (activity_report_due): its
# pages send one per 30 s at most (app/state/presence.py ACTIVITY_REPORT_MS), so 25 s drops none
# of theirs for timer jitter, while a script's loop gets one report through per 25 s.
ACTIVITY_REPORT_MIN_SECONDS = 25.0
_last_report: dict[str, float] = {}
_reports_lock = threading.Lock()


def timings() -> PresenceTimings:
    settings = get_settings()
    return PresenceTimings(settings.heartbeat_seconds, settings.presence_timeout_seconds, settings.auto_away_seconds)




def refresh_agent(session: Session, agent: HumanAgent, reason: str, now: datetime | None = None) -> bool:
    """Recompute one agent's effective presence; write it (and its history) if it changed."""
    now = now or utc_now()
    t = timings()
    sessions = session.exec(select(AuthSession).where(AuthSession.user_id == agent.user_id,
                                                      col(AuthSession.ended_at).is_(None))).all()
    alive = any(presence_rules.session_alive(as_utc(s.last_seen_at), s.ended_at, as_utc(s.expires_at), now, t)
                for s in sessions)
    idle = presence_rules.is_idle(as_utc(agent.last_activity_at), now, t)
    auto_away = presence_rules.next_auto_away(agent.manual_status, agent.auto_away, idle)
    status = presence_rules.effective_presence(alive, agent.manual_status, auto_away)
    if status == agent.status and auto_away == agent.auto_away:
        return False
    became_offline = status == Presence.OFFLINE and agent.status != Presence.OFFLINE
    agent.auto_away = auto_away
    if status != agent.status:
        agent.status = status
        session.add(PresenceEvent(human_agent_id=id_of(agent), client_id=agent.client_id, status=status,
                                  reason=reason, at=now))
    agent.updated_at = now
    session.add(agent)
    if became_offline:
        _flag_chats_for_reassignment(session, agent)
    return True


def _flag_chats_for_reassignment(session: Session, agent: HumanAgent) -> None:
    chats = session.exec(select(Chat).where(Chat.human_agent_id == agent.id,
                                            Chat.status == ChatStatus.OPEN)).all()
    for chat in chats:
        chat.status = ChatStatus.NEEDS_REASSIGNMENT
        chat.human_agent_id = None
        session.add(chat)
    if chats:
        agent.active_chats = max(0, agent.active_chats - len(chats))
        session.add(agent)


def refresh_user(session: Session, user_id: int, reason: str) -> None:
    agent = session.exec(select(HumanAgent).where(HumanAgent.user_id == user_id)).first()
    if agent is not None:
        refresh_agent(session, agent, reason)


# When this process last wrote each session's heartbeat (monotonic seconds), so the tabs of one
# browser, which share a session, cost one write per interval between them, and no query.
_last_written: dict[str, float] = {}
# Share of the interval after which another tab's beat is written: just under one interval, so
# one write per interval survives scheduling jitter.
REWRITE_AFTER_SHARE = 0.9
# Past this many remembered sessions, entries older than an interval (nothing to suppress) go.
REMEMBERED_SESSIONS_LIMIT = 10_000


def _remember_write(digest: str, clock: float, interval: float) -> None:
    _last_written[digest] = clock
    if len(_last_written) > REMEMBERED_SESSIONS_LIMIT:
        for key, written in list(_last_written.items()):
            if clock - written >= interval:
                del _last_written[key]


def heartbeat(token: str) -> bool:
    """An open page says its session is alive (see heartbeat_key). Returns whether it wrote."""
    return heartbeat_key(token_digest(token))


def heartbeat_key(digest: str) -> bool:
    """An open page says its session, named by its key (the token's digest, as
    auth.session_key gives it), is alive. Returns whether it wrote.

    Several tabs of one session add no writes: this process skips a beat it wrote less than an
    interval ago, and the database skips one written less than half an interval ago (tabs
    served by different backend workers).
    """
    now = utc_now()
    t = timings()
    clock = time.monotonic()
    if clock - _last_written.get(digest, float("-inf")) < t.heartbeat_seconds * REWRITE_AFTER_SHARE:
        return False
    with transaction() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == digest)).first()
        if row is None or row.ended_at is not None:
            return False
        last = as_utc(row.last_seen_at)
        if now - last < timedelta(seconds=t.heartbeat_seconds / 2):
            return False
        was_alive = now - last < timedelta(seconds=t.offline_after_seconds)
        session.exec(update(AuthSession).where(col(AuthSession.id) == row.id).values(last_seen_at=now))
        _remember_write(digest, clock, t.heartbeat_seconds)
        if not was_alive:
            refresh_user(session, row.user_id, "heartbeat resumed")
        return True


def activity_report_due(session_key: str) -> bool:
    """Whether this process takes an activity report from the sign-in session `session_key` now:
    at most one per ACTIVITY_REPORT_MIN_SECONDS, decided in memory before any query, so a script
    sending report_activity in a loop costs neither a read nor a write lock."""
    clock = time.monotonic()
    with _reports_lock:
        if clock - _last_report.get(session_key, float("-inf")) < ACTIVITY_REPORT_MIN_SECONDS:
            return False
        _last_report[session_key] = clock
        if len(_last_report) > REMEMBERED_SESSIONS_LIMIT:
            for key, reported in list(_last_report.items()):
                if clock - reported >= ACTIVITY_REPORT_MIN_SECONDS:
                    del _last_report[key]
        return True


def record_activity(actor: Actor) -> None:
    """The agent touched a page: note it (at most every ACTIVITY_WRITE_SECONDS), and end auto-away.
    Whether there is anything to note is read first: only a note takes the write lock."""
    def check(session: Session) -> HumanAgent | None:
        agent = session.exec(select(HumanAgent).where(HumanAgent.user_id == actor.user_id)).first()
        if agent is None:
            return None
        last = as_utc(agent.last_activity_at)
        if last is not None and utc_now() - last < timedelta(seconds=ACTIVITY_WRITE_SECONDS) and not agent.auto_away:
            return None
        return agent

    def note(session: Session, agent: HumanAgent) -> None:
        now = utc_now()
        agent.last_activity_at = now
        session.add(agent)
        refresh_agent(session, agent, "activity", now)

    write_if_needed(check, note)


def set_manual_status(actor: Actor, status: str) -> str:
    """The agent chooses Available, Away, Busy or Offline; returns the effective presence."""
    status = (status if isinstance(status, str) else "").strip().lower()
    if status not in presence_rules.MANUAL_CHOICES:
        raise InvalidInput({"status": "Choose Available, Away, Busy or Offline."})
    chosen = Presence(status)
    with transaction() as session:
        agent = session.exec(select(HumanAgent).where(HumanAgent.user_id == actor.user_id)).first()
        if agent is None:
            raise Forbidden("Only human agents have a presence status.")
        old = {"manual_status": agent.manual_status, "status": agent.status}
        agent.manual_status = chosen
        agent.auto_away = False
        agent.last_activity_at = utc_now()
        session.add(agent)
        refresh_agent(session, agent, "chosen")
        write_audit(session, actor, AuditAction.PRESENCE_SET, "human_agent", agent.id, agent.client_id, old,
                    {"manual_status": status, "status": agent.status})
        return agent.status


def my_manual_status(actor: Actor) -> str | None:
    with read_session() as session:
        agent = session.exec(select(HumanAgent).where(HumanAgent.user_id == actor.user_id)).first()
        return agent.manual_status if agent else None


def sweep_presence() -> int:
    """End stale sessions' presence and apply auto-away; returns how many agents changed."""
    changed = 0
    with transaction() as session:
        for agent in session.exec(select(HumanAgent).order_by(col(HumanAgent.id))).all():
            changed += refresh_agent(session, agent, "sweeper")
    return changed


def presence_history(actor: Actor, human_agent_id: int | str) -> list[PresenceChange]:
    """An agent's presence changes, newest first; another client's agent is answered as a missing one."""
    with read_session() as session:
        agent = visible_row(session, HumanAgent, human_agent_id, actor, "agent")
        return presence_changes_in(session, id_of(agent))
