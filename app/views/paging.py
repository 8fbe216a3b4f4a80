"""Where a window's page stands among all its rows: "Showing a–b of N", Previous and Next; and how
far a newest-first list may grow on "Show more"."""

from __future__ import annotations

from dataclasses import dataclass

# The most rows a "Show more" list (drafts, follow-ups, activity, a contact's or an agent's tasks)
# holds. Every open copy is re-read and re-pushed whole when its rows change: at 200 rows of a list
# a change costs a page tens of KB, where 1,000 long drafts cost megabytes. Past it the list says
# the older rows are not shown (the audit log has them all; deciding drafts brings older ones up).
WINDOW_MAX_ROWS = 200


def more_allowed(rows_read: int, limit: int) -> tuple[bool, bool]:
    """(whether "Show more" can show more, whether older rows exist past WINDOW_MAX_ROWS), for a
    window of `limit` rows read with one row past it."""
    older = rows_read > limit
    return older and limit < WINDOW_MAX_ROWS, older and limit >= WINDOW_MAX_ROWS


@dataclass(frozen=True)
class PagePosition:
    first: int = 0  # the 1-based number of the first row shown; 0 when there is none
    last: int = 0
    has_previous: bool = False
    has_next: bool = False


def page_position(offset: int, total: int, page_size: int) -> PagePosition:
    return PagePosition(first=offset + 1 if total else 0, last=min(offset + page_size, total),
                        has_previous=offset > 0, has_next=offset + page_size < total)
