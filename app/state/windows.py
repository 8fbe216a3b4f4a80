"""A tab changes what it shows (a search, a page, "Show more", a contact opened): the new window is
read first and held by the tab's live link only once that read succeeded, so a window that cannot
be read (text the database refuses, say) is never re-read by the feed on other tabs' changes. A
change committed while the window was being read is not missed: if the feed has already taken its
windows for such a change, the window is read once more, now held."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, MutableMapping
from typing import Any

import reflex as rx

from app.db import read_session
from app.feed.guard import UNREADABLE, WINDOW_FAILED_MESSAGE, read_window_guarded
from app.feed.listener import latest_seq
from app.feed.registry import registry
from app.views.windows import shown_ids

# Reads of one window while changes keep landing before it is held; after the last, the window is
# held as "re-read on any change" (the feed's next batch reads it), so even a busy tenant settles.
HOLD_READ_ATTEMPTS = 3


def read_at_seq(kind: str, window: Hashable) -> tuple[int, Any]:
    """(seq, the window read at least as new as seq), or (seq, UNREADABLE)."""
    seq = latest_seq()  # read first: the window below is at least as new as this
    with read_session() as session:
        return seq, read_window_guarded(session, kind, window)


def missed_since(seq: int) -> bool:
    """The feed has already taken the windows it re-reads for a change newer than `seq`."""
    return registry.holds_taken_through > seq


async def hold_and_read(client_token: str, kind: str, window: Hashable) -> tuple[int, Any]:
    """The tab's live link holds `window` (of `kind`) from now on; returns it read, with its seq.
    Returns (seq, UNREADABLE) when it cannot be read: then the tab holds no window of that kind."""
    let_go(client_token, kind)  # the previous window of this kind is no longer what the tab shows
    for attempt in range(HOLD_READ_ATTEMPTS):
        seq, result = await asyncio.to_thread(read_at_seq, kind, window)
        subscription = registry.for_token(client_token)
        if result is UNREADABLE or subscription is None:
            return seq, result
        last = attempt == HOLD_READ_ATTEMPTS - 1
        subscription.hold_window(kind, window, None if last else shown_ids(kind, result))
        if not missed_since(seq):
            return seq, result
    return seq, result


def fresh_read(applied: MutableMapping[str, int], kind: str, seq: int, held: Hashable | None,
               read: Hashable) -> bool:
    """The freshness rule of every window a tab shows: a read is applied only when it is of the
    window the tab still holds (the person may have searched or paged since) and no older than the
    last one applied of its kind (the feed's reads and the tab's own can arrive in either order).
    Records its seq when it is."""
    if read != held or seq < applied.get(kind, -1):
        return False
    applied[kind] = seq
    return True


def unreadable_notice() -> Any:
    """What the tab is told when a window it asked for could not be read."""
    return rx.toast.error(WINDOW_FAILED_MESSAGE)


def let_go(client_token: str, kind: str) -> None:
    subscription = registry.for_token(client_token)
    if subscription is not None:
        subscription.close_window(kind)
