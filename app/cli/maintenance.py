"""`beacon maintenance`: scheduled maintenance windows."""

from __future__ import annotations

import click

from app.cli.base import EXIT_USAGE, Group, fail
from app.cli.options import ADMIN_ACTS, RowId, acting_option, admin_actor
from app.models.enums import ALL_CLIENTS_LABEL

WINDOW_ID = RowId("window", "beacon maintenance list")


@click.group(cls=Group)
def maintenance() -> None:
    """Scheduled maintenance windows: they start and end by themselves."""


def _window_line(w) -> str:
    return (f"{w.id} {w.state} {w.client}: {w.starts_at:%Y-%m-%d %H:%M:%S} - {w.ends_at:%Y-%m-%d %H:%M:%S} UTC"
            + (f" {w.message}" if w.message else ""))


@maintenance.command("schedule")
@acting_option(ADMIN_ACTS)
@click.option("--client", default=ALL_CLIENTS_LABEL, show_default=True, help=f"Client name, or {ALL_CLIENTS_LABEL!r}.")
@click.option("--starts", default=None, help="ISO date-time (UTC unless it names a zone): 2026-12-01T02:00Z.")
@click.option("--ends", default=None, help="ISO date-time, like --starts.")
@click.option("--starts-in", "starts_in", default=None, help="Instead of --starts: a duration from now (10m, 2h).")
@click.option("--lasts", default=None, help="Instead of --ends: how long it lasts (30m, 1h).")
@click.option("--message", default="", help="What the banner says about it.")
def maintenance_schedule(acting, client, starts, ends, starts_in, lasts, message) -> None:
    """Schedule a maintenance window; it prints the window's id first."""
    from app.rules.timeparse import parse_span
    from app.services.maintenance import schedule_window
    from app.services.system_status import client_id_for_scope

    if starts and starts_in:
        fail("give --starts or --starts-in, not both", EXIT_USAGE)
    if ends and lasts:
        fail("give --ends or --lasts, not both", EXIT_USAGE)
    actor = admin_actor(acting)
    client_id = client_id_for_scope(actor, client, publishing=True)
    span = parse_span(starts, ends, starts_in=starts_in, lasts=lasts, fields=("starts", "ends"))
    starts_at, ends_at = span.starts_at, span.ends_at
    if starts_at is None:
        fail("say when it starts: --starts 2026-12-01T02:00Z or --starts-in 10m", EXIT_USAGE)
    if ends_at is None:
        fail("say when it ends: --ends 2026-12-01T03:00Z or --lasts 1h", EXIT_USAGE)
    click.echo(_window_line(schedule_window(actor, client_id, starts_at, ends_at, message)))


@maintenance.command("list")
@acting_option()
@click.option("--open", "open_only", is_flag=True, help="Only scheduled and in-progress windows.")
def maintenance_list(acting, open_only) -> None:
    """One line per window, its id first, the newest first."""
    from app.views.maintenance import list_windows

    rows = list_windows(admin_actor(acting), include_closed=not open_only)
    if not rows:
        click.echo("No maintenance windows.", err=True)
    for w in rows:
        click.echo(_window_line(w))


@maintenance.command("extend")
@acting_option()
@click.option("--ends", required=True, help="The new end: ISO date-time or a duration from now (30m).")
@click.argument("window_id", type=WINDOW_ID)
def maintenance_extend(acting, ends, window_id) -> None:
    """Change a scheduled or in-progress window's end."""
    from app.rules.timeparse import parse_expiry
    from app.services.maintenance import extend_window

    click.echo(_window_line(extend_window(admin_actor(acting), window_id, parse_expiry(ends, "ends"))))


@maintenance.command("cancel")
@acting_option()
@click.argument("window_id", type=WINDOW_ID)
def maintenance_cancel(acting, window_id) -> None:
    """Cancel a scheduled window, or end an in-progress one now."""
    from app.services.maintenance import cancel_window

    click.echo(_window_line(cancel_window(admin_actor(acting), window_id)))
