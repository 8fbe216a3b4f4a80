"""The one freshness rule every window a tab shows follows (app/state/windows.py fresh_read)."""

from app.state.windows import fresh_read


def test_a_read_of_the_held_window_is_applied_and_recorded():
    applied: dict[str, int] = {}
    assert fresh_read(applied, "contacts", 5, "page 1", "page 1")
    assert applied == {"contacts": 5}


def test_an_older_read_than_the_one_applied_is_refused():
    applied = {"contacts": 7}
    assert not fresh_read(applied, "contacts", 5, "page 1", "page 1")
    assert applied == {"contacts": 7}


def test_a_read_at_the_same_position_is_applied():
    """The tab's own read and the feed's can carry the same seq: either is as new as the other."""
    assert fresh_read({"contacts": 5}, "contacts", 5, "page 1", "page 1")


def test_a_read_of_a_window_the_tab_no_longer_holds_is_refused():
    applied: dict[str, int] = {}
    assert not fresh_read(applied, "contacts", 9, "page 2", "page 1")
    assert applied == {}


def test_kinds_are_fresh_each_on_their_own():
    applied = {"pending_drafts": 9}
    assert fresh_read(applied, "activity", 3, "feed", "feed")
