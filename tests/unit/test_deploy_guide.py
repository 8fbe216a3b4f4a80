"""The deploy guide (docs/deploy.md) and its files (deploy/) stay true to the code: every variable
they name is one Beacon, Reflex or granian reads; every `beacon` command and option exists; every
path exists; the example settings load and make Beacon read the proxy's headers as the proxy
files send them; the systemd units pass `systemd-analyze verify`; nginx and Caddy accept their
files; and the metrics the guide alerts on are the ones GET /metrics exports.

The binaries (systemd-analyze, nginx, caddy, openssl: `make deploy-tools` installs them) are
skipped when missing on a laptop and required under CI, like the PostgreSQL and Redis tests.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from app.config import ProcessEnvironment, Settings, reset_settings_cache
from tests.support import deploy_files as files
from tests.support.project import ROOT


def _binary(name: str) -> str:
    path = shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name)
                                       if p.exists()), None)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{name} is required under CI (make deploy-tools installs it)")
        pytest.skip(f"{name} is not installed (make deploy-tools)")
    return path


# --- what the guide names exists -----------------------------------------------------------------

def _beacon_variables() -> set[str]:
    prefix = Settings.model_config.get("env_prefix", "")
    names = {f"{prefix}{name}".upper() for name in Settings.model_fields}
    names |= {str(field.validation_alias) for field in ProcessEnvironment.model_fields.values()}
    return names


def _reflex_reads(name: str) -> bool:
    """REFLEX_X is a field of Reflex's Config (read from the environment with that prefix) or one
    of its environment variables."""
    from reflex_base.config import Config
    from reflex_base.environment import EnvironmentVariables

    fields = {f.name for f in dataclasses.fields(Config)}
    return name.removeprefix("REFLEX_").lower() in fields or hasattr(EnvironmentVariables, name)


def _granian_reads(name: str) -> bool:
    """GRANIAN_X is read where Reflex starts granian (reflex/utils/exec.py)."""
    from reflex.utils import exec as reflex_exec

    return f'os.getenv("{name}"' in inspect.getsource(reflex_exec)


def test_every_variable_named_is_read_by_beacon_reflex_or_granian():
    beacon = _beacon_variables()
    unknown = {
        name: sorted(str(p.relative_to(ROOT)) for p in paths)
        for name, paths in files.variables().items()
        if not (name in beacon if name.startswith("BEACON_")
                else _reflex_reads(name) if name.startswith("REFLEX_")
                else _granian_reads(name))
    }
    assert not unknown, f"variables nothing reads: {unknown}"


def test_the_settings_that_matter_on_several_hosts_are_in_the_example():
    example = files.env_example()
    for name in ("BEACON_DATABASE_URL", "BEACON_LISTEN_DATABASE_URL", "REFLEX_REDIS_URL", "BEACON_PUBLIC_ORIGIN",
                 "BEACON_TRUSTED_PROXIES", "REFLEX_BACKEND_HOST", "GRANIAN_WORKERS"):
        assert example.get(name), f"{name} missing from {files.ENV_EXAMPLE.name}"
    assert "REFLEX_CORS_ALLOWED_ORIGINS" not in example  # refused at start: BEACON_PUBLIC_ORIGIN is the setting


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    from app.cli.main import main

    command: click.Command = main
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(click.Context(command), words[0])
        assert sub is not None, f"`beacon ... {words[0]}`: no such command under `{command.name}`"
        command, words = sub, words[1:]
    return command, words


def test_every_beacon_command_and_option_named_exists():
    commands = files.beacon_commands()
    assert len(commands) >= 10  # the reader found the guide's commands
    for path, words in commands:
        command, rest = _resolve(list(words))
        assert not isinstance(command, click.Group), f"{path.name}: `beacon {' '.join(words)}` names only a group"
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in options, f"{path.name}: `beacon {' '.join(words)}`: no option {word}"
        # The values parse as the command takes them (a role, a port, a scope...); nothing runs.
        command.make_context(command.name or "beacon", list(rest))


def test_every_repository_path_named_exists():
    paths = files.repository_paths()
    assert {"scripts/env.sh", "deploy/nginx/beacon.conf", "app/setup/preflight.py"} <= paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"named but not in the repository: {missing}"


def test_readme_links_the_guide():
    assert "[docs/deploy.md](docs/deploy.md)" in (ROOT / "README.md").read_text()


# --- the example settings do what the guide says ----------------------------------------------------

@pytest.fixture
def example_settings(monkeypatch):
    for name, value in files.env_example().items():
        monkeypatch.setenv(name, value)
    reset_settings_cache()
    yield files.env_example()
    monkeypatch.undo()
    reset_settings_cache()


def _request(peer: str, headers: dict[str, str]):
    from starlette.requests import Request

    return Request({"type": "http", "method": "GET", "path": "/", "scheme": "http", "query_string": b"",
                    "client": (peer, 40000), "server": ("10.0.0.11", 3000),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


def test_the_example_settings_load_and_believe_the_proxy_only(example_settings):
    from app.api.auth import client_address
    from app.config import get_settings, process_environment
    from app.web.request import page_origin, served_over_https

    settings = get_settings()  # a bad value would raise here, as the start would refuse it
    assert settings.public_origin.startswith("https://")
    assert settings.cors_allowed_origins == [settings.public_origin]
    assert not settings.is_sqlite  # several hosts need PostgreSQL
    assert process_environment().backend_workers > 1 and process_environment().redis_url
    proxy = example_settings["BEACON_TRUSTED_PROXIES"].split(",")[0].strip()
    # What nginx sends: the client's own (spoofed) entry, then the peer nginx saw; X-Forwarded-Proto set.
    relayed = _request(proxy, {"host": "beacon.example.com", "x-forwarded-for": "6.6.6.6, 203.0.113.7",
                               "x-forwarded-proto": "https"})
    assert client_address(relayed) == "203.0.113.7"
    assert served_over_https(relayed)  # the __Host- cookie and HSTS
    assert page_origin(relayed) == settings.public_origin
    # The same headers straight from a client (not through the proxy) are its own words.
    direct = _request("198.51.100.9", {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"})
    assert client_address(direct) == "198.51.100.9"
    assert not served_over_https(direct)


# --- systemd units and the Procfile ----------------------------------------------------------------

def _unit(path: Path) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = {}
        else:
            key, _, value = line.partition("=")
            sections[current][key] = value
    return sections


def test_the_units_pass_systemd_analyze_verify():
    analyze = _binary("systemd-analyze")
    result = subprocess.run([analyze, "verify", *map(str, files.UNITS)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_the_units_run_from_the_checkout_with_the_environment_file():
    port = None
    for path in files.UNITS:
        service = _unit(path)["Service"]
        assert service["WorkingDirectory"] == files.INSTALL_ROOT
        assert service["EnvironmentFile"] == "/etc/beacon/beacon.env"  # where the guide installs it
        assert service["User"] == "beacon" and service["Restart"] == "on-failure"
        assert "source scripts/env.sh && exec " in service["ExecStart"]
        if path.name == "beacon-web.service":
            assert "reflex run --env prod" in service["ExecStart"]
            ports = set(re.findall(r"--(?:frontend|backend)-port (\d+)", service["ExecStart"]))
            assert len(ports) == 1, "prod mode serves the frontend and the backend on one port"
            port = ports.pop()
    procfile = dict(line.split(":", 1) for line in files.PROCFILE.read_text().splitlines()
                    if line and not line.startswith("#"))
    assert set(procfile) == {"web", "worker"}
    assert f"--backend-port {port}" in procfile["web"]
    # The proxies relay to that port on each application host.
    assert set(re.findall(r"server [\d.]+:(\d+)", files.NGINX.read_text())) == {port}
    assert set(re.findall(r"[\d.]+:(\d+)", _caddy_upstreams())) == {port}


# --- nginx ---------------------------------------------------------------------------------------------

def _nginx_server() -> files.Block:
    root = files.parse_nginx(files.NGINX.read_text())
    tls = [s for s in root.find("server") if any("ssl" in d for d in s.values("listen"))]
    assert len(tls) == 1
    return tls[0]


def test_nginx_relays_what_beacon_reads_from_a_trusted_proxy():
    from reflex_base.constants import Endpoint

    root = files.parse_nginx(files.NGINX.read_text())
    server = _nginx_server()
    headers = {v[0].lower(): " ".join(v[1:]) for v in server.values("proxy_set_header")}
    assert headers["host"] == "$host"
    assert headers["x-forwarded-for"] == "$proxy_add_x_forwarded_for"  # Beacon reads it from the right
    assert headers["x-forwarded-proto"] == "$scheme"  # set, not appended: Beacon believes the last value
    assert headers["upgrade"] == "$http_upgrade"
    upgrade_map = root.find("map", "$http_upgrade", headers["connection"])
    assert upgrade_map and ("default", "upgrade") in upgrade_map[0].directives
    assert server.values("proxy_http_version") == [("1.1",)]
    # granian sees plain HTTP: Beacon's own redirects (/login -> /login/) name http://.
    assert server.values("proxy_redirect") == [("http://", "https://")]
    # nginx inherits proxy_set_header into a location only when it sets none of its own.
    for location in server.find("location"):
        assert not location.values("proxy_set_header"), f"location {location.args} would drop the proxy headers"
        assert not location.values("add_header")
    assert not any("strict-transport-security" in " ".join(v).lower() for v in server.values("add_header"))
    event = server.find("location", str(Endpoint.EVENT))
    assert event, f"no location for Reflex's event socket {Endpoint.EVENT}"
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        (value,), = event[0].values(name)
        assert int(value.rstrip("s")) > 25 * 2, f"{name} must outlast Socket.IO's 25 s pings"
    assert server.find("location", "=", "/metrics")[0].values("return") == [("404",)]
    assert root.find("upstream", "beacon")[0].values("server")


def test_nginx_accepts_the_file(tmp_path):
    nginx = _binary("nginx")
    openssl = _binary("openssl")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=beacon.example.com", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", files.NGINX.read_text())
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", site)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"error_log {tmp_path / 'error.log'};\npid {tmp_path / 'nginx.pid'};\n"
                                         f"events {{}}\nhttp {{\n    include {tmp_path / 'site.conf'};\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- Caddy ---------------------------------------------------------------------------------------------

def _caddy_upstreams() -> str:
    (line,) = [line for line in files.CADDYFILE.read_text().splitlines() if line.strip().startswith("reverse_proxy ")]
    return line.split("reverse_proxy", 1)[1].split("{")[0]


def test_caddy_relays_to_the_same_hosts_and_checks_reflexs_ping():
    from reflex_base.constants import Endpoint

    text = files.CADDYFILE.read_text()
    nginx_servers = {s[0] for s in files.parse_nginx(files.NGINX.read_text()).find("upstream", "beacon")[0]
                     .values("server")}
    assert set(_caddy_upstreams().split()) == nginx_servers
    assert re.search(rf"^\s*health_uri {re.escape(str(Endpoint.PING))}$", text, re.M)
    assert re.search(r"^\s*respond /metrics 404$", text, re.M)
    # Caddy sets X-Forwarded-For/-Proto and Host itself; header_up must not overwrite them with
    # something Beacon would misread, nor HSTS be added twice.
    assert "header_up" not in text and "Strict-Transport-Security" not in text
    # granian sees plain HTTP: Beacon's own redirects (/login -> /login/) name http://.
    assert re.search(r"^\s*header_down Location \^http:// https://$", text, re.M)


def test_caddy_accepts_the_file(tmp_path):
    caddy = _binary("caddy")
    result = subprocess.run([caddy, "validate", "--config", str(files.CADDYFILE), "--adapter", "caddyfile"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
                                 "XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]


# --- metrics -------------------------------------------------------------------------------------------

_METRIC = re.compile(r"`(beacon_[a-z0-9_]+)`")
_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def test_the_metrics_alerted_on_are_exported():
    """Each beacon_* series the guide alerts on is defined by the code that serves GET /metrics."""
    sources = {p: p.read_text() for p in (ROOT / "app").rglob("*.py")}
    exporting = [text for text in sources.values() if "prometheus_client" in text]
    if not exporting:
        pytest.skip("GET /metrics (prometheus_client) is not on this branch yet")
    code = "\n".join(exporting)
    named = set(_METRIC.findall(files.GUIDE.read_text()))
    assert len(named) >= 10

    def base(name: str) -> str:
        for suffix in _SUFFIXES:
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    def defined(name: str) -> bool:  # quoted whole, or without the prefix (a namespace="beacon")
        return any(f"{quote}{form}{quote}" in code for quote in "\"'"
                   for form in (base(name), base(name).removeprefix("beacon_")))

    missing = sorted(n for n in named if not defined(n))
    assert not missing, f"the guide alerts on series GET /metrics does not export: {missing}"
