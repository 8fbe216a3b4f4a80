"""The command line's frame: every command checks its arguments and the database first, and
every failure ends with one readable line on stderr and a non-zero exit."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from app.rules.errors import ServiceError
from app.rules.text import HOSTILE_TEXT, has_hostile_text
from app.setup.check import DEBUG_VARIABLE, NotReady, debug_enabled, first_line
from app.setup.preflight import require_database

EXIT_SERVICE_ERROR = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_SERVICE_ERROR) -> NoReturn:
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


class Command(click.Command):
    """A command that uses the database checks it first (app/setup/preflight.py): a missing, unmigrated
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
            fail(f"{name}: {HOSTILE_TEXT}", EXIT_USAGE)


class Group(click.Group):
    """Turns service errors into one line and an exit code instead of a traceback.

    So does any database error nobody expected (the server went away mid-command): one line
    saying what the driver said; BEACON_DEBUG=1 lets the traceback through instead."""

    command_class = Command
    group_class = type  # subgroups are Groups too: their commands are checked the same way

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ServiceError as error:
            fail(error.message)
        except NotReady as error:
            fail(error.line)
        except OSError as error:
            fail(f"{error.__class__.__name__}: {error}")
        except Exception as error:
            if not _is_database_error(error) or debug_enabled():
                raise
            fail(_database_error_line(error))
