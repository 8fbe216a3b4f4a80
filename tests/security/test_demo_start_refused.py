"""The attack: Beacon started for the network with the demo data, whose passwords are published
(admin@beacon.demo / beacon-admin makes anyone who reaches the port a platform admin).

As an operator would start it: `reflex run --env prod` (what `make run` execs) on a demo-seeded
SQLite database. By default it listens on 127.0.0.1 only; with a non-loopback host it exits
non-zero with one line naming the accounts and the fix, and never answers on the port; once the
demo passwords are changed with `beacon user password` it starts on that host.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.cli import beacon, beacon_in_process, python_module
from tests.support.database import prepare_database
from tests.support.project import ROOT
from tests.support.server import SERVER_START_TIMEOUT_SECONDS, free_port, stop_server

DEMO_ACCOUNTS = ["admin@beacon.demo", "ops@acme.demo", "ops@globex.demo",
                 "sam@acme.demo", "kim@acme.demo", "lee@globex.demo"]
REFUSAL = re.compile(r"^beacon: refusing to serve on 0\.0\.0\.0: .*`beacon user password --email admin@beacon\.demo`",
                     re.MULTILINE)


def launch(tmp: Path, database_url: str, port: int, host: str | None) -> tuple[subprocess.Popen, Path]:
    log = tmp / f"server-{host or 'default'}-{port}.log"
    command = ["reflex", "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    if host is not None:
        command += ["--backend-host", host]
    env = {**os.environ, "BEACON_DATABASE_URL": database_url}
    env.pop("REFLEX_BACKEND_HOST", None)
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return process, log


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_serving(process: subprocess.Popen, log: Path, port: int) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Beacon exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        if answers(port):
            return
        time.sleep(0.5)
    stop_server(process)
    pytest.fail(f"Beacon did not start:\n{log.read_text()[-3000:]}")


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if width == 8:
                found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
            else:
                found.add("v6:" + address)
    return found


@pytest.fixture
def demo_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'beacon.db'}"
    prepare_database(url)
    return url


def test_the_makefile_guard_step_refuses_a_non_loopback_host_with_demo_passwords(demo_database):
    refused = python_module(demo_database, "app.setup.startup_guard", "--host", "0.0.0.0")
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and REFUSAL.search(refused.stderr), refused.stderr
    for email in DEMO_ACCOUNTS:
        assert email in refused.stderr
    assert python_module(demo_database, "app.setup.startup_guard", "--host", "127.0.0.1").returncode == 0


def test_make_run_and_run_scaled_listen_on_loopback_unless_host_says_otherwise():
    def dry_run(target: str, *extra: str) -> str:
        done = subprocess.run(["make", "-n", "-o", ".venv/.installed", "-o", ".tools/.bun-1.4.4", target, *extra],
                              cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "HOST"},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    for target in ("run", "run-scaled"):
        recipe = dry_run(target)
        assert "python -m app.setup.startup_guard --host '127.0.0.1'" in recipe
        assert re.search(r"exec reflex run --env prod --backend-host '127\.0\.0\.1' ", recipe), recipe
        assert "--backend-host '0.0.0.0'" in dry_run(target, "HOST=0.0.0.0")


def test_demo_start_on_a_non_loopback_host_is_refused_until_the_passwords_change(tmp_path, demo_database):
    # 1. The default (no host given, as `reflex run` and the e2e suite start it): loopback only,
    #    and the demo data is allowed there.
    port = free_port()
    process, log = launch(tmp_path, demo_database, port, None)
    try:
        wait_until_serving(process, log, port)
        assert listening_addresses(port) == {"127.0.0.1"}
    finally:
        stop_server(process)

    # 2. The attack: served on every address with the demo passwords. It exits non-zero with the
    #    one line saying how to fix it, and the port never answers meanwhile.
    port = free_port()
    process, log = launch(tmp_path, demo_database, port, "0.0.0.0")
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            assert not answers(port), "Beacon answered on the port with the demo passwords in place"
            assert listening_addresses(port) == set()
            time.sleep(0.25)
        assert process.returncode is not None, "Beacon neither started nor exited"
    finally:
        stop_server(process)
    assert process.returncode != 0
    output = log.read_text()
    assert REFUSAL.search(output), output[-3000:]
    assert not answers(port)

    # 3. The fix the message names: change every demo password with the CLI. The account the
    #    message names runs it as the operator does, in its own process; the others go through
    #    the same command entry in this process (a process start each adds time, not proof).
    for email in DEMO_ACCOUNTS:
        run = beacon if email == DEMO_ACCOUNTS[0] else beacon_in_process
        changed = run(demo_database, "user", "password", "--email", email, "--password-stdin",
                      stdin=f"not-the-demo-{email}\n")
        assert changed.returncode == 0, changed.stderr
    assert python_module(demo_database, "app.setup.startup_guard", "--host", "0.0.0.0").returncode == 0

    # 4. Now it starts on the non-loopback host (listening on every address), then stops.
    port = free_port()
    process, log = launch(tmp_path, demo_database, port, "0.0.0.0")
    try:
        wait_until_serving(process, log, port)
        assert "0.0.0.0" in listening_addresses(port)
    finally:
        stop_server(process)
