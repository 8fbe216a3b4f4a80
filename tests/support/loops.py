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


class BackgroundLoop:
    """An event loop in a thread of its own for as long as a fixture needs it: what lives on it
    (open pages, their sockets) outlasts one test."""

    def __init__(self) -> None:
        import asyncio
        import threading

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="background-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float | None = None):
        """Run `coroutine` on the loop; answers its result (or raises its exception)."""
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()
