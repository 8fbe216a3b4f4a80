"""`beacon chat` and `beacon worker`: chats handed to agents, and the AI agents' task worker."""

from __future__ import annotations

import click

from app.cli.base import Command, Group


@click.group(cls=Group)
def chat() -> None:
    """Chats handed off to human agents."""


@chat.command("create")
@click.option("--client", required=True, help="Client name.")
@click.option("--subject", required=True)
def chat_create(client, subject) -> None:
    """Hand a conversation off to the client's human agents (as the bot would)."""
    from app.services.chats import create_chat

    click.echo(f"Chat #{create_chat(None, client, subject)} is waiting for an agent.")


@click.command("worker", cls=Command)
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 32),
              help="Tasks run at once.")
@click.option("--failure-rate", default=0.1, show_default=True, type=click.FloatRange(0, 1),
              help="Share of simulated tasks that fail.")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0.01, 100),
              help="Speed up (>1) or slow down the simulated work.")
@click.option("--max-tasks", default=None, type=int, help="Stop after this many tasks (default: run until stopped).")
@click.option("--name", default=None, help="The worker's name in audit rows (default: host and pid).")
def worker(concurrency, failure_rate, speed, max_tasks, name) -> None:
    """Run AI agents' tasks: claim pending ones, run them, record every transition."""
    import asyncio

    from app.worker.loop import Worker
    from app.worker.progress import show_progress
    from app.worker.runners import SIMULATED_MAX_SECONDS, SIMULATED_MIN_SECONDS, SimulatedOutreachRunner

    runner = SimulatedOutreachRunner(failure_rate, SIMULATED_MIN_SECONDS / speed, SIMULATED_MAX_SECONDS / speed)
    the_worker = Worker(runner, name=name, concurrency=concurrency, max_tasks=max_tasks)
    try:
        asyncio.run(show_progress(the_worker))
    except KeyboardInterrupt:
        the_worker.stop()
    click.echo(f"{the_worker.actor.email}: {the_worker.stats.completed} completed, "
               f"{the_worker.stats.failed} failed, {the_worker.stats.follow_ups} follow-ups executed.")
