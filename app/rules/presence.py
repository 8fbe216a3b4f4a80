"""Pure presence rules (Chatwoot's model): offline unless a session is alive, otherwise the status
the agent chose, with auto-away after idle time. Thresholds are documented with their arithmetic,
as Zulip does.

    heartbeat every HEARTBEAT_SECONDS (10 s) from each open page of a session (one write per
    session whatever the number of tabs);
    a session is alive while its last heartbeat is younger than OFFLINE_AFTER_SECONDS
    (25 s = 2 heartbeats + 5 s slack for a slow or reconnecting link), so one lost heartbeat
    never flips an agent offline;
    the sweeper looks every SWEEP_SECONDS (5 s), so closing the last tab shows "offline" within
    25 + 5 = 30 s at worst.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models import Presence

HEARTBEAT_SECONDS = 10.0
OFFLINE_AFTER_SECONDS = 2 * HEARTBEAT_SECONDS + 5.0
SWEEP_SECONDS = 5.0
AUTO_AWAY_SECONDS = 10 * 60.0  # ten minutes without touching the page: probably not at the desk
MANUAL_CHOICES = tuple(Presence)  # an agent may choose any of them


@dataclass(frozen=True)
class PresenceTimings:
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    offline_after_seconds: float = OFFLINE_AFTER_SECONDS
    auto_away_seconds: float = AUTO_AWAY_SECONDS


def session_alive(last_seen_at: datetime, ended_at: datetime | None, expires_at: datetime, now: datetime,
                  timings: PresenceTimings) -> bool:
    return (ended_at is None and expires_at > now
            and now - last_seen_at < timedelta(seconds=timings.offline_after_seconds))


def is_idle(last_activity_at: datetime | None, now: datetime, timings: PresenceTimings) -> bool:
    return last_activity_at is not None and now - last_activity_at >= timedelta(seconds=timings.auto_away_seconds)


def effective_presence(any_session_alive: bool, manual_status: Presence, auto_away: bool) -> Presence:
    """Offline unless a session is alive; then what the agent chose, or away while auto-away."""
    if not any_session_alive or manual_status == Presence.OFFLINE:
        return Presence.OFFLINE
    if manual_status == Presence.AVAILABLE and auto_away:
        return Presence.AWAY
    return manual_status


def next_auto_away(manual_status: str, auto_away: bool, idle: bool) -> bool:
    """Idle agents who chose Available become auto-away; any activity ends auto-away. An agent
    who chose Away (or Busy) stays as chosen: auto-away never applies to them."""
    if manual_status != Presence.AVAILABLE:
        return False
    return idle
