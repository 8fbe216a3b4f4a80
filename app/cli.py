"""`beacon`: the command line, thin over the services.

Every failure ends with one readable line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click

from app.config import get_settings
from app.models.enums import ALL_CLIENTS_LABEL, MessageType, Role, ServiceStatus, TokenScope
from app.preflight import DEBUG_VARIABLE, NotReady, debug_enabled, first_line, require_database
from app.rules.errors import ServiceError
from app.rules.text import HOSTILE_TEXT, has_hostile_text

EXIT_SERVICE_ERROR = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_SERVICE_ERROR) -> NoReturn:
    click.echo(f"beacon: {message}", err=True)
    sys.exit(code)


def _database_error_line(error: Exception) -> str:
    return (f"database error: {first_line(error)}; run `beacon doctor` to check the setup "
            f"({DEBUG_VARIABLE}=1 shows the traceback)")


_DATABASE_LIBRARIES = {"sqlalchemy", "alembic", "psycopg", "sqlite3"}


def _is_database_error(error: Exception) -> bool:
    """An error of SQLAlchemy, Alembic or a driver (psycopg, sqlite3: code that talks to them
    directly, `beacon db upgrade --create`). By module, so `beacon --help` imports none of them."""
    return any(cls.__module__.split(".")[0] in _DATABASE_LIBRARIES for cls in type(error).__mro__)


class _Command(click.Command):
    """A command that uses the database checks it first (app/preflight.py): a missing, unmigrated
    or unreachable one is one line and exit 1, and nothing is created on the way. Commands that
    must run without it say `needs_database=False`."""

    def __init__(self, *args, needs_database: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_database = needs_database

    def invoke(self, ctx: click.Context):
        _refuse_hostile_arguments(self, ctx)
        if self.needs_database:
            require_database()
        return super().invoke(ctx)


def _refuse_hostile_arguments(command: click.Command, ctx: click.Context) -> None:
    """An argument holding a control character or a lone surrogate (undecodable bytes in argv
    arrive as one) is one line naming the option and exit 2, before the database or a service
    sees it (app/rules/text.py). Tabs and line breaks pass: a message may run over lines, and
    the service refuses them where a field is single-line."""
    for param in command.params:
        if has_hostile_text(ctx.params.get(param.name)):
            name = param.opts[0] if param.opts else param.name
            _fail(f"{name}: {HOSTILE_TEXT}", EXIT_USAGE)


class _Group(click.Group):
    """Turns service errors into one line and an exit code instead of a traceback.

    So does any database error nobody expected (the server went away mid-command): one line
    saying what the driver said; BEACON_DEBUG=1 lets the traceback through instead."""

    command_class = _Command
    group_class = type  # subgroups are _Groups too: their commands are checked the same way

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ServiceError as error:
            _fail(error.message)
        except NotReady as error:
            _fail(error.line)
        except OSError as error:
            _fail(f"{error.__class__.__name__}: {error}")
        except Exception as error:
            if not _is_database_error(error) or debug_enabled():
                raise
            _fail(_database_error_line(error))


def _actor(email: str | None):
    from app.services.auth import actor_for_email

    email = email or get_settings().cli_actor
    if not email:
        _fail("say who acts: --as EMAIL (a platform admin) or BEACON_CLI_ACTOR", EXIT_USAGE)
    return actor_for_email(email)


@click.group(cls=_Group)
def main() -> None:
    """Beacon's command line: status, messages, users, tokens and the database."""


@main.group(cls=_Group)
def status() -> None:
    """The agent service status."""


@status.command("set")
@click.option("--as", "acting", metavar="EMAIL", help="The platform admin who acts.")
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

    actor = _actor(acting)
    result = publish_system_status(
        actor, client_id_for_scope(actor, client, publishing=True), new_status.lower(), message, message_type.lower(),
        parse_expiry(expires),
    )
    previous = result.previous_status or "(none)"
    click.echo(f"{client}: {previous} -> {result.status}"
               + (f"; message #{result.message_id} published" if result.message_id else ""))


@status.command("show")
@click.option("--as", "acting", metavar="EMAIL", help="Whose view to show (default: the CLI actor).")
@click.option("--client", default=ALL_CLIENTS_LABEL, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status_show(acting, client, as_json) -> None:
    """The effective status and the messages in force for a client."""
    from app.services.system_status import client_id_for_scope
    from app.views.status import system_snapshot

    actor = _actor(acting)
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


@main.group(cls=_Group)
def message() -> None:
    """System messages."""


@message.command("list")
@click.option("--as", "acting", metavar="EMAIL")
@click.option("--all", "include_inactive", is_flag=True, help="Include withdrawn and expired messages.")
def message_list(acting, include_inactive) -> None:
    from app.views.status import list_messages

    rows = list_messages(_actor(acting), None, include_inactive=include_inactive)
    if not rows:
        click.echo("No messages.")
    for m in rows:
        scope = "all" if m.client_id is None else f"client {m.client_id}"
        state = "live" if m.is_active else "withdrawn"
        click.echo(f"#{m.id} [{m.type}] ({scope}, {state}) {m.message}")


@message.command("withdraw")
@click.option("--as", "acting", metavar="EMAIL")
@click.argument("message_id", type=int)
def message_withdraw(acting, message_id) -> None:
    from app.services.system_status import withdraw_system_message

    withdraw_system_message(_actor(acting), message_id)
    click.echo(f"Message #{message_id} withdrawn.")


@main.group(cls=_Group)
def maintenance() -> None:
    """Scheduled maintenance windows: they start and end by themselves."""


def _window_line(w) -> str:
    return (f"{w.id} {w.state} {w.client}: {w.starts_at:%Y-%m-%d %H:%M:%S} - {w.ends_at:%Y-%m-%d %H:%M:%S} UTC"
            + (f" {w.message}" if w.message else ""))


@maintenance.command("schedule")
@click.option("--as", "acting", metavar="EMAIL", help="The platform admin who acts.")
@click.option("--client", default=ALL_CLIENTS_LABEL, show_default=True, help=f"Client name, or {ALL_CLIENTS_LABEL!r}.")
@click.option("--starts", default=None, help="ISO date-time (UTC unless it names a zone): 2026-12-01T02:00Z.")
@click.option("--ends", default=None, help="ISO date-time, like --starts.")
@click.option("--starts-in", "starts_in", default=None, help="Instead of --starts: a duration from now (10m, 2h).")
@click.option("--lasts", default=None, help="Instead of --ends: how long it lasts (30m, 1h).")
@click.option("--message", default="", help="What the banner says about it.")
def maintenance_schedule(acting, client, starts, ends, starts_in, lasts, message) -> None:
    """Schedule a maintenance window; it prints the window's id first."""
    from app.models import utc_now
    from app.rules.errors import InvalidInput
    from app.rules.timeparse import parse_duration, parse_expiry
    from app.services.maintenance import schedule_window
    from app.services.system_status import client_id_for_scope

    if starts and starts_in:
        _fail("give --starts or --starts-in, not both", EXIT_USAGE)
    if ends and lasts:
        _fail("give --ends or --lasts, not both", EXIT_USAGE)
    actor = _actor(acting)
    client_id = client_id_for_scope(actor, client, publishing=True)
    problems: dict[str, str] = {}
    starts_at = ends_at = None
    try:
        offset = parse_duration(starts_in, "starts_in")
        starts_at = utc_now() + offset if offset is not None else parse_expiry(starts, "starts")
    except InvalidInput as error:
        problems.update(error.fields)
    try:
        length = parse_duration(lasts, "lasts")
        ends_at = (starts_at + length if starts_at else None) if length is not None else parse_expiry(ends, "ends")
    except InvalidInput as error:
        problems.update(error.fields)
    if problems:
        raise InvalidInput(problems)
    if starts_at is None:
        _fail("say when it starts: --starts 2026-12-01T02:00Z or --starts-in 10m", EXIT_USAGE)
    if ends_at is None:
        _fail("say when it ends: --ends 2026-12-01T03:00Z or --lasts 1h", EXIT_USAGE)
    click.echo(_window_line(schedule_window(actor, client_id, starts_at, ends_at, message)))


@maintenance.command("list")
@click.option("--as", "acting", metavar="EMAIL")
@click.option("--open", "open_only", is_flag=True, help="Only scheduled and in-progress windows.")
def maintenance_list(acting, open_only) -> None:
    """One line per window, its id first, the newest first."""
    from app.views.maintenance import list_windows

    rows = list_windows(_actor(acting), include_closed=not open_only)
    if not rows:
        click.echo("No maintenance windows.", err=True)
    for w in rows:
        click.echo(_window_line(w))


def _row_id(text: str, noun: str, listing: str) -> int:
    """A row id the operator typed, by the one id rule (views/access.py `as_row_id`); else one line
    and exit 2."""
    from app.views.access import as_row_id

    wanted = as_row_id(text)
    if wanted is None:
        _fail(f"{text!r} is not a {noun} id: give the number `{listing}` shows first", EXIT_USAGE)
    return wanted


def _window_id(window_id: str) -> int:
    return _row_id(window_id, "window", "beacon maintenance list")


@maintenance.command("extend")
@click.option("--as", "acting", metavar="EMAIL")
@click.option("--ends", required=True, help="The new end: ISO date-time or a duration from now (30m).")
@click.argument("window_id")
def maintenance_extend(acting, ends, window_id) -> None:
    """Change a scheduled or in-progress window's end."""
    from app.rules.timeparse import parse_expiry
    from app.services.maintenance import extend_window

    click.echo(_window_line(extend_window(_actor(acting), _window_id(window_id), parse_expiry(ends, "ends"))))


@maintenance.command("cancel")
@click.option("--as", "acting", metavar="EMAIL")
@click.argument("window_id")
def maintenance_cancel(acting, window_id) -> None:
    """Cancel a scheduled window, or end an in-progress one now."""
    from app.services.maintenance import cancel_window

    click.echo(_window_line(cancel_window(_actor(acting), _window_id(window_id))))


@main.group(cls=_Group)
def token() -> None:
    """API tokens."""


def _token_actor(acting: str | None):
    """`--as EMAIL`: act as that user (a non-admin manages only their own tokens). Without it, the
    operator acts (whoever can reach the database, as with `beacon user create`)."""
    if not acting:
        return None
    from app.services.auth import actor_for_email

    return actor_for_email(acting)


def _utc(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "never"


@token.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli", show_default=True)
@click.option("--expires", default="90d", show_default=True,
              help="A duration (30d, 12h, 2w) or an ISO date (2026-12-31); at most 3650 days.")
@click.option("--scope", default=TokenScope.PUBLISH.value, show_default=True, metavar="|".join(TokenScope.values()),
              help="read: GET calls only; publish: may also write (within the user's rights).")
@click.option("--as", "acting", metavar="EMAIL", help="Act as this user instead of the operator.")
def token_create(email, name, expires, scope, acting) -> None:
    """Issue a bearer token; it is printed once (the last word of the output), stored only as a hash."""
    from app.services.tokens import create_token

    token_id, secret, expires_at = create_token(_token_actor(acting), email, expires, scope, name)
    click.echo(f"Token #{token_id} for {email.strip().lower()} ({scope}), expires {_utc(expires_at)}; "
               "shown once:", err=True)
    sys.stderr.flush()
    click.echo(secret)  # alone on stdout: TOKEN=$(beacon token create --email ...)


@token.command("list")
@click.option("--email", required=True, help="Whose tokens.")
@click.option("--as", "acting", metavar="EMAIL", help="Act as this user instead of the operator.")
def token_list(email, acting) -> None:
    """One line per token, its id first (never the secret)."""
    from app.services.tokens import list_tokens

    rows = list_tokens(_token_actor(acting), email)
    if not rows:
        click.echo(f"No API tokens for {email.strip().lower()}.", err=True)
    for t in rows:
        click.echo(f"{t.id} {t.state} {t.scope} {t.prefix}... name={t.name!r} created {_utc(t.created_at)}, "
                   f"expires {_utc(t.expires_at)}, last used {_utc(t.last_used_at)}"
                   + (f", revoked {_utc(t.revoked_at)}" if t.revoked_at else ""))


@token.command("revoke")
@click.argument("token_id")
@click.option("--as", "acting", metavar="EMAIL", help="Act as this user instead of the operator.")
def token_revoke(token_id, acting) -> None:
    """Revoke a token by its id (from `beacon token list`); it answers 401 from then on."""
    from app.services.tokens import revoke_token

    wanted = _row_id(token_id, "token", "beacon token list")
    if revoke_token(_token_actor(acting), wanted):
        click.echo(f"Token #{wanted} revoked.")
    else:
        click.echo(f"Token #{wanted} was revoked already.")


@main.group(cls=_Group)
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
        _fail("no terminal to ask for the password on; pipe it in with --password-stdin", EXIT_USAGE)
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
        _fail(PASSWORD_ON_COMMAND_LINE, EXIT_USAGE)
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


@main.group(cls=_Group)
def db() -> None:
    """The database."""


@db.command("upgrade", needs_database=False)
@click.option("--create", is_flag=True, help="PostgreSQL: create the database first if it is missing.")
def db_upgrade(create) -> None:
    """Create or migrate the database to the newest schema."""
    from app.preflight import check_before_upgrade
    from app.schema import create_database_if_missing, upgrade_database

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
        _fail("still open: " + "; ".join(after), EXIT_SERVICE_ERROR)
    for problem in before:
        click.echo(f"shut: {problem}")
    click.echo("Every Beacon table is shut to Supabase's API roles but for the read policies.")


@main.command("doctor", needs_database=False)
@click.option("--host", default=None, help="The address to check (default: HOST, else Reflex's backend_host).")
@click.option("--port", default=None, type=click.IntRange(1, 65535),
              help="The port to check (default: PORT, else 3000 as `make run`).")
def doctor(host, port) -> None:
    """Check the setup: configuration, database (reachable, newest migration), Redis if set, the
    wake signal and the port. One line per check, what to fix for each ✗; exit 1 if any."""
    from app.doctor import default_host, default_port, report, run_checks

    checks = run_checks(host or default_host(), port or default_port())
    for line in report(checks):
        click.echo(line)
    if any(check.ok is False for check in checks):
        sys.exit(EXIT_SERVICE_ERROR)


@main.group(cls=_Group)
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


@main.command("prune")
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


@main.group(cls=_Group)
def chat() -> None:
    """Chats handed off to human agents."""


@chat.command("create")
@click.option("--client", required=True, help="Client name.")
@click.option("--subject", required=True)
def chat_create(client, subject) -> None:
    """Hand a conversation off to the client's human agents (as the bot would)."""
    from app.services.chats import create_chat

    click.echo(f"Chat #{create_chat(None, client, subject)} is waiting for an agent.")


@main.command("worker")
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


if __name__ == "__main__":
    main()
