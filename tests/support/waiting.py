"""Waiting on a condition instead of sleeping a guessed time: poll until it holds or time runs out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_SECONDS = 0.05  # short beside every timeout here, long enough not to spin a core


def until(condition: Callable[[], object], seconds: float, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds} s")
        time.sleep(POLL_SECONDS)


async def until_async(condition: Callable[[], object], seconds: float, what: str = "the condition") -> None:
    """The same inside an event loop: the loop keeps running (a feed, a socket) while this waits."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {seconds} s")
        await asyncio.sleep(POLL_SECONDS)
