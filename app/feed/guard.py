"""One window, one audience: a read that fails costs only the pages that asked for it.

A window is whatever a tab asked to see (its search, filters, page); its read can fail for reasons
of its own (text the database refuses, a reader's bug). Each read runs under its own guard: the
failure is logged once with the window's kind and client, never its text (the search is the
user's, and an SQL error would quote it), counted in the feed's stats, and the read session is
rolled back so the next read in the same session starts clean (PostgreSQL refuses every statement
of a failed transaction). Reads only: a rollback loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

from sqlmodel import Session

from app.feed.stats import feed_stats
from app.metrics import record
from app.views.live import SharedView, build_views_in
from app.views.windows import read_window

log = logging.getLogger("beacon.feed")

# What a tab is told when a window it asked for cannot be read (its window is let go).
WINDOW_FAILED_MESSAGE = "This search could not be run. Change it and try again."


class Unreadable:
    """The result of a window whose read failed (a distinct type: None is a valid read of some views)."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE = Unreadable()


def window_client(window: Hashable) -> Any:
    """The client a window belongs to, for the log (None: every client)."""
    return getattr(window, "client_id", getattr(window, "client", None))


def read_window_guarded(session: Session, kind: str, window: Hashable) -> Any:
    """`read_window`, or UNREADABLE when it raised (logged and counted; the session rolled back)."""
    try:
        return read_window(session, kind, window)
    except Exception as error:  # noqa: BLE001 - whatever failed, it is this window's alone
        session.rollback()
        feed_stats.failed_window_reads += 1
        record.window_read_failed()
        log.warning("window %s of client %s could not be read (%s)", kind, window_client(window),
                    type(error).__name__)
        return UNREADABLE


def build_views_guarded(session: Session, audience: str,
                        kinds: set[str] | frozenset[str]) -> dict[str, SharedView] | None:
    """`build_views_in`, or None when building the audience's views raised (logged, counted)."""
    try:
        return build_views_in(session, audience, kinds)
    except Exception as error:  # noqa: BLE001 - this audience's views alone
        session.rollback()
        feed_stats.failed_view_builds += 1
        log.warning("views %s of audience %s could not be built (%s)", ",".join(sorted(kinds)), audience,
                    type(error).__name__)
        return None
