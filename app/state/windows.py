"""A tab changes what it shows (a search, a page, "Show more", a contact opened): its live link
holds the new window before it is read, so no change in between is missed; the read is the
page's new content, and the feed keeps it current from then on."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from app.db import read_session
from app.feed.listener import latest_seq
from app.feed.registry import registry
from app.views.windows import read_window, shown_ids


def read_at_seq(kind: str, window: Hashable) -> tuple[int, Any]:
    seq = latest_seq()  # read first: the window below is at least as new as this
    with read_session() as session:
        return seq, read_window(session, kind, window)


async def hold_and_read(client_token: str, kind: str, window: Hashable) -> tuple[int, Any]:
    """The tab's live link holds `window` (of `kind`) from now on; returns it read, with its seq."""
    subscription = registry.for_token(client_token)
    if subscription is not None:
        subscription.open_window(kind, window)
    seq, result = await asyncio.to_thread(read_at_seq, kind, window)
    if subscription is not None:
        subscription.window_read(kind, window, shown_ids(kind, result))
    return seq, result


def let_go(client_token: str, kind: str) -> None:
    subscription = registry.for_token(client_token)
    if subscription is not None:
        subscription.close_window(kind)
