"""Hosts of a test's own on this one machine: network namespaces on a private /24 the test picks,
joined through a bridge in the root namespace (where the test's pages and SQL sessions live),
a "db" host running a private PostgreSQL and Redis, and Beacon backends (`reflex run --env prod
--backend-only`) on hosts of their own. Everything is named after the test process's pid, removed
by `Network.remove()` (call it in a `finally`), and what a run that died left behind is removed by
the next one (`remove_stale()`). Traffic goes only between these namespaces and the bridge.

Needs root, iproute2's `ip`, PostgreSQL's server binaries, `runuser` and `redis-server`:
`missing()` names what is not there.
"""

from __future__ import annotations

import contextlib
import glob
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.project import ROOT

PREFIX = "bcnh"  # every namespace and link this module makes starts with it, then the owner's pid
POSTGRES_PORT = 5432
REDIS_PORT = 6379
BACKEND_PORT = 8000
SERVICE_START_TIMEOUT_S = 60.0  # initdb's cluster starting, Redis answering
BACKEND_START_TIMEOUT_S = 120.0  # a backend-only prod start imports the app (~8 s here, more when busy)
STOP_TIMEOUT_S = 15.0  # a polite signal, then SIGKILL after this
POLL_S = 0.2
LOG_TAIL_CHARS = 3000


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=30).stdout


def missing() -> str | None:
    """What this machine lacks to build hosts, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "runuser", "redis-server"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    if not postgres_bin():
        return "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/postgres) are not installed"
    probe = f"{PREFIX}{os.getpid()}-probe"
    try:
        run("ip", "netns", "add", probe)
    except subprocess.CalledProcessError as error:
        return f"`ip netns add` is refused here: {error.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)
    return None


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale() -> None:
    """Remove the namespaces and links of earlier runs whose process is gone, and end the
    processes those runs left inside their namespaces."""
    for line in run("ip", "netns", "list").splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(rf"{PREFIX}(\d+)-\w+", name)
        if match and not _alive(int(match.group(1))):
            _delete_namespace(name)
    for line in run("ip", "-o", "link", "show").splitlines():
        match = re.match(rf"\d+: ({PREFIX}(\d+)\w*)[@:]", line)
        if match and not _alive(int(match.group(2))):
            subprocess.run(["ip", "link", "del", match.group(1)], capture_output=True, timeout=30)
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        match = re.fullmatch(rf"{PREFIX}(\d+)-\w+", folder.name)
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _delete_namespace(name: str) -> None:
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, timeout=30).stdout
    for pid in pids.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def pick_subnet(pid: int) -> ipaddress.IPv4Network:
    """A /24 in 10.200.0.0/13 that no address or route of this machine overlaps."""
    taken = [ipaddress.ip_network(word, strict=False)
             for line in run("ip", "-4", "-o", "addr", "show").splitlines()
             for word in line.split() if re.fullmatch(r"\d+\.\d+\.\d+\.\d+/\d+", word)]
    taken += [ipaddress.ip_network(line.split()[0], strict=False)
              for line in run("ip", "-4", "route", "show").splitlines()
              if re.fullmatch(r"\d+\.\d+\.\d+\.\d+(/\d+)?", line.split()[0])]
    for attempt in range(64):
        n = (pid + attempt * 7919) % (8 * 256)
        subnet = ipaddress.ip_network(f"10.{200 + n // 256}.{n % 256}.0/24")
        if not any(subnet.overlaps(other) for other in taken):
            return subnet
    raise RuntimeError("no free /24 in 10.200.0.0/13 for the test hosts")


@dataclass
class Host:
    name: str  # "a", "b", "db"
    namespace: str
    address: str
    link: str  # the root namespace's end of its veth pair
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, args: list[str], log: Path, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
        """`args` run inside this host's namespace, in a process group of their own."""
        with open(log, "a") as out:
            process = subprocess.Popen(["ip", "netns", "exec", self.namespace, *args], stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                       start_new_session=True)
        self.processes.append(process)
        return process


def stop(process: subprocess.Popen, first: signal.Signals) -> None:
    """`first` to the process's group, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, first)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


class Network:
    """A bridge in the root namespace (the subnet's first address: the test's side) and a host per
    namespace, each on a veth pair whose root end is a port of the bridge."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.subnet = pick_subnet(self.pid)
        self.bridge = f"{PREFIX}{self.pid}"
        self.hosts: dict[str, Host] = {}
        addresses = self.subnet.hosts()
        self.gateway = str(next(addresses))
        self._addresses = addresses
        run("ip", "link", "add", self.bridge, "type", "bridge")
        try:
            run("ip", "addr", "add", f"{self.gateway}/{self.subnet.prefixlen}", "dev", self.bridge)
            run("ip", "link", "set", self.bridge, "up")
        except subprocess.CalledProcessError:
            self.remove()
            raise

    def add_host(self, name: str) -> Host:
        namespace = f"{PREFIX}{self.pid}-{name}"
        link = f"{PREFIX}{self.pid}{name}"[:15]
        address = str(next(self._addresses))
        host = Host(name, namespace, address, link)
        self.hosts[name] = host  # before anything is made: remove() takes away whatever was
        run("ip", "netns", "add", namespace)
        run("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        run("ip", "link", "set", link, "master", self.bridge)
        run("ip", "link", "set", link, "up")
        run("ip", "-n", namespace, "addr", "add", f"{address}/{self.subnet.prefixlen}", "dev", "eth0")
        run("ip", "-n", namespace, "link", "set", "eth0", "up")
        run("ip", "-n", namespace, "link", "set", "lo", "up")
        return host

    def remove(self) -> None:
        """Stop every process started on a host, delete the namespaces (their veths go with them)
        and the bridge."""
        for host in reversed(self.hosts.values()):  # the backends before the database they use
            for process in reversed(host.processes):
                stop(process, signal.SIGINT)  # PostgreSQL's fast shutdown (SIGTERM waits for clients)
            _delete_namespace(host.namespace)
            # The kernel drops a namespace's veth when it frees the namespace, which may be later.
            subprocess.run(["ip", "link", "del", host.link], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)


def wait_for(condition, seconds: float, what: str, process: subprocess.Popen | None = None,
             log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({process.returncode}):\n{tail(log)}")
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {seconds} s did not happen:\n{tail(log)}")
        time.sleep(POLL_S)


def tail(log: Path | None) -> str:
    try:
        return log.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log else ""
    except FileNotFoundError:
        return ""


def start_postgres(host: Host, folder: Path, clients: ipaddress.IPv4Network) -> str:
    """A new PostgreSQL cluster (owned by the `postgres` user) listening on the host's address
    only, trusting `clients` alone; answers the URL of its new `beacon` database."""
    import psycopg

    binaries = postgres_bin()
    assert binaries is not None
    folder.mkdir(parents=True, exist_ok=True)
    shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    made = subprocess.run(["runuser", "-u", "postgres", "--", str(binaries / "initdb"), "-D", str(data),
                           "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"],
                          capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        raise RuntimeError(f"initdb failed ({made.returncode}):\n{made.stdout}{made.stderr}")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write(f"host all all {clients} trust\n")
    log = folder / "postgres.log"
    process = host.start(["runuser", "-u", "postgres", "--", str(binaries / "postgres"), "-D", str(data),
                          "-c", f"listen_addresses={host.address}", "-c", f"port={POSTGRES_PORT}",
                          "-c", f"unix_socket_directories={folder}", "-c", "fsync=off",
                          "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                          "-c", "max_connections=200"], log)
    admin = f"postgresql://postgres@{host.address}:{POSTGRES_PORT}/postgres"

    def answers() -> bool:
        with psycopg.connect(admin, connect_timeout=2):
            return True

    wait_for(answers, SERVICE_START_TIMEOUT_S, "PostgreSQL answering", process, log)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE beacon")
    return f"postgresql://postgres@{host.address}:{POSTGRES_PORT}/beacon"


def start_redis(host: Host, folder: Path) -> str:
    import redis

    log = folder / "redis.log"
    process = host.start(["redis-server", "--bind", host.address, "--port", str(REDIS_PORT), "--save", "",
                          "--appendonly", "no", "--protected-mode", "no", "--dir", str(folder)], log)
    url = f"redis://{host.address}:{REDIS_PORT}"
    wait_for(lambda: redis.Redis.from_url(url, socket_connect_timeout=2).ping(), SERVICE_START_TIMEOUT_S,
             "Redis answering", process, log)
    return url


@dataclass
class Backend:
    """One Beacon backend process (one granian worker) serving the API and the websocket."""

    host: Host
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host.address}:{BACKEND_PORT}"

    def answers(self) -> bool:
        return httpx.get(f"{self.url}/ping", timeout=2).status_code == 200

    def kill(self) -> None:
        """SIGKILL to every process of the backend at once, as a host dying would."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)


def start_backend(host: Host, folder: Path, database_url: str, redis_url: str,
                  extra_env: dict[str, str] | None = None) -> Backend:
    """`reflex run --env prod --backend-only` on the host's address; returns once /ping answers."""
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": python_path, "BEACON_DATABASE_URL": database_url,
           "REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": "1", **(extra_env or {})}
    # Another machine shares nothing but the network: no feed URL of this one's, and no metrics
    # directory (prometheus-client's multiprocess files) of this process's.
    for name in ("BEACON_LISTEN_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    log = folder / f"backend-{host.name}.log"
    process = host.start(["reflex", "run", "--env", "prod", "--backend-only", "--backend-host", host.address,
                          "--backend-port", str(BACKEND_PORT)], log, env=env, cwd=ROOT)
    backend = Backend(host, process, log)
    wait_for(backend.answers, BACKEND_START_TIMEOUT_S, f"host {host.name}'s backend answering", process, log)
    return backend


def new_folder() -> Path:
    """A folder the `postgres` user can reach (pytest's tmp folders are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    folder.chmod(0o755)
    return folder
