"""Scheduled maintenance and the status history's pure rules, without a database."""

from datetime import UTC, date, datetime, timedelta

from app.rules import maintenance as mr
from app.rules.maintenance import Interval, WindowFacts

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
ACME, GLOBEX = 1, 2


def window(id=1, client_id=ACME, starts_in=-60, lasts=3600, state="in_progress", message="upgrade"):
    start = NOW + timedelta(seconds=starts_in)
    return WindowFacts(id=id, client_id=client_id, starts_at=start, ends_at=start + timedelta(seconds=lasts),
                       state=state, message=message)


# --- precedence -----------------------------------------------------------------------------

def test_a_window_in_force_beats_an_explicit_active():
    assert mr.effective_status("active", None, [window()], ACME) == "maintenance"


def test_a_window_in_force_beats_the_default_active_of_no_status_row():
    assert mr.effective_status(None, None, [window()], ACME) == "maintenance"


def test_an_explicit_inactive_beats_a_window():
    assert mr.effective_status("inactive", None, [window()], ACME) == "inactive"


def test_a_global_inactive_beats_a_clients_window_when_the_client_has_no_row_of_its_own():
    assert mr.effective_status(None, "inactive", [window()], ACME) == "inactive"


def test_an_explicit_maintenance_stays_maintenance_with_or_without_a_window():
    assert mr.effective_status("maintenance", None, [window()], ACME) == "maintenance"
    assert mr.effective_status("maintenance", None, [], ACME) == "maintenance"


def test_a_clients_window_applies_to_that_client_only():
    assert mr.effective_status(None, None, [window(client_id=ACME)], GLOBEX) == "active"
    assert mr.effective_status(None, None, [window(client_id=ACME)], None) == "active"


def test_a_window_for_all_clients_applies_to_every_client_and_the_global_scope():
    for scope in (ACME, GLOBEX, None):
        assert mr.effective_status(None, None, [window(client_id=None)], scope) == "maintenance"


def test_a_scheduled_completed_or_cancelled_window_is_not_in_force():
    for state in ("scheduled", "completed", "cancelled"):
        assert mr.effective_status("active", None, [window(state=state)], ACME) == "active"


def test_overlapping_windows_merge_into_one_stretch_with_both_messages():
    first = window(1, starts_in=0, lasts=3600, state="scheduled", message="db")
    second = window(2, starts_in=1800, lasts=3600, state="scheduled", message="network")
    later = window(3, starts_in=3 * 3600, lasts=600, state="scheduled", message="db")
    merged = mr.merge_windows([later, second, first])
    assert [(m.starts_at, m.ends_at) for m in merged] == [
        (first.starts_at, second.ends_at), (later.starts_at, later.ends_at)]
    assert merged[0].messages == ("db", "network")
    assert merged[0].ids == (1, 2)


def test_touching_windows_merge_too():
    first = window(1, starts_in=0, lasts=600, state="scheduled")
    second = window(2, starts_in=600, lasts=600, state="scheduled")
    assert len(mr.merge_windows([first, second])) == 1


def test_while_one_of_two_overlapping_windows_ends_the_other_keeps_maintenance():
    ended = window(1, state="completed")
    going = window(2, state="in_progress")
    assert mr.effective_status("active", None, [ended, going], ACME) == "maintenance"


# --- the timer's moves ----------------------------------------------------------------------

def test_a_scheduled_window_starts_at_its_start_and_completes_at_its_end():
    w = window(starts_in=10, lasts=20, state="scheduled")
    assert mr.due_state(w, NOW) == "scheduled"
    assert mr.due_state(w, w.starts_at) == "in_progress"
    assert mr.due_state(w, w.ends_at) == "completed"


def test_a_window_the_timer_reaches_late_past_its_end_goes_straight_to_completed():
    w = window(starts_in=-100, lasts=50, state="scheduled")
    assert mr.due_transitions([w], NOW) == [(w.id, "completed")]


def test_cancelled_and_completed_windows_never_move():
    for state in ("cancelled", "completed"):
        assert mr.due_transitions([window(starts_in=-10, lasts=5, state=state)], NOW) == []


def test_the_next_instant_is_the_nearest_start_or_end():
    scheduled = window(1, starts_in=30, lasts=60, state="scheduled")
    running = window(2, starts_in=-10, lasts=20, state="in_progress")  # ends in 10 s
    assert mr.next_instant([scheduled, running], NOW) == NOW + timedelta(seconds=10)
    assert mr.next_instant([scheduled], NOW) == NOW + timedelta(seconds=30)
    assert mr.next_instant([window(state="cancelled")], NOW) is None


# --- validation -----------------------------------------------------------------------------

def test_an_end_before_the_start_is_refused_on_the_end_field():
    problems = mr.validate_window(NOW + timedelta(hours=2), NOW + timedelta(hours=1), "", NOW)
    assert problems == {"ends_at": "The end must be after the start."}


def test_a_past_end_is_refused():
    assert "ends_at" in mr.validate_window(NOW - timedelta(hours=2), NOW - timedelta(hours=1), "", NOW)


def test_a_message_over_the_limit_is_refused_with_its_length():
    problems = mr.validate_window(NOW, NOW + timedelta(hours=1), "x" * (mr.WINDOW_MESSAGE_MAX_LENGTH + 1), NOW)
    assert str(mr.WINDOW_MESSAGE_MAX_LENGTH + 1) in problems["message"]


def test_only_a_scheduled_or_in_progress_window_can_change_its_end():
    later = NOW + timedelta(hours=3)
    assert mr.validate_new_end(window(state="in_progress"), later, NOW) == {}
    assert "ends_at" in mr.validate_new_end(window(state="cancelled"), later, NOW)


# --- the banner's notice --------------------------------------------------------------------

def test_a_window_is_announced_from_the_notice_period_before_it_starts():
    w = window(starts_in=3600, lasts=3600, state="scheduled", client_id=ACME)
    assert mr.notice_windows([w], ACME, NOW, timedelta(minutes=30)) == []
    assert len(mr.notice_windows([w], ACME, NOW, timedelta(hours=2))) == 1
    assert mr.notice_windows([w], GLOBEX, NOW, timedelta(hours=2)) == []
    assert mr.next_notice_at([w], NOW, timedelta(minutes=30)) == w.starts_at - timedelta(minutes=30)


def test_the_notice_reads_like_a_status_page():
    w = WindowFacts(1, ACME, datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
                    datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "scheduled", "Database upgrade")
    assert mr.notice_text(mr.merge_windows([w])[0]) == "Scheduled maintenance Tue 02:00-03:00 UTC: Database upgrade"


def test_a_notice_across_midnight_names_the_end_day():
    w = WindowFacts(1, ACME, datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
                    datetime(2026, 12, 2, 1, 0, tzinfo=UTC), "scheduled", "")
    assert mr.notice_text(mr.merge_windows([w])[0]) == "Scheduled maintenance Tue 23:00-Wed 01:00 UTC"


# --- daily shares ---------------------------------------------------------------------------

def at(day, hh, mm=0, ss=0):
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC)


def test_a_window_across_midnight_splits_its_time_between_both_days():
    intervals = [Interval("active", at(1, 0), at(10, 23)), Interval("maintenance", at(10, 23), at(11, 1)),
                 Interval("active", at(11, 1))]
    days = mr.daily_shares(intervals, date(2026, 11, 11), at(12, 0), days=2)
    assert [d.day for d in days] == [date(2026, 11, 10), date(2026, 11, 11)]
    assert days[0].seconds == {"active": 23 * 3600.0, "maintenance": 3600.0}
    assert days[1].seconds == {"maintenance": 3600.0, "active": 23 * 3600.0}
    assert [d.state for d in days] == ["mixed", "mixed"]
    assert round(days[0].shares["maintenance"], 4) == round(1 / 24, 4)


def test_a_status_change_at_23_59_59_gives_its_day_one_second_of_it():
    intervals = [Interval("active", at(1, 0), at(10, 23, 59, 59)), Interval("inactive", at(10, 23, 59, 59))]
    days = mr.daily_shares(intervals, date(2026, 11, 11), at(11, 12), days=2)
    assert days[0].seconds["inactive"] == 1.0
    assert days[0].state == "mixed"
    assert days[1].seconds == {"inactive": 12 * 3600.0}
    assert days[1].state == "inactive"
    assert mr.day_tooltip(days[0]) == "2026-11-10: Active >99.99%, Inactive <0.01%"


def test_a_day_wholly_in_one_status_takes_that_state_and_today_counts_up_to_now():
    days = mr.daily_shares([Interval("maintenance", at(11, 0))], date(2026, 11, 11), at(11, 6), days=1)
    assert days[0].state == "maintenance"
    assert days[0].total == 6 * 3600.0


def test_time_before_a_scopes_history_began_counts_as_active():
    days = mr.daily_shares([], date(2026, 11, 11), at(11, 6), days=90)
    assert len(days) == 90 and {d.state for d in days} == {"active"}
    assert days[0].day == date(2026, 11, 11) - timedelta(days=89)


def test_the_active_share_over_a_period_counts_every_status():
    intervals = [Interval("maintenance", at(10, 0), at(10, 12)), Interval("active", at(10, 12))]
    share = mr.active_share(intervals, at(11, 0), days=1)
    assert share == 0.5
