"""Running a coroutine from synchronous test code."""

from __future__ import annotations


def run_async(coroutine):
    """Run a coroutine to completion on a fresh loop in its own thread.

    Playwright's sync API keeps an event loop running in the main thread for the whole session,
    where asyncio.run() would refuse to start.
    """
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
