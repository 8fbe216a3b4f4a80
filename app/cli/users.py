"""`beacon user`: users, their passwords and their Supabase Auth links."""

from __future__ import annotations

import sys

import click

from app.cli.base import EXIT_USAGE, Group, fail
from app.models.enums import Role


@click.group(cls=Group)
def user() -> None:
    """Users."""


PASSWORD_ON_COMMAND_LINE = ("--password is refused: a password on the command line stays in the shell's "
                            "history and shows in `ps`; pipe it in with --password-stdin, or leave it out to be asked")


def _password_input(password_stdin: bool, prompt: str) -> str:
    """The password from stdin's first line (--password-stdin) or asked twice, not echoed; one line
    and exit 2 when there is neither (no terminal to ask on)."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password on; pipe it in with --password-stdin", EXIT_USAGE)
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", required=True,
              type=click.Choice(Role.values()))
@click.option("--client", default=None, help="Client name (all roles but platform_admin).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin (for scripts) instead of asking.")
@click.option("--password", "password_argument", hidden=True, default=None)  # refused: see PASSWORD_ON_COMMAND_LINE
def user_create(email, name, role, client, password_stdin, password_argument) -> None:
    """Create a user (the operator's command: it needs access to the database). The password is
    asked twice (not echoed), or read from stdin; the rules of `user password` apply."""
    from app.services.auth import create_user

    if password_argument is not None:
        fail(PASSWORD_ON_COMMAND_LINE, EXIT_USAGE)
    password = _password_input(password_stdin, "Password")
    created = create_user(None, email, name, password, role, client)
    click.echo(f"Created {created.email} ({created.role}).")


@user.command("password")
@click.option("--email", required=True, help="Whose password to set.")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of stdin (for scripts) instead of asking.")
@click.option("--revoke-tokens", is_flag=True,
              help="Also revoke every API token of the user (when the password may have leaked).")
def user_password(email, password_stdin, revoke_tokens) -> None:
    """Set a user's password (asked twice, not echoed) and end that user's sign-in sessions."""
    from app.services.users import change_password

    password = _password_input(password_stdin, "New password")
    change = change_password(None, email, password, revoke_tokens=revoke_tokens)
    done = [f"{change.sessions_ended} sign-in session(s) ended"] if change.sessions_ended else []
    if revoke_tokens:
        done.append(f"{change.tokens_revoked} API token(s) revoked")
    click.echo(f"Password of {email.strip().lower()} changed" + (f"; {', '.join(done)}." if done else "."))


@user.command("link")
@click.option("--email", required=True, help="The Beacon user.")
@click.option("--auth-user-id", required=True, metavar="UUID",
              help="The Supabase Auth user's id (auth.users.id) who signs in as this user.")
def user_link(email, auth_user_id) -> None:
    """Let a Supabase Auth user's access tokens act as this user (API and row-level security)."""
    from app.services.users import link_auth_user

    linked = link_auth_user(None, email, auth_user_id)
    click.echo(f"{email.strip().lower()} is now Supabase Auth user {linked}.")


@user.command("unlink")
@click.option("--email", required=True, help="The Beacon user.")
def user_unlink(email) -> None:
    """Stop a Supabase Auth user's tokens acting as this user."""
    from app.services.users import link_auth_user

    link_auth_user(None, email, None)
    click.echo(f"{email.strip().lower()} is linked to no Supabase Auth user.")
