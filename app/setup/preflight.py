"""Is this setup usable? The one place that checks, before a command, the worker or the server
touches the database, and says in ONE line what is wrong and what to run.

Without it a database that is missing, not migrated or unreachable surfaced as a 60-line
SQLAlchemy traceback at the first query ("no such table: users"), and SQLite's connect had
already created an empty file (and its folder, in app/db.py) on the way. So the check:

- creates nothing: a SQLite file is looked at with `os.stat` first and then opened with the
  `file:...?mode=rw` URI, which never creates it (plain `sqlite3.connect` does); its folder is
  never made. On PostgreSQL it only connects (a short timeout) and reads.
- reads Alembic's own view of the schema: the revision stored in the database
  (MigrationContext) against the newest revision of the migration scripts (ScriptDirectory).
- never opens the SQLite file other than through SQLite: closing a plain descriptor of it would
  drop the POSIX locks this process's SQLite connections hold (see app/feed/signals.py).

Who calls it: every `beacon` command that uses the database (app/cli/; `beacon db upgrade`
checks only what it cannot fix itself), hence `beacon worker`; the server when `reflex run`
imports the app (app/app.py), before it builds or binds anything, with Redis too when
REFLEX_REDIS_URL is set, and on a Supabase database that its tables are shut to the API roles;
and `beacon doctor`, which reports every check (app/setup/doctor.py).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload
from urllib.parse import quote

from app.setup.check import NotReady, debug_enabled, first_line, say

# How long a PostgreSQL or Redis connection attempt may take before the check gives up: long
# enough for a server across a slow network, short enough that a dead host answers quickly
# (libpq's own minimum is 2 s). A stopped server on a reachable host is refused at once.
CONNECT_TIMEOUT_SECONDS = 5

URL_EXAMPLES = "sqlite:///path/to/beacon.db or postgresql://user@host:5432/beacon"
UPGRADE = "`beacon db upgrade`"


class MissingDatabase(NotReady):
    """The PostgreSQL server answered but has no such database (`--create` makes it)."""


@dataclass(frozen=True)
class DatabaseState:
    """A database that answered: where it is and its schema revision."""

    shown_url: str  # the URL without its password, for messages
    current: tuple[str, ...]  # revisions stored in the database (empty: never migrated)
    heads: tuple[str, ...]  # the newest revisions of this Beacon's migrations

    @property
    def at_head(self) -> bool:
        return bool(self.current) and set(self.current) == set(self.heads)


# --- configuration ---------------------------------------------------------------------------

def load_settings():
    """Beacon's settings, or NotReady naming the BEACON_ variable that is wrong."""
    from pydantic import ValidationError

    from app.config import get_settings

    try:
        return get_settings()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = "BEACON_" + "_".join(str(part) for part in item.get("loc", ())).upper()
            # The raw value, as the environment holds it: the settings could not read it.
            problems.append(f"{name}={os.environ.get(name, '')!r}: {item.get('msg', 'invalid')}")
        raise NotReady("bad configuration: " + "; ".join(problems),
                       "fix the variable in the environment (see README, Configuration)") from None


# --- the database ----------------------------------------------------------------------------

def _without_password(raw: str) -> str:
    """A URL that did not parse, with anything between "user:" and "@" masked."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", raw)


def _parse_url(raw: str):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise NotReady(f"BEACON_DATABASE_URL {_without_password(raw)!r} is not a database URL",
                       f"set it to {URL_EXAMPLES}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise NotReady(f"BEACON_DATABASE_URL names a {url.get_backend_name()} database, which Beacon does not support",
                       f"set it to {URL_EXAMPLES}")
    return url


def sqlite_file(raw_url: str) -> Path | None:
    """The file a sqlite:/// URL names (relative to the current folder, as SQLite reads it);
    None for an in-memory database or a URL that is not SQLite."""
    from app.config import sqlite_file_of

    _parse_url(raw_url)  # a URL Beacon can use, else NotReady saying what is wrong with it
    return sqlite_file_of(raw_url)


def _sqlite_problem(path: Path, for_upgrade: bool) -> None:
    """Raise NotReady for a SQLite file that cannot be used (or created, for an upgrade)."""
    shown = str(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise NotReady(f"the SQLite database {shown} is a folder, not a file",
                       "point BEACON_DATABASE_URL at a file, e.g. sqlite:///data/beacon.db")
    if not folder.exists():
        if for_upgrade:
            return  # `beacon db upgrade` creates the folder and the file
        raise NotReady(f"the folder {folder} of the SQLite database {shown} does not exist",
                       f"check BEACON_DATABASE_URL, or run {UPGRADE} to create the folder and the database")
    if not folder.is_dir():
        raise NotReady(f"{folder} (in BEACON_DATABASE_URL) is a file, not a folder",
                       "point BEACON_DATABASE_URL at a file in a folder")
    if not path.exists() and not for_upgrade:
        raise NotReady(f"no database at {shown} (BEACON_DATABASE_URL)",
                       f"run {UPGRADE} to create it (`make run` also adds the demo data)")


def _sqlite_engine(path: Path):
    """An engine on an EXISTING SQLite file that can never create it (`mode=rw`)."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=5,
                                                                        check_same_thread=False),
                            poolclass=NullPool)


def _postgres_engine(sqlalchemy_url: str):
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    return sa.create_engine(sqlalchemy_url, poolclass=NullPool,
                            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def _postgres_problem(error: BaseException, url, for_upgrade: bool) -> NotReady:
    """One line for a failed PostgreSQL connection. libpq reports a refusal by a server that
    answered only in the message text ("... failed: FATAL:  database "x" does not exist")."""
    orig = getattr(error, "orig", None) or error
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    reason = first_line(orig)
    if "failed: " in reason:  # 'connection failed: connection to server at "h", port p failed: WHY'
        reason = reason.rsplit("failed: ", 1)[1]
    reason = reason.replace("FATAL:", "").strip() or type(orig).__name__
    if "database" in reason and "does not exist" in reason:
        return MissingDatabase(f"PostgreSQL at {where} has no database {url.database!r}",
                               "run `beacon db upgrade --create` to create and migrate it")
    if any(words in reason for words in ("role", "password authentication", "pg_hba.conf", "authentication")):
        return NotReady(f"PostgreSQL at {where} refused the login of {url.username!r} ({reason})",
                        "fix the user or password in BEACON_DATABASE_URL")
    then = "" if for_upgrade else f", then run {UPGRADE}"
    return NotReady(f"cannot reach PostgreSQL at {where} ({reason})",
                    f"start PostgreSQL or fix BEACON_DATABASE_URL{then}")


def _migrations():
    from alembic.script import ScriptDirectory

    from app.schema import alembic_config

    return ScriptDirectory.from_config(alembic_config())


def newest_revisions() -> tuple[str, ...]:
    return tuple(_migrations().get_heads())


def _unknown_revisions(revisions: tuple[str, ...]) -> list[str]:
    """Revisions this Beacon's migrations do not have (a newer Beacon migrated the database)."""
    from alembic.util import CommandError

    migrations, unknown = _migrations(), []
    for revision in revisions:
        try:
            if migrations.get_revision(revision) is None:
                unknown.append(revision)
        except CommandError:
            unknown.append(revision)
    return unknown


@overload
def inspect_database(for_upgrade: Literal[False] = False) -> DatabaseState: ...
@overload
def inspect_database(for_upgrade: bool) -> DatabaseState | None: ...
def inspect_database(for_upgrade: bool = False) -> DatabaseState | None:
    """Connect without creating anything and read the schema revision.

    Returns None when there is nothing to read yet and `for_upgrade` allows it (a SQLite file
    `beacon db upgrade` is about to create). Raises NotReady when the database cannot be used.
    """
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    settings = load_settings()
    url = _parse_url(settings.database_url)
    shown_url = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        path = sqlite_file(settings.database_url)
        if path is None:
            if for_upgrade:
                return None
            raise NotReady("BEACON_DATABASE_URL names an in-memory SQLite database, which is empty in every process",
                           "give it a file: sqlite:///path/to/beacon.db")
        _sqlite_problem(path, for_upgrade)
        if not path.exists():
            return None
        engine = _sqlite_engine(path)
    else:
        try:
            engine = _postgres_engine(settings.sqlalchemy_url)
        except Exception as error:  # noqa: BLE001 - an unknown driver, a malformed port: the URL
            raise NotReady(f"BEACON_DATABASE_URL cannot be used ({first_line(error)})",
                           f"set it to {URL_EXAMPLES}") from None
    try:
        with engine.connect() as connection:
            current = tuple(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        if url.get_backend_name() != "sqlite":
            raise _postgres_problem(error, url, for_upgrade) from None
        reason = first_line(error)
        if "not a database" in reason:
            raise NotReady(f"{path} is not a SQLite database ({reason})",
                           "point BEACON_DATABASE_URL at Beacon's database, or move the file away and run "
                           f"{UPGRADE}") from None
        raise NotReady(f"cannot open the SQLite database {path} ({reason})",
                       "check the file's permissions and BEACON_DATABASE_URL") from None
    finally:
        engine.dispose()
    heads = newest_revisions()
    unknown = _unknown_revisions(current)
    if unknown:
        raise NotReady(f"the database {shown_url} is at migration {', '.join(unknown)}, which this Beacon does not "
                       f"know (its newest is {', '.join(heads)}): a newer Beacon migrated it",
                       "run that newer Beacon, or point BEACON_DATABASE_URL at a database of this one")
    return DatabaseState(shown_url=shown_url, current=current, heads=heads)


def migration_problem(state: DatabaseState) -> NotReady | None:
    """A database that answered but is not at this Beacon's newest migration."""
    if not state.current:
        return NotReady(f"the database {state.shown_url} is not migrated (no Beacon schema in it)",
                        f"run {UPGRADE} (`make run` does it before it serves)")
    if not state.at_head:
        return NotReady(f"the database {state.shown_url} is at migration {', '.join(state.current)}, "
                        f"this Beacon needs {', '.join(state.heads)}",
                        f"run {UPGRADE} (`make run` does it before it serves)")
    return None


def require_database() -> DatabaseState:
    """The database exists, answers and is at the newest migration; else NotReady."""
    state = inspect_database()
    if (problem := migration_problem(state)) is not None:
        raise problem
    return state


PROTECT = "`beacon db protect`"
def supabase_problems(state: DatabaseState) -> list[str]:
    """On a Supabase database, what of Beacon's its API roles can reach beyond what the
    migrations allow (app/supabase/rls.py: protection_problems); [] elsewhere or when protected."""
    settings = load_settings()
    if settings.is_sqlite:
        return []
    from app.supabase import rls

    engine = _postgres_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return rls.protection_problems(connection)
    finally:
        engine.dispose()


def supabase_problem(state: DatabaseState, detailed: bool = False) -> NotReady | None:
    """A Supabase database whose Beacon tables are open to its anon key and signed-in users
    (one migrated on plain PostgreSQL and restored into a project, or opened by hand). The one
    line names the tables; `detailed` (doctor) says what is open in each."""
    problems = supabase_problems(state)
    if not problems:
        return None
    shown = "; ".join(problems) if detailed else ", ".join(problem.split(":")[0] for problem in problems)
    return NotReady(f"the database {state.shown_url} is a Supabase project's whose Beacon tables are open to "
                    f"its API roles ({shown})",
                    f"run {PROTECT} (row-level security and grants as the migrations set them; no row changes)")


def check_before_upgrade(creating: bool = False) -> None:
    """What `beacon db upgrade` cannot fix itself: a bad URL, an unreachable server, a database
    newer than this code. A missing SQLite file or folder is fine: the upgrade creates them; so
    is a missing PostgreSQL database when `creating` (`--create`)."""
    try:
        inspect_database(for_upgrade=True)
    except MissingDatabase:
        if not creating:
            raise


# --- Redis -----------------------------------------------------------------------------------

def redis_url() -> str:
    """REFLEX_REDIS_URL as Reflex reads it ("" when not set)."""
    from app.config import process_environment

    return process_environment().redis_url.strip()


def shown_redis_url(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def require_redis() -> str | None:
    """When REFLEX_REDIS_URL is set, Redis answers a PING; else NotReady. Returns the URL shown."""
    url = redis_url()
    if not url:
        return None
    shown = shown_redis_url(url)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise NotReady(f"REFLEX_REDIS_URL {shown!r} is not a Redis URL",
                       "set it to redis://host:6379 (or unset it to run one backend worker without Redis)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                      socket_timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError, OSError) as error:
        raise NotReady(f"cannot reach Redis at {shown} (REFLEX_REDIS_URL: {first_line(error)})",
                       "start Redis, or unset REFLEX_REDIS_URL to run one backend worker without it") from None
    return shown


def backend_workers() -> int:
    """How many backend worker processes Reflex's granian will start: GRANIAN_WORKERS when set
    (Reflex itself starts one without Redis)."""
    from app.config import process_environment

    return process_environment().backend_workers


def require_shared_counters() -> None:
    """Several backend workers need Redis: the sign-in throttle's and the write throttle's
    counters would otherwise live in each worker's memory, and N workers would give an attacker
    N times every allowance (app/services/signin_throttle.py)."""
    workers = backend_workers()
    if workers > 1 and not redis_url():
        raise NotReady(f"GRANIAN_WORKERS={workers} without REFLEX_REDIS_URL: each worker would keep its own "
                       "sign-in counters (every lock and allowance times the workers)",
                       "set REFLEX_REDIS_URL (make run-scaled does), or run one worker")


# --- entry points ----------------------------------------------------------------------------

def refuse_unready_start() -> None:
    """The server's start (app/app.py, imported by `reflex run` before it builds or binds):
    exit 1 with one line when the database or Redis cannot be used."""
    try:
        state = require_database()
        if (problem := supabase_problem(state)) is not None:
            raise problem
        require_redis()
        require_shared_counters()
    except NotReady as error:
        if debug_enabled():
            raise
        say(f"cannot serve: {error.line}")
        raise SystemExit(1) from None
