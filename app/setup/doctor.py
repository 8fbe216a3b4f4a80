"""`beacon doctor`: is this setup ready to serve? One line per check, ✓ or ✗, and for each ✗
what to run or change. It reads and probes; it creates, migrates and writes nothing.

The checks: the BEACON_ configuration; the database (there, answering, at the newest migration:
app/setup/preflight.py, the same check every command, the worker and the server make; on a Supabase
database, its Beacon tables shut to the API roles, as the server checks at start); Redis when
REFLEX_REDIS_URL is set; the wake signal the change feed and the worker sleep on (inotify on the
SQLite database's folder, or LISTEN/NOTIFY on PostgreSQL: one test notification); the port
`make run` would serve on (free, or Beacon already serving there); and, on a non-loopback
address, that no demo account keeps its published password (app/setup/startup_guard.py).
"""

from __future__ import annotations

import errno
import socket
import time
import uuid

from app.setup.check import Check, NotReady, first_line
from app.setup.preflight import (
    CONNECT_TIMEOUT_SECONDS,
    inspect_database,
    load_settings,
    migration_problem,
    redis_url,
    require_redis,
    sqlite_file,
    supabase_problem,
)
from app.setup.startup_guard import ADDRESS

DEFAULT_PORT = 3000  # what `make run` serves on unless PORT says otherwise
# How long the PostgreSQL wake check waits for its own test notification; one arrives in well
# under a millisecond on a direct connection, and never through a transaction-mode pooler.
NOTIFY_WAIT_SECONDS = 2.0
HTTP_PROBE_SECONDS = 2.0  # how long the port check waits for whatever answers on the port
# Doctor names no one account: it lists them in the line above.
DEMO_PASSWORDS_FIX = "change them with `beacon user password --email EMAIL` (each one), or serve on 127.0.0.1"


def _configuration() -> Check:
    try:
        load_settings()
    except NotReady as error:
        return error.check("configuration")
    return Check("configuration", True, "the BEACON_ variables are valid")


def _database() -> tuple[Check, bool]:
    """The database check, and whether the database answered at all (migrated or not)."""
    try:
        state = inspect_database()
    except NotReady as error:
        return error.check("database"), False
    if (problem := migration_problem(state)) is not None:
        return problem.check("database"), True
    try:
        problem = supabase_problem(state, detailed=True)
    except Exception as error:  # noqa: BLE001 - a catalog read that fails is this check's failure
        return Check("database", False, f"cannot read its Supabase protection ({first_line(error)})",
                     "check the database user's rights"), True
    if problem is not None:
        return problem.check("database"), True
    return Check("database", True, f"{state.shown_url} answers, at migration {', '.join(state.current)} "
                                   "(the newest)"), True


def _redis() -> Check:
    if not redis_url():
        return Check("redis", None, "REFLEX_REDIS_URL not set: Reflex keeps its state in the one backend worker")
    try:
        shown = require_redis()
    except NotReady as error:
        return error.check("redis")
    return Check("redis", True, f"{shown} answers (backend workers share Reflex's state and the throttles' counts)")


def _sqlite_wake(settings) -> Check:
    path = sqlite_file(settings.database_url)
    if path is None:
        return Check("wake signal", None, "in-memory SQLite: only this process's own commits wake it")
    folder = path.resolve().parent
    if not folder.is_dir():
        return Check("wake signal", None, f"not checked: the folder {folder} does not exist (see the database)")
    try:
        from asyncinotify import Inotify, Mask

        with Inotify() as inotify:
            inotify.add_watch(folder, Mask.MODIFY | Mask.CLOSE_WRITE | Mask.CREATE | Mask.MOVED_TO | Mask.DELETE)
    except Exception as error:  # noqa: BLE001 - any failure is this check's answer
        return Check("wake signal", False,
                     f"inotify cannot watch {folder} ({type(error).__name__}: {first_line(error)})",
                     "raise the inotify limits (sysctl fs.inotify.max_user_instances / max_user_watches); "
                     f"until then pages fall back to polling every {settings.poll_seconds:g} s")
    return Check("wake signal", True, f"inotify watches {folder}: other processes' commits wake the feed at once")


def _postgres_wake(settings) -> Check:
    import psycopg

    conninfo = settings.listen_conninfo
    which = "BEACON_LISTEN_DATABASE_URL" if settings.listen_database_url else "BEACON_DATABASE_URL"
    channel = f"beacon_doctor_{uuid.uuid4().hex[:12]}"  # its own channel: no running listener wakes
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
            connection.execute(f"LISTEN {channel}")
            started = time.monotonic()
            connection.execute(f"NOTIFY {channel}")
            received = list(connection.notifies(timeout=NOTIFY_WAIT_SECONDS, stop_after=1))
            elapsed_ms = (time.monotonic() - started) * 1000
    except psycopg.Error as error:
        return Check("wake signal", False, f"cannot LISTEN ({which}: {first_line(error)})",
                     f"make {which} reach PostgreSQL directly (a session, not a transaction-mode pooler)")
    if not received:
        return Check("wake signal", False,
                     f"LISTEN got no test notification within {NOTIFY_WAIT_SECONDS:g} s ({which})",
                     "point BEACON_LISTEN_DATABASE_URL at a direct or session-mode connection "
                     "(a transaction-mode pooler cannot LISTEN)")
    return Check("wake signal", True, f"LISTEN/NOTIFY works ({which}): a test notification came back in "
                                      f"{elapsed_ms:.1f} ms")


def _wake(database_answers: bool) -> Check:
    try:
        settings = load_settings()
    except NotReady:
        return Check("wake signal", None, "not checked: fix the configuration first")
    if not settings.live_updates:
        return Check("wake signal", None, f"live updates are off (BEACON_LIVE_UPDATES=false): pages poll every "
                                          f"{settings.poll_seconds:g} s")
    if settings.is_sqlite:
        try:
            return _sqlite_wake(settings)
        except NotReady:
            return Check("wake signal", None, "not checked: fix the database URL first")
    if not database_answers:
        return Check("wake signal", None, "not checked: PostgreSQL does not answer (see the database)")
    return _postgres_wake(settings)


def _serves_beacon(host: str, port: int) -> bool:
    """Does Beacon answer on host:port? Reflex's /ping, and Beacon's API answering a call without
    a token with its own JSON error."""
    import httpx

    probe = "127.0.0.1" if host in ("", "0.0.0.0") else ("::1" if host == "::" else host)
    base = f"http://[{probe}]:{port}" if ":" in probe else f"http://{probe}:{port}"
    try:
        with httpx.Client(timeout=HTTP_PROBE_SECONDS) as client:
            ping = client.get(f"{base}/ping")
            api = client.get(f"{base}/api/v1/health")
        return ping.status_code == 200 and api.status_code == 401 and "error" in api.json()
    except (httpx.HTTPError, ValueError):
        return False


def _port(host: str, port: int) -> Check:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no owner
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            if _serves_beacon(host, port):
                return Check("port", True, f"Beacon is serving on {where} already")
            return Check("port", False, f"{where} is taken by another program",
                         f"stop it (`ss -ltnp 'sport = :{port}'` names it), or serve elsewhere: "
                         f"`make run PORT={port + 1}`")
        if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
            return Check("port", False, f"{host} is not an address of this machine ({first_line(error)})",
                         "serve on 127.0.0.1 (HOST=127.0.0.1) or on one of this machine's addresses")
        return Check("port", False, f"cannot listen on {where} ({first_line(error)})",
                     "choose another port: `make run PORT=8080`")
    return Check("port", True, f"{where} is free")


def _address(host: str, database_ok: bool) -> Check:
    from app.setup.startup_guard import demo_passwords_check, is_loopback

    if not database_ok and not is_loopback(host):
        return Check(ADDRESS, None,
                     f"{host} is not loopback; the demo passwords are checked once the database is usable")
    check = demo_passwords_check(host)
    if check.ok is False:
        return Check(ADDRESS, False, f"{host} is not loopback, and {check.detail}: Beacon refuses to serve there",
                     DEMO_PASSWORDS_FIX)
    return check


def default_host() -> str:
    """Where `make run` / `reflex run` would listen: HOST (make), else Reflex's backend_host."""
    from app.config import process_environment
    from app.setup.startup_guard import configured_host

    return process_environment().host.strip() or configured_host() or "127.0.0.1"


def default_port() -> int:
    from app.config import process_environment

    raw = process_environment().port.strip()
    return int(raw) if raw.isdigit() else DEFAULT_PORT


def run_checks(host: str, port: int) -> list[Check]:
    configuration = _configuration()
    if configuration.ok:
        database, answers = _database()
    else:
        database, answers = Check("database", None, "not checked: fix the configuration first"), False
    return [configuration, database, _redis(), _wake(answers), _port(host, port),
            _address(host, database.ok is True)]


MARKS = {True: "✓", False: "✗", None: "-"}


def report(checks: list[Check]) -> list[str]:
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"{MARKS[check.ok]} {check.name:<{width}}  {check.detail}")
        if check.ok is False and check.fix:
            lines.append(f"  {'':<{width}}  to fix: {check.fix}")
    failed = [c for c in checks if c.ok is False]
    if failed:
        lines.append(f"{len(failed)} problem{'s' if len(failed) > 1 else ''}: {', '.join(c.name for c in failed)}.")
    else:
        lines.append("All checks passed.")
    return lines
