"""`beacon db`, `beacon seed`, `beacon prune` and `beacon doctor`: the database and the setup."""

from __future__ import annotations

import sys

import click

from app.cli.base import EXIT_SERVICE_ERROR, Command, Group, fail


@click.group(cls=Group)
def db() -> None:
    """The database."""


@db.command("upgrade", needs_database=False)
@click.option("--create", is_flag=True, help="PostgreSQL: create the database first if it is missing.")
def db_upgrade(create) -> None:
    """Create or migrate the database to the newest schema."""
    from app.schema import create_database_if_missing, upgrade_database
    from app.setup.preflight import check_before_upgrade

    check_before_upgrade(creating=create)  # one line for what the upgrade cannot fix itself
    if create and create_database_if_missing():
        click.echo("Created the database.")
        check_before_upgrade()
    upgrade_database()
    click.echo("Database is at the newest schema.")


@db.command("protect")
def db_protect() -> None:
    """On a Supabase database: shut Beacon's tables to its API roles as migrations 0007-0009 do
    (for a database migrated elsewhere and restored into a project, or opened by hand)."""
    from app.db import get_engine
    from app.supabase import rls

    with get_engine().begin() as connection:
        if not rls.is_supabase_database(connection):
            click.echo("Not a Supabase database (no auth.uid() and API roles): nothing to protect.")
            return
        before = rls.protection_problems(connection)
        rls.secure(connection)
        after = rls.protection_problems(connection)
    if after:
        fail("still open: " + "; ".join(after), EXIT_SERVICE_ERROR)
    for problem in before:
        click.echo(f"shut: {problem}")
    click.echo("Every Beacon table is shut to Supabase's API roles but for the read policies.")


@click.command("doctor", cls=Command, needs_database=False)
@click.option("--host", default=None, help="The address to check (default: HOST, else Reflex's backend_host).")
@click.option("--port", default=None, type=click.IntRange(1, 65535),
              help="The port to check (default: PORT, else 3000 as `make run`).")
def doctor(host, port) -> None:
    """Check the setup: configuration, database (reachable, newest migration), Redis if set, the
    wake signal and the port. One line per check, what to fix for each ✗; exit 1 if any."""
    from app.setup.doctor import default_host, default_port, report, run_checks

    checks = run_checks(host or default_host(), port or default_port())
    for line in report(checks):
        click.echo(line)
    if any(check.ok is False for check in checks):
        sys.exit(EXIT_SERVICE_ERROR)


@click.group(cls=Group)
def seed() -> None:
    """Demo data."""


@seed.command("demo")
def seed_demo() -> None:
    """Seed the demo accounts, clients, agents and contacts into an empty database."""
    from app.seed.demo import seed_demo_if_empty

    if seed_demo_if_empty():
        click.echo("Seeded the demo data.")
    else:
        click.echo("The database has users already; left as it is.")


@seed.command("volume")
@click.option("--client", "client_name", required=True, help="Client name.")
@click.option("--contacts", type=int, required=True, help="Volume contacts the client should have.")
@click.option("--tasks", type=int, required=True, help="Finished volume tasks the client should have.")
def seed_volume(client_name, contacts, tasks) -> None:
    """Top a client up to N contacts and M finished tasks (completed, some failed, a few drafts).

    Running it again with the same numbers adds nothing."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from app.seed.volume import check_volume_seed
    from app.seed.volume import seed_volume as run_seed

    check_volume_seed(client_name, contacts, tasks)  # a bad client or number: one line, before any bar
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        shown: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in shown:
                shown[phase] = bar.add_task(phase.capitalize(), total=total or None)
            bar.update(shown[phase], completed=done)

        result = run_seed(client_name, contacts, tasks, progress)
    click.echo(f"{result.client}: added {result.contacts_added} contacts, {result.tasks_added} tasks "
               f"({result.failed_added} failed), {result.drafts_added} drafts in {result.seconds:.1f} s; "
               f"now {result.contacts_total} volume contacts, {result.tasks_total} volume tasks.")


@click.command("prune", cls=Command)
@click.option("--batch-size", default=None, type=click.IntRange(1, 100_000),
              help="Rows deleted per transaction (default: the leader's batch).")
def prune(batch_size) -> None:
    """Delete change_log rows older than BEACON_CHANGE_LOG_RETENTION and audit rows older than
    BEACON_AUDIT_RETENTION_DAYS, in batches (the leading backend worker does it hourly)."""
    from app.services.retention import PRUNE_BATCH_ROWS, prune_old_rows

    live = sys.stderr.isatty()

    def progress(table: str, deleted: int) -> None:
        line = f"pruning {table}: {deleted:,} rows deleted"
        if live:
            click.echo(f"\r{line}\033[K", nl=False, err=True)
        else:
            click.echo(line, err=True)

    result = prune_old_rows(batch_size=batch_size or PRUNE_BATCH_ROWS, progress=progress)
    if live and result.batches:
        click.echo(err=True)
    click.echo(f"Pruned {result.change_log:,} change_log rows older than "
               f"{result.change_log_cutoff:%Y-%m-%d %H:%M} UTC and {result.audit_logs:,} audit_logs rows older than "
               f"{result.audit_cutoff:%Y-%m-%d %H:%M} UTC in {result.batches} batches ({result.seconds:.1f} s).")
