"""`beacon token`: API tokens."""

from __future__ import annotations

import sys

import click

from app.cli.base import Group
from app.cli.options import USER_ACTS, RowId, acting_option, user_actor, utc
from app.models.enums import TokenScope


@click.group(cls=Group)
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli", show_default=True)
@click.option("--expires", default="90d", show_default=True,
              help="A duration (30d, 12h, 2w) or an ISO date (2026-12-31); at most 3650 days.")
@click.option("--scope", default=TokenScope.PUBLISH.value, show_default=True, metavar="|".join(TokenScope.values()),
              help="read: GET calls only; publish: may also write (within the user's rights).")
@acting_option(USER_ACTS)
def token_create(email, name, expires, scope, acting) -> None:
    """Issue a bearer token; it is printed once (the last word of the output), stored only as a hash."""
    from app.services.tokens import create_token

    token_id, secret, expires_at = create_token(user_actor(acting), email, expires, scope, name)
    click.echo(f"Token #{token_id} for {email.strip().lower()} ({scope}), expires {utc(expires_at)}; "
               "shown once:", err=True)
    sys.stderr.flush()
    click.echo(secret)  # alone on stdout: TOKEN=$(beacon token create --email ...)


@token.command("list")
@click.option("--email", required=True, help="Whose tokens.")
@acting_option(USER_ACTS)
def token_list(email, acting) -> None:
    """One line per token, its id first (never the secret)."""
    from app.services.tokens import list_tokens

    rows = list_tokens(user_actor(acting), email)
    if not rows:
        click.echo(f"No API tokens for {email.strip().lower()}.", err=True)
    for t in rows:
        click.echo(f"{t.id} {t.state} {t.scope} {t.prefix}... name={t.name!r} created {utc(t.created_at)}, "
                   f"expires {utc(t.expires_at)}, last used {utc(t.last_used_at)}"
                   + (f", revoked {utc(t.revoked_at)}" if t.revoked_at else ""))


@token.command("revoke")
@click.argument("token_id", type=RowId("token", "beacon token list"))
@acting_option(USER_ACTS)
def token_revoke(token_id, acting) -> None:
    """Revoke a token by its id (from `beacon token list`); it answers 401 from then on."""
    from app.services.tokens import revoke_token

    if revoke_token(user_actor(acting), token_id):
        click.echo(f"Token #{token_id} revoked.")
    else:
        click.echo(f"Token #{token_id} was revoked already.")
