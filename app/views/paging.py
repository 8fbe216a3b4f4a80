"""Where a window's page stands among all its rows: "Showing a–b of N", Previous and Next."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PagePosition:
    first: int = 0  # the 1-based number of the first row shown; 0 when there is none
    last: int = 0
    has_previous: bool = False
    has_next: bool = False


def page_position(offset: int, total: int, page_size: int) -> PagePosition:
    return PagePosition(first=offset + 1 if total else 0, last=min(offset + page_size, total),
                        has_previous=offset > 0, has_next=offset + page_size < total)
