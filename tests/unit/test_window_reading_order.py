"""The order in which the listener reads the windows of a round (listener.reading_order): most-held
first; among windows held alike, those a change just touched before a backlog left by earlier
rounds; and the round's first read to the window that has waited longest."""

from app.feed.listener import reading_order


def holders(count: int) -> list[object]:
    return [object() for _ in range(count)]  # only how many pages hold a window counts here


def test_the_window_most_pages_hold_comes_first():
    receivers = {("contacts", "one page"): holders(1), ("contacts", "three pages"): holders(3),
                 ("contacts", "two pages"): holders(2)}

    assert reading_order(receivers, {}) == [("contacts", "three pages"), ("contacts", "two pages"),
                                            ("contacts", "one page")]


def test_among_windows_held_alike_one_just_touched_comes_before_the_backlog():
    backlog = {("contacts", f"hostile {n}"): 10 for n in range(3)}
    receivers = {**{key: holders(1) for key in backlog}, ("contacts", "a colleague's search"): holders(1)}

    order = reading_order(receivers, backlog)

    assert order[1] == ("contacts", "a colleague's search")  # right after the one read the backlog is owed


def test_the_window_waiting_longest_is_read_first_however_many_pages_hold_the_others():
    waiting = {("contacts", "since seq 7"): 7, ("contacts", "since seq 3"): 3}
    receivers = {("contacts", "shared by many"): holders(50), ("contacts", "since seq 7"): holders(1),
                 ("contacts", "since seq 3"): holders(1)}

    assert reading_order(receivers, waiting) == [("contacts", "since seq 3"), ("contacts", "shared by many"),
                                                 ("contacts", "since seq 7")]
