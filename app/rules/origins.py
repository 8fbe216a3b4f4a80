"""Web origins (scheme://host[:port]) as browsers write them in `Origin`: pure, no I/O."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The schemes a page of Beacon's can have, and the port each leaves unwritten.
DEFAULT_PORTS = {"http": 80, "https": 443}
# A host name (letters, digits, dots, hyphens: IDNs arrive punycoded) or a bracketed IPv6 address.
# Anything else is refused, so an origin built from a Host header is safe to repeat in a header.
_HOST = re.compile(r"^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])$")


def normalized_origin(text: str) -> str | None:
    """`text` as one origin, lower-case and without its scheme's default port
    ("HTTPS://Beacon.Example.com:443" -> "https://beacon.example.com"); None when it is not an
    http(s) origin (a path, a query, credentials, a bad port, "null", "")."""
    try:
        parts = urlsplit((text or "").strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    host = parts.hostname  # lower-cased, IPv6 without its brackets
    host = f"[{host}]" if ":" in host else host
    if not _HOST.match(host):
        return None
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def websocket_origin(origin: str) -> str:
    """The websocket URL origin of a page's origin (http -> ws, https -> wss)."""
    scheme, rest = origin.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"
