"""Client addresses as the sign-in door and its throttle read them: pure, no I/O."""

from __future__ import annotations

import ipaddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IpAddress | None:
    """The IP address `text` names (brackets and an IPv6 zone dropped; an IPv4-mapped IPv6
    address as its IPv4 one, so one client is one key however its socket reports it), or None."""
    try:
        ip = ipaddress.ip_address((text or "").strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
