"""One Beacon server as `make run` starts it (`reflex run --env prod`), for the browser tests and
the benches alike (bench/_support.py uses these very functions)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.cli import beacon
from tests.support.database import prepare_database, use_database
from tests.support.project import ROOT

SERVER_START_TIMEOUT_SECONDS = 300  # a prod start compiles and builds the frontend (~10 s warm, more cold)
SERVER_POLL_SECONDS = 0.5  # how often /ping is probed while the server starts
SERVER_STOP_TIMEOUT_SECONDS = 20  # SIGTERM, then SIGKILL after this
LOG_TAIL_CHARS = 3000  # how much of the server log a failure shows


@dataclass
class BeaconServer:
    url: str
    database_url: str
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def beacon(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return beacon(None, *args, env=self.env, timeout=60, stdin=stdin)

    def session_token(self, email: str, password: str = "beacon-demo") -> str:
        """A sign-in session of `email`'s on this server's database (this process points at it after)."""
        from tests.support.factory import session_token

        use_database(self.database_url)
        return session_token(email, password)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except FileNotFoundError:
            return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp: Path, extra_env: dict[str, str] | None = None, database_url: str | None = None,
                 port: int | None = None, prepare: bool = True, root: Path = ROOT,
                 drop_env: tuple[str, ...] = ()) -> tuple[subprocess.Popen, BeaconServer]:
    """Start Beacon from `root` as `make run` does, on `database_url` (default: a new SQLite file
    in `tmp`), without the variables named in `drop_env`; its log goes to `tmp`/server.log."""
    database_url = database_url or f"sqlite:///{tmp / 'beacon.db'}"
    if prepare:
        prepare_database(database_url)
    port = port or free_port()
    env = {**os.environ, "BEACON_DATABASE_URL": database_url, **(extra_env or {})}
    for name in drop_env:
        env.pop(name, None)
    log_path = tmp / "server.log"
    with open(log_path, "a") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = BeaconServer(url=f"http://localhost:{port}", database_url=database_url, env=env,
                          process=process, log_path=log_path)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Beacon exited early (exit code {process.returncode}):\n"
                               f"{server.log_text()[-LOG_TAIL_CHARS:]}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=1).status_code == 200:
                return process, server
        except httpx.HTTPError:
            pass
        time.sleep(SERVER_POLL_SECONDS)
    stop_server(process)
    raise RuntimeError(f"Beacon did not start:\n{server.log_text()[-LOG_TAIL_CHARS:]}")


def stop_server(process: subprocess.Popen | None) -> None:
    """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=SERVER_STOP_TIMEOUT_SECONDS)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
