"""Starting on a setup that cannot be used: the CLI, the worker and the server say so in ONE line
on stderr, exit non-zero and create nothing; `beacon doctor` reports every check.

The checks (app/setup/preflight.py, app/setup/doctor.py, app/setup/startup_guard.py) run here through the real
entries inside this process: `beacon ...` through app.cli's `main` with its error handling and
exit codes (`beacon_here`), the server's start through `refuse_unready_start`, which app/app.py
calls when `reflex run` and each of its backend workers import it. The checks that need no file,
database or socket are unit-tested in tests/unit/test_preflight.py.

One real process per command family proves the wiring as an operator types it (`beacon_process`:
`python -m app.cli` is the `beacon` command of this checkout): a command that uses the database,
the worker, `beacon db upgrade`, `beacon doctor` and `reflex run` (`python -m app.setup.startup_guard`
runs in tests/security/test_demo_start_refused.py). "Stopped PostgreSQL" is port 1 on 127.0.0.1,
where nothing listens, so the connection is refused at once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import reset_settings_cache
from app.db import dispose_engines
from app.setup.preflight import refuse_unready_start
from tests.support.cli import beacon_in_process
from tests.support.database import drop_postgres_database, prepare_database
from tests.support.project import ROOT

STOPPED_POSTGRES = "postgresql://postgres@127.0.0.1:1/beacon"
STOPPED_REDIS = "redis://127.0.0.1:1"
# A refusal is a connect attempt and a line (well under a second on a quiet machine); only a hang
# (a retry loop, a connect without timeout) takes this long. Generous: the machine is shared and
# a loaded one takes seconds just to start Python and import SQLAlchemy.
REFUSAL_SECONDS = 90
SERVER_REFUSAL_SECONDS = 240  # `reflex run` starts Reflex (a few s, more on a loaded machine) first
# What an operator's shell may have set that these tests must not inherit (a process or this one).
UNSET = ("REFLEX_REDIS_URL", "BEACON_DEBUG", "HOST", "PORT")


def run(database_url: str, *args: str, extra_env: dict[str, str] | None = None,
        timeout: float = REFUSAL_SECONDS) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update({"BEACON_DATABASE_URL": database_url, **(extra_env or {})})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def beacon_process(database_url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """`beacon args...` in a process of its own, as an operator runs it."""
    return run(database_url, "-m", "app.cli", *args, **kwargs)


@contextlib.contextmanager
def environment(database_url: str, extra_env: dict[str, str] | None = None) -> Iterator[None]:
    """This process pointed at `database_url` with `extra_env`, without the variables in UNSET, as
    `run` starts a process; the environment, the settings and the engines are put back after."""
    saved = dict(os.environ)
    for name in UNSET:
        os.environ.pop(name, None)
    os.environ.update({"BEACON_DATABASE_URL": database_url, **(extra_env or {})})
    reset_settings_cache()
    dispose_engines()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        dispose_engines()
        reset_settings_cache()


def beacon_here(database_url: str, *args: str, extra_env: dict[str, str] | None = None,
                stdin: str | None = None) -> subprocess.CompletedProcess:
    """`beacon args...` through the real command-line entry in this process (tests/support/cli.py
    beacon_in_process), in the environment `beacon_process` would give it."""
    with environment(database_url, extra_env):
        return beacon_in_process(database_url, *args, stdin=stdin)


def assert_one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    """Non-zero exit, exactly one line on stderr ("beacon: ..."), no traceback; returns it."""
    assert done.returncode != 0, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith("beacon: ") and "Traceback" not in line, line
    for word in words:
        assert word in line, line
    return line


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def own_database(monkeypatch):
    """Prepare databases in this process too; BEACON_DATABASE_URL and the engines are put back
    afterwards. Call it with the URL and the revision to migrate to."""

    def prepare(url: str, revision: str = "head") -> str:
        monkeypatch.setenv("BEACON_DATABASE_URL", url)
        if revision == "head":
            prepare_database(url)
        else:
            from alembic import command

            from app.schema import alembic_config

            reset_settings_cache()
            dispose_engines()
            command.upgrade(alembic_config(), revision)
        dispose_engines()
        return url

    yield prepare
    dispose_engines()
    monkeypatch.undo()
    reset_settings_cache()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STATUS_SET = ("status", "set", "--as", "admin@beacon.demo", "--client", "Acme", "--status", "maintenance",
              "--message", "Back at noon", "--type", "warning")
WORKER = ("worker", "--max-tasks", "1", "--speed", "20")


# --- the CLI and the worker, on each kind of unusable database -------------------------------

@pytest.mark.parametrize(("command", "beacon"), [(STATUS_SET, beacon_process), (WORKER, beacon_here)],
                         ids=["status-set-process", "worker"])
def test_an_unmigrated_sqlite_file_that_does_not_exist_yet(tmp_path, command, beacon):
    done = beacon(sqlite_url(tmp_path / "beacon.db"), *command)
    assert_one_line(done, f"no database at {tmp_path / 'beacon.db'}", "`beacon db upgrade`")
    assert files_under(tmp_path) == []  # no empty beacon.db, no -wal, no -shm


@pytest.mark.parametrize("command", [STATUS_SET, WORKER], ids=["status-set", "worker"])
def test_an_empty_sqlite_file_left_behind(tmp_path, command):
    (tmp_path / "beacon.db").touch()  # what an older `beacon status set` left behind
    done = beacon_here(sqlite_url(tmp_path / "beacon.db"), *command)
    assert_one_line(done, "is not migrated", "`beacon db upgrade`")
    assert files_under(tmp_path) == ["beacon.db"]
    assert (tmp_path / "beacon.db").stat().st_size == 0


@pytest.mark.parametrize("command", [STATUS_SET, WORKER], ids=["status-set", "worker"])
def test_a_sqlite_folder_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "no" / "such" / "folder"
    done = beacon_here(sqlite_url(missing / "beacon.db"), *command)
    assert_one_line(done, f"the folder {missing}", "does not exist", "`beacon db upgrade`")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(("command", "beacon"), [(STATUS_SET, beacon_here), (WORKER, beacon_process)],
                         ids=["status-set", "worker-process"])
def test_a_stopped_postgresql(command, beacon):
    done = beacon(STOPPED_POSTGRES, *command)  # a worker that retried instead would time out here
    assert_one_line(done, "cannot reach PostgreSQL at 127.0.0.1:1", "Connection refused", "start PostgreSQL")


@pytest.mark.postgres
def test_an_unmigrated_postgresql_database():
    from tests.support.database import create_postgres_database

    url = create_postgres_database()
    try:
        for command in (STATUS_SET, WORKER):
            assert_one_line(beacon_here(url, *command), "is not migrated", "`beacon db upgrade`")
    finally:
        drop_postgres_database(url)


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist():
    done = beacon_here("postgresql://postgres@127.0.0.1:5432/beacon_no_such_database", *STATUS_SET)
    assert_one_line(done, "has no database 'beacon_no_such_database'", "`beacon db upgrade --create`")


def test_a_file_that_is_not_a_database(tmp_path):
    (tmp_path / "beacon.db").write_text("not sqlite\n")
    assert_one_line(beacon_here(sqlite_url(tmp_path / "beacon.db"), *STATUS_SET), "is not a SQLite database")


# Which commands use the database is decided once, in app/cli/base.py: every command is checked first
# unless it says needs_database=False. New commands (and groups) get the check without asking.
EXEMPT = {("db", "upgrade"), ("doctor",)}


def all_commands(group=None, path=()):
    import click

    from app.cli import main

    group = group or main
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_command_but_db_upgrade_and_doctor_checks_the_database_first():
    from app.cli.base import Command

    commands = dict(all_commands())
    assert set(commands) >= EXEMPT and len(commands) > len(EXEMPT)
    for path, command in commands.items():
        assert isinstance(command, Command), path
        assert command.needs_database == (path not in EXEMPT), path


@pytest.mark.parametrize("command", [
    ("token", "list", "--email", "admin@beacon.demo"),
    ("user", "password", "--email", "pat@acme.demo", "--password-stdin"),
    ("seed", "demo"),
    ("prune",),
], ids=lambda command: "-".join(command[:2]))
def test_other_commands_check_it_too(tmp_path, command):
    missing = tmp_path / "missing"
    assert_one_line(beacon_here(sqlite_url(missing / "beacon.db"), *command), "does not exist", "`beacon db upgrade`")
    assert not missing.exists()


def newest_and_previous() -> tuple[str, str]:
    """The newest migration and the one before it (no numbers written here: migrations get added)."""
    from app.setup.preflight import _migrations

    (newest,) = _migrations().get_heads()
    return newest, _migrations().get_revision(newest).down_revision


def test_a_database_behind_the_newest_migration(tmp_path, own_database):
    newest, previous = newest_and_previous()
    url = own_database(sqlite_url(tmp_path / "beacon.db"), previous)
    done = beacon_here(url, *STATUS_SET)
    assert_one_line(done, f"at migration {previous}, this Beacon needs {newest}", "`beacon db upgrade`")
    assert beacon_here(url, "db", "upgrade").returncode == 0


def test_a_database_migrated_by_a_newer_beacon(tmp_path, own_database):
    import sqlite3

    url = own_database(sqlite_url(tmp_path / "beacon.db"))
    with sqlite3.connect(tmp_path / "beacon.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    assert_one_line(beacon_here(url, *STATUS_SET), "at migration 0099", "does not know")
    assert_one_line(beacon_here(url, "db", "upgrade"), "at migration 0099", "does not know")


# --- `beacon db upgrade` still creates; a database error later on is one line ----------------

def test_db_upgrade_creates_the_folder_and_the_file_and_then_commands_run(tmp_path):
    url = sqlite_url(tmp_path / "new" / "beacon.db")
    upgraded = beacon_here(url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "new" / "beacon.db").is_file()
    done = beacon_here(url, "prune")  # a command that uses the database now passes the check
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Pruned 0 change_log rows")


@pytest.mark.parametrize(("create", "beacon"), [((), beacon_process), (("--create",), beacon_here)],
                         ids=["process", "create"])
def test_db_upgrade_on_a_stopped_postgresql_is_one_line(create, beacon):
    assert_one_line(beacon(STOPPED_POSTGRES, "db", "upgrade", *create), "cannot reach PostgreSQL at 127.0.0.1:1")


@pytest.fixture
def damaged_database(tmp_path, own_database) -> str:
    """Migrated, then damaged by hand: the system_messages table dropped."""
    import sqlite3

    url = own_database(sqlite_url(tmp_path / "beacon.db"))
    with sqlite3.connect(tmp_path / "beacon.db") as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("DROP TABLE system_messages")
    return url


def test_an_unexpected_database_error_is_one_line(damaged_database):
    done = beacon_here(damaged_database, "message", "list", "--as", "admin@beacon.demo")
    assert_one_line(done, "database error", "no such table: system_messages", "`beacon doctor`", "BEACON_DEBUG=1")


def test_beacon_debug_lets_an_unexpected_database_error_through_with_its_traceback(damaged_database):
    """In a process, Python prints the traceback of the error `main` lets through (exit 1)."""
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError, match="no such table: system_messages"):
        beacon_here(damaged_database, "message", "list", "--as", "admin@beacon.demo", extra_env={"BEACON_DEBUG": "1"})


# --- the server start ------------------------------------------------------------------------

def test_reflex_run_refuses_a_database_that_does_not_exist(tmp_path):
    """`reflex run --env prod`, as `make run` execs it: one Beacon line, exit 1, nothing created,
    and never a traceback (before, it served with a traceback per query and an empty file)."""
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    done = run(sqlite_url(data / "beacon.db"), "-m", "reflex", "run", "--env", "prod",
               "--frontend-port", str(port), "--backend-port", str(port), timeout=SERVER_REFUSAL_SECONDS)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    beacon_lines = [line for line in output.splitlines() if line.startswith("beacon: ")]
    assert beacon_lines == [f"beacon: cannot serve: no database at {data / 'beacon.db'} (BEACON_DATABASE_URL); "
                            "run `beacon db upgrade` to create it (`make run` also adds the demo data)"], output[-3000:]
    assert "Traceback" not in output
    assert files_under(data) == []


def refused_start(database_url: str, capsys, extra_env: dict[str, str] | None = None) -> str:
    """What a backend process does when it imports the app (app/app.py: `refuse_unready_start()`
    first): exit 1 with exactly one line on stderr, no traceback; returns the line."""
    capsys.readouterr()
    with environment(database_url, extra_env), pytest.raises(SystemExit) as exited:
        refuse_unready_start()
    assert exited.value.code == 1
    return assert_one_line(subprocess.CompletedProcess([], 1, "", capsys.readouterr().err), "beacon: cannot serve: ")


@pytest.mark.parametrize("case", ["stopped-postgresql", "stopped-redis", "missing-folder", "workers-without-redis"])
def test_the_app_refuses_to_start_on_what_it_cannot_use(tmp_path, own_database, capsys, case):
    url, extra = {
        "stopped-postgresql": (STOPPED_POSTGRES, {}),
        "stopped-redis": (None, {"REFLEX_REDIS_URL": STOPPED_REDIS}),
        "missing-folder": (sqlite_url(tmp_path / "missing" / "beacon.db"), {}),
        # Each worker would keep its own sign-in counters: every allowance times the workers.
        "workers-without-redis": (None, {"GRANIAN_WORKERS": "3", "REFLEX_REDIS_URL": ""}),
    }[case]
    if url is None:
        url = own_database(sqlite_url(tmp_path / "beacon.db"))
    before = files_under(tmp_path)
    line = refused_start(url, capsys, extra)
    assert {"stopped-postgresql": "cannot reach PostgreSQL", "stopped-redis": "cannot reach Redis at redis://127.0.0.1:1",
            "missing-folder": "does not exist",
            "workers-without-redis": "GRANIAN_WORKERS=3 without REFLEX_REDIS_URL"}[case] in line
    assert files_under(tmp_path) == before


@pytest.mark.postgres
def test_a_supabase_database_open_to_its_api_roles_is_not_served_and_doctor_says_so(capsys):
    """A Beacon migrated on plain PostgreSQL, restored into a Supabase project: at head, and its
    users table answers the public anon key. The server refuses it, doctor names it, `beacon db
    protect` shuts it, and then both are content."""
    from tests.support.supabase import create_restored_supabase_database

    url = create_restored_supabase_database()
    try:
        line = refused_start(url, capsys)
        assert "is a Supabase project's whose Beacon tables are open" in line and "run `beacon db protect`" in line
        assert "users, auth_sessions, api_tokens" in line
        doctor = beacon_here(url, "doctor", "--port", str(free_port()), "--host", "127.0.0.1")
        assert doctor.returncode != 0
        database = doctor_lines(doctor)["database"]
        assert database.startswith("✗ ") and "api_tokens: row-level security off" in database
        assert "to fix: run `beacon db protect`" in database
        protect = beacon_here(url, "db", "protect")
        assert protect.returncode == 0, protect.stderr
        doctor = beacon_here(url, "doctor", "--port", str(free_port()), "--host", "127.0.0.1")
        assert doctor_lines(doctor)["database"].startswith("✓ "), doctor.stdout
    finally:
        drop_postgres_database(url)


# --- beacon doctor ---------------------------------------------------------------------------

def doctor_lines(done: subprocess.CompletedProcess) -> dict[str, str]:
    """Each check's line by its name, with the "to fix:" line that may follow it appended."""
    checks: dict[str, str] = {}
    name = None
    for line in done.stdout.splitlines():
        if line[:2] in ("✓ ", "✗ ", "- "):
            name = line[2:].split("  ", 1)[0].strip()
            checks[name] = line
        elif line.strip().startswith("to fix:") and name:
            checks[name] += "\n" + line.strip()
    return checks


def test_doctor_on_a_healthy_setup(database, redis_url):
    port = free_port()
    done = beacon_here(database, "doctor", "--port", str(port), "--host", "127.0.0.1",
                       extra_env={"REFLEX_REDIS_URL": redis_url})
    assert done.returncode == 0, done.stdout + done.stderr
    checks = doctor_lines(done)
    assert set(checks) == {"configuration", "database", "redis", "wake signal", "port", "address"}, done.stdout
    assert all(line.startswith("✓ ") for line in checks.values()), done.stdout
    assert f"at migration {newest_and_previous()[0]} (the newest)" in checks["database"]
    assert "inotify" in checks["wake signal"]
    assert f"127.0.0.1:{port} is free" in checks["port"]
    assert done.stdout.rstrip().endswith("All checks passed.")


@pytest.mark.postgres
def test_doctor_on_a_healthy_postgresql_checks_listen_notify(postgres_database):
    done = beacon_here(postgres_database, "doctor", "--port", str(free_port()), "--host", "127.0.0.1")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = doctor_lines(done)
    assert checks["database"].startswith("✓ ") and checks["wake signal"].startswith("✓ ")
    assert "LISTEN/NOTIFY works" in checks["wake signal"]
    assert checks["redis"].startswith("- ")  # not set: not a problem


def test_doctor_on_a_broken_setup_says_what_to_fix_and_creates_nothing(tmp_path):
    """In a process of its own, as an operator runs it: the printed report and the exit code."""
    missing = tmp_path / "missing"
    with socket.socket() as taken:  # another program on the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = beacon_process(sqlite_url(missing / "beacon.db"), "doctor", "--port", str(port), "--host", "127.0.0.1",
                              extra_env={"REFLEX_REDIS_URL": STOPPED_REDIS})
    assert done.returncode == 1, done.stdout + done.stderr
    checks = doctor_lines(done)
    assert checks["database"].startswith("✗ ") and "to fix:" in checks["database"]
    assert "`beacon db upgrade`" in checks["database"]
    assert checks["redis"].startswith("✗ ") and "to fix: start Redis" in checks["redis"]
    assert checks["port"].startswith("✗ ") and "taken by another program" in checks["port"]
    assert checks["configuration"].startswith("✓ ")
    assert "3 problems: database, redis, port." in done.stdout
    assert not missing.exists() and files_under(tmp_path) == []


def test_doctor_on_an_unmigrated_file_and_a_stopped_postgresql(tmp_path):
    (tmp_path / "beacon.db").touch()
    unmigrated = beacon_here(sqlite_url(tmp_path / "beacon.db"), "doctor", "--port", str(free_port()))
    assert unmigrated.returncode == 1
    assert "is not migrated" in doctor_lines(unmigrated)["database"]
    assert files_under(tmp_path) == ["beacon.db"]
    stopped = beacon_here(STOPPED_POSTGRES, "doctor", "--port", str(free_port()))
    assert stopped.returncode == 1
    checks = doctor_lines(stopped)
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in checks["database"]
    assert checks["wake signal"].startswith("- ")  # not checked: the database is the problem


def test_doctor_recognises_beacon_on_the_port_and_refuses_demo_passwords_on_the_network(database):
    """The port check probes what answers; a stand-in Beacon API (same /ping and 401 JSON) is
    enough to tell it from another program without starting the whole server."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class BeaconLike(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            ping = self.path == "/ping"
            body = b"pong" if ping else b'{"error": {"status": 401, "message": "Sign in first."}}'
            self.send_response(200 if ping else 401)
            self.send_header("content-type", "text/plain" if ping else "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), BeaconLike)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = beacon_here(database, "doctor", "--port", str(server.server_address[1]), "--host", "127.0.0.1")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stdout
    assert "Beacon is serving on 127.0.0.1" in doctor_lines(done)["port"]

    exposed = beacon_here(database, "doctor", "--port", str(free_port()), "--host", "0.0.0.0")
    assert exposed.returncode == 1
    address = doctor_lines(exposed)["address"]
    assert address.startswith("✗ ") and "admin@beacon.demo" in address and "beacon user password" in address
