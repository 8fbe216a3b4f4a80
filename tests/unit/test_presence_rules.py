"""Presence rules with a controllable clock."""

from datetime import UTC, datetime, timedelta

from app.rules import presence as rules
from app.rules.presence import PresenceTimings

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
T = PresenceTimings(heartbeat_seconds=10, offline_after_seconds=25, auto_away_seconds=600)
LATER = NOW + timedelta(hours=8)


def alive(seconds_since_beat: float, ended=None, expires=LATER) -> bool:
    return rules.session_alive(NOW - timedelta(seconds=seconds_since_beat), ended, expires, NOW, T)


def test_the_offline_threshold_outlasts_two_heartbeats_with_slack():
    assert rules.OFFLINE_AFTER_SECONDS >= 2 * rules.HEARTBEAT_SECONDS + 1
    assert rules.OFFLINE_AFTER_SECONDS + rules.SWEEP_SECONDS <= 30  # offline on screen within 30 s


def test_a_session_with_a_fresh_heartbeat_is_alive():
    assert alive(0) and alive(24.9)


def test_one_missed_heartbeat_does_not_end_a_session():
    assert alive(T.heartbeat_seconds * 2)


def test_a_session_past_the_threshold_is_not_alive():
    assert not alive(25)


def test_an_ended_or_expired_session_is_not_alive():
    assert not alive(1, ended=NOW)
    assert not alive(1, expires=NOW)


def test_offline_unless_a_session_is_alive():
    assert rules.effective_presence(False, "available", False) == "offline"


def test_the_chosen_status_applies_while_a_session_is_alive():
    for chosen in ("available", "away", "busy", "offline"):
        assert rules.effective_presence(True, chosen, False) == chosen


def test_an_idle_available_agent_shows_away():
    assert rules.effective_presence(True, "available", True) == "away"


def test_idle_time_starts_auto_away_only_for_agents_who_chose_available():
    assert rules.next_auto_away("available", False, idle=True)
    assert not rules.next_auto_away("busy", False, idle=True)
    assert not rules.next_auto_away("away", False, idle=True)


def test_activity_ends_auto_away():
    assert not rules.next_auto_away("available", True, idle=False)


def test_idle_is_measured_from_the_last_activity():
    assert rules.is_idle(NOW - timedelta(seconds=600), NOW, T)
    assert not rules.is_idle(NOW - timedelta(seconds=599), NOW, T)
    assert not rules.is_idle(None, NOW, T)
