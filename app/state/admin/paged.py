"""A paged window of the admin's (the audit log, the status history): its offset, total and rows
as last read, kept current by the feed. The tab's live link holds the window its filters
describe; every change of filter or page is checked on the server (platform admins only) and
re-read at once, and a read older than the one on screen, or of a window the admin has moved on
from, is dropped."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import reflex as rx

from app.feed.guard import UNREADABLE
from app.rules.actors import Actor
from app.state.events import event
from app.state.signed_in import SignedIn
from app.state.windows import fresh_read, hold_and_read, unreadable_notice
from app.views.paging import PagePosition, page_position


class PagedWindow(SignedIn, mixin=True):
    """A state of one window kind: it declares `rows` (typed), its kind and page size, and the
    window its filters describe. (Methods, not class constants: Reflex makes every class
    attribute of a state a var, sent to the browser.)"""

    offset: int = 0
    total: int = 0
    loaded: bool = False  # the first read has arrived
    reading: bool = False  # a read the admin asked for is under way
    _seq: dict[str, int] = {}  # the seq of the read on screen (none before the first arrives)

    def _kind(self) -> str:
        """The window kind (app/views/windows.py) the tab's live link holds it as."""
        raise NotImplementedError

    def _page_size(self) -> int:
        raise NotImplementedError

    def _window(self) -> Any:
        """The window (a value object of views/audit.py) the filters and offset describe."""
        raise NotImplementedError

    def _show_rows(self, rows: Any) -> None:
        raise NotImplementedError

    @rx.var
    def position(self) -> PagePosition:
        return page_position(self.offset, self.total, self._page_size())

    def _windows(self) -> dict[str, Hashable]:
        return {self._kind(): self._window()}

    def _opened(self, actor: Actor) -> dict[str, Hashable]:
        """The live link starts (a platform admin on /admin): the window, from the current filters."""
        self._seq = {}
        return self._windows() if actor.is_platform_admin else {}

    def _apply_page(self, seq: int, window: Hashable, page: Any) -> None:
        if not fresh_read(self._seq, self._kind(), seq, self._window(), window):
            return  # the admin has moved on to other filters or another page since it was read
        self._show_rows(page.rows)
        if self.total != page.total:
            self.total = page.total
        if not self.loaded:
            self.loaded = True

    async def _reread(self):
        """Hold the window the filters now describe, and read it (the feed keeps it current)."""
        window = self._window()
        self.offset = window.offset
        self.reading = True
        yield
        seq, page = await hold_and_read(self.router.session.client_token, self._kind(), window)
        self.reading = False
        if page is UNREADABLE:
            yield unreadable_notice()
        else:
            self._apply_page(seq, window, page)

    async def _turn(self, step: int):
        """One page on (step 1) or back (step -1), if there is one."""
        actor, refusal = await self._platform_admin()
        if actor is None:
            yield refusal
            return
        position = page_position(self.offset, self.total, self._page_size())
        if (step > 0 and not position.has_next) or (step < 0 and not position.has_previous):
            return
        self.offset = max(0, self.offset + step * self._page_size())
        async for update in self._reread():
            yield update

    @event
    async def next_page(self):
        async for update in self._turn(1):
            yield update

    @event
    async def previous_page(self):
        async for update in self._turn(-1):
            yield update
