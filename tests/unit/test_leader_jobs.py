"""The one skeleton of the leader jobs (app/jobs/leader.py): repeat a step, survive a failed one,
wake early when told."""

import asyncio

import pytest

from app.jobs.leader import Wakeup, repeat


async def _run_until(rounds: list[str], count: int, job: asyncio.Task[None]) -> None:
    async with asyncio.timeout(5):
        while len(rounds) < count:
            await asyncio.sleep(0.001)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job


def test_a_failed_step_is_retried_after_the_jobs_pause():
    rounds: list[str] = []

    async def step() -> float:
        rounds.append("ran")
        if len(rounds) == 1:
            raise RuntimeError("database blip")
        return 3600.0

    async def main() -> None:
        job = asyncio.create_task(repeat("test job", step, pause_after_failure=lambda: 0.01))
        await _run_until(rounds, 2, job)

    asyncio.run(main())
    assert rounds == ["ran", "ran"]


def test_a_wakeup_cuts_the_wait_short():
    rounds: list[str] = []
    wakeup = Wakeup()

    async def step() -> float:
        rounds.append("ran")
        return 3600.0

    async def main() -> None:
        job = asyncio.create_task(repeat("test job", step, pause_after_failure=lambda: 3600.0, wakeup=wakeup))
        async with asyncio.timeout(5):
            while not rounds:
                await asyncio.sleep(0.001)
        wakeup.notify()
        await _run_until(rounds, 2, job)

    asyncio.run(main())
    assert rounds == ["ran", "ran"]
