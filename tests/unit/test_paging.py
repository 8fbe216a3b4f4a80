"""Where a page of a window stands: the numbers of "Showing a–b of N" and the Previous/Next buttons."""

from app.views.paging import PagePosition, page_position


def test_an_empty_window_shows_nothing_and_offers_no_other_page():
    assert page_position(0, 0, 50) == PagePosition(first=0, last=0, has_previous=False, has_next=False)


def test_the_first_of_several_pages_offers_next_only():
    assert page_position(0, 120, 50) == PagePosition(first=1, last=50, has_previous=False, has_next=True)


def test_a_middle_page_offers_both():
    assert page_position(50, 120, 50) == PagePosition(first=51, last=100, has_previous=True, has_next=True)


def test_the_last_page_ends_at_the_total_and_offers_previous_only():
    assert page_position(100, 120, 50) == PagePosition(first=101, last=120, has_previous=True, has_next=False)


def test_a_window_that_fits_one_page_exactly_has_no_next():
    assert page_position(0, 50, 50) == PagePosition(first=1, last=50, has_previous=False, has_next=False)
