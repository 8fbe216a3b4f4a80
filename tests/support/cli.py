"""Beacon's command line as an operator runs it: `python -m <module>` in a separate process, in
the project's folder, against the database at a URL (or with a whole environment of its own)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.project import ROOT

CLI_TIMEOUT_SECONDS = 120  # a command takes seconds; only a hang (or a very loaded machine) takes this


def python_module(database_url: str | None, module: str, *args: str, stdin: str | None = None,
                  env: dict[str, str] | None = None,
                  timeout: float = CLI_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """`python -m module args...` with BEACON_DATABASE_URL set (over `env`, else this process's
    environment); `stdin` is its input, else it reads nothing."""
    env = dict(os.environ if env is None else env)
    if database_url is not None:
        env["BEACON_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def start_beacon(env: dict[str, str], *args: str, **popen) -> subprocess.Popen:
    """`beacon args...` started in the background with `env` and no input; `popen`: where its
    output goes (stdout=, stderr=) and the like."""
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            **popen)


def beacon(database_url: str | None, *args: str, **options) -> subprocess.CompletedProcess:
    """`beacon args...` (app.cli); options as python_module's."""
    return python_module(database_url, "app.cli", *args, **options)


def beacon_in_process(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`beacon args...` run through the real command-line entry (app.cli's `main`, with its error
    handling and exit codes) inside this process, against `database_url`: for tests whose
    behaviour is the message and the exit code of a command, where another process adds a second
    of start-up and nothing else. Each command family keeps a test that runs the real process
    (`beacon` above), which proves the process itself says one line and exits non-zero."""
    from click.testing import CliRunner

    from app.cli import main
    from tests.support.database import use_database

    use_database(database_url)
    done = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return subprocess.CompletedProcess(["beacon", *args], done.exit_code, done.stdout, done.stderr)
