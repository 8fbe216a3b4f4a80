"""Refuse to serve the demo accounts to the network.

`make run` seeds a platform admin with a published password (admin@beacon.demo / beacon-admin).
On 127.0.0.1 only this machine can reach it; on any other address anyone who reaches the port
would be that admin. So before Beacon serves on a non-loopback address it checks that no demo
account still has a demo password, and otherwise stops with one line saying how to fix it.

Where the bind address comes from: Reflex's own config, the one value granian binds to
(`backend_host`: rxconfig.py says 127.0.0.1; `REFLEX_BACKEND_HOST` or `reflex run
--backend-host H` override it, and Reflex exports the flag as `REFLEX_BACKEND_HOST` to its
workers). `app/app.py` calls `refuse_unsafe_start()` when it is imported, which `reflex run`
does before it binds the port (compiling the pages) and again in every backend worker, so a
deployment that runs `reflex run` directly is refused as well as `make run`. The Makefile also
runs `python -m app.setup.startup_guard --host $(HOST)` first, to say it before any build output.
`beacon doctor` shows the same check (`demo_passwords_check`) as its "address" line.
"""

from __future__ import annotations

import ipaddress
import socket

import click

from app.setup.check import Check, say

ADDRESS = "address"  # the check's name, as `beacon doctor` lists it


def configured_host() -> str:
    """The address Reflex's backend binds to (see the module's docstring)."""
    from reflex.config import get_config

    return str(get_config().backend_host or "")


def is_loopback(host: str) -> bool:
    """True when every address `host` stands for is a loopback address.

    "" and the wildcard addresses (0.0.0.0, ::) listen everywhere: not loopback. A name counts
    only when it resolves, and only to loopback addresses.
    """
    host = (host or "").strip().strip("[]")
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}  # an IPv4 or IPv6 address (text)
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def demo_passwords_check(host: str) -> Check:
    """May Beacon serve on `host`? Loopback always; another address only when no demo account
    keeps its published password (an unreadable database fails closed)."""
    if is_loopback(host):
        return Check(ADDRESS, True, f"{host} is loopback: only this machine can reach Beacon")
    from app.services.users import demo_accounts_with_demo_password

    try:
        exposed = demo_accounts_with_demo_password()
    except Exception as error:  # noqa: BLE001 - fail closed, with the reason on the one line
        message = str(error).splitlines()[0] if str(error) else ""
        return Check(ADDRESS, False, f"could not check the demo accounts' passwords "
                                     f"({error.__class__.__name__}: {message})")
    if not exposed:
        return Check(ADDRESS, True, f"{host} is reachable from the network; no demo account keeps its demo password")
    first = exposed[0]
    others = " (and likewise for " + ", ".join(exposed[1:]) + ")" if len(exposed) > 1 else ""
    return Check(ADDRESS, False, f"the demo accounts {', '.join(exposed)} still have their published demo passwords",
                 f"change them with `beacon user password --email {first}`{others}, or serve on 127.0.0.1 "
                 "(the default: HOST=127.0.0.1)")


def refusal(host: str) -> str | None:
    """The one-line reason Beacon must not serve on `host`, or None when it may."""
    check = demo_passwords_check(host)
    return f"refusing to serve on {host}: {check.line}" if check.ok is False else None


def refuse_unsafe_start(host: str | None = None) -> None:
    """Exit (status 1) with one line on stderr when serving on `host` would expose a demo password."""
    reason = refusal(configured_host() if host is None else host)
    if reason is not None:
        say(reason)
        raise SystemExit(1)


@click.command()
@click.option("--host", default=None, help="The address Beacon will listen on (default: Reflex's backend_host).")
def main(host: str | None) -> None:
    """Exit non-zero with one line when Beacon must not serve on HOST."""
    refuse_unsafe_start(host)


if __name__ == "__main__":
    main()
