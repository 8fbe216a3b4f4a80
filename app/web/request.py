"""What the server knows of a browser's request beyond its bytes: who relayed it, whether it came
over HTTPS, and which origin it was addressed to. Read from the ASGI scope through Starlette's
HTTPConnection, so an HTTP request and a websocket's upgrade alike.

A reverse proxy's X-Forwarded-* headers are believed only from a TCP peer listed in
BEACON_TRUSTED_PROXIES; from anyone else they are the client's own words. REFLEX_TRUSTED_PROXY_HOPS
alone makes no peer trusted.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from app.config import get_settings
from app.rules.addresses import parse_address
from app.rules.origins import normalized_origin

SECURE_SCHEMES = ("https", "wss")  # the scope's scheme of a request that came over TLS to us


def is_trusted_proxy(address: str) -> bool:
    """The address is one of BEACON_TRUSTED_PROXIES (addresses or CIDR ranges)."""
    ip = parse_address(address)
    return ip is not None and any(ip in network for network in get_settings().trusted_proxy_networks)


def peer(connection: HTTPConnection) -> str:
    """The TCP peer's address ("" when the server does not say)."""
    return connection.client.host if connection.client else ""


def forwarded(connection: HTTPConnection, header: str) -> str | None:
    """The last entry of a comma-separated X-Forwarded-* header, only when the TCP peer is a
    trusted proxy (BEACON_TRUSTED_PROXIES); None otherwise or when it wrote none."""
    if not is_trusted_proxy(peer(connection)):
        return None
    values = [v.strip() for v in connection.headers.get(header, "").split(",") if v.strip()]
    return values[-1] if values else None


def served_over_https(connection: HTTPConnection) -> bool:
    """The browser reached us over HTTPS: TLS to this server, or a trusted proxy says so."""
    if connection.url.scheme in SECURE_SCHEMES:
        return True
    return (forwarded(connection, "x-forwarded-proto") or "").lower() == "https"


def own_origin(connection: HTTPConnection) -> str | None:
    """The origin the request was addressed to, as the server sees it: https or http (above), and
    the Host header. None when the Host is missing or is not a host name."""
    scheme = "https" if served_over_https(connection) else "http"
    host = connection.headers.get("host", "")
    return normalized_origin(f"{scheme}://{host}") if host else None


def page_origin(connection: HTTPConnection) -> str | None:
    """The one origin whose pages may sign in and open the websocket: BEACON_PUBLIC_ORIGIN when set
    (behind a proxy that rewrites Host, or with the pages served from another origin), otherwise
    the request's own origin."""
    return get_settings().public_origin or own_origin(connection)
