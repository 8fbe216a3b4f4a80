"""`beacon status` and `beacon message`: the agent service status and system messages."""

from __future__ import annotations

import json

import click

from app.cli.base import Group
from app.cli.options import ADMIN_ACTS, acting_option, admin_actor
from app.models.enums import ALL_CLIENTS_LABEL, MessageType, ServiceStatus


@click.group(cls=Group)
def status() -> None:
    """The agent service status."""


@status.command("set")
@acting_option(ADMIN_ACTS)
@click.option("--client", default=ALL_CLIENTS_LABEL, show_default=True, help=f"Client name, or {ALL_CLIENTS_LABEL!r}.")
@click.option("--status", "new_status", required=True,
              type=click.Choice(ServiceStatus.values(), case_sensitive=False))
@click.option("--message", default="", help="A system message to publish with it.")
@click.option("--type", "message_type", default=MessageType.INFO.value,
              type=click.Choice(MessageType.values(), case_sensitive=False))
@click.option("--expires", default=None, help="ISO date-time (UTC) or a duration: 90s, 5m, 2h.")
def status_set(acting, client, new_status, message, message_type, expires) -> None:
    """Publish a status (and optionally a message) through the one publish operation."""
    from app.rules.timeparse import parse_expiry
    from app.services.system_status import client_id_for_scope, publish_system_status

    actor = admin_actor(acting)
    result = publish_system_status(
        actor, client_id_for_scope(actor, client, publishing=True), new_status.lower(), message, message_type.lower(),
        parse_expiry(expires),
    )
    previous = result.previous_status or "(none)"
    click.echo(f"{client}: {previous} -> {result.status}"
               + (f"; message #{result.message_id} published" if result.message_id else ""))


@status.command("show")
@acting_option("Whose view to show (default: the CLI actor).")
@click.option("--client", default=ALL_CLIENTS_LABEL, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_show(acting, client, as_json) -> None:
    """The effective status and the messages in force for a client."""
    from app.services.system_status import client_id_for_scope
    from app.views.status import system_snapshot

    actor = admin_actor(acting)
    snapshot = system_snapshot(actor, client_id_for_scope(actor, client))
    messages = ([snapshot.shown] if snapshot.shown else []) + snapshot.others
    if as_json:
        click.echo(json.dumps({
            "client": client, "status": snapshot.status, "status_scope": snapshot.status_scope,
            "messages": [{"id": m.id, "type": m.type, "message": m.message,
                          "expires_at": m.expires_at.isoformat() if m.expires_at else None} for m in messages],
        }))
        return
    click.echo(f"{client}: {snapshot.status} (set {snapshot.status_scope})")
    for m in messages:
        until = f" (until {m.expires_at:%Y-%m-%d %H:%M:%S} UTC)" if m.expires_at else ""
        click.echo(f"  [{m.type}] {m.message}{until}")


@click.group(cls=Group)
def message() -> None:
    """System messages."""


@message.command("list")
@acting_option()
@click.option("--all", "include_inactive", is_flag=True, help="Include withdrawn and expired messages.")
def message_list(acting, include_inactive) -> None:
    from app.views.status import list_messages

    rows = list_messages(admin_actor(acting), None, include_inactive=include_inactive)
    if not rows:
        click.echo("No messages.")
    for m in rows:
        scope = "all" if m.client_id is None else f"client {m.client_id}"
        state = "live" if m.is_active else "withdrawn"
        click.echo(f"#{m.id} [{m.type}] ({scope}, {state}) {m.message}")


@message.command("withdraw")
@acting_option()
@click.argument("message_id", type=int)
def message_withdraw(acting, message_id) -> None:
    from app.services.system_status import withdraw_system_message

    withdraw_system_message(admin_actor(acting), message_id)
    click.echo(f"Message #{message_id} withdrawn.")
