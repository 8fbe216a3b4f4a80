"""Hostile: the demo admin's published password posted to a running server through a "proxy".

A reverse proxy on the same host (the README's nginx or Caddy) reaches Beacon from 127.0.0.1, an
address the start-up guard accepts; what gives it away is the header it adds. Raw HTTP posts to
the real server (`reflex run --env prod`, over a real socket from loopback): with a forwarding
header the demo admin is refused with the login page's `demo` code and no cookie; without one,
as a browser on the server itself posts it, it signs in.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.server import BeaconServer

DEMO_ADMIN = {"email": "admin@beacon.demo", "password": "beacon-admin"}


def test_the_demo_admin_through_a_proxy_on_the_same_host_is_refused_and_from_a_local_browser_signs_in(
        server: BeaconServer):
    # Posted from the login page's origin, as its form does (app/web/origin.py refuses any other).
    with httpx.Client(base_url=server.url, timeout=60, headers={"Origin": server.url}) as http:
        proxied = http.post("/auth/sign-in", data=DEMO_ADMIN,
                            headers={"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"})
        assert proxied.status_code == 303 and "set-cookie" not in proxied.headers
        location = urlsplit(proxied.headers["location"])
        assert (location.path, parse_qs(location.query)) == ("/login", {"error": ["demo"]})

        local = http.post("/auth/sign-in", data=DEMO_ADMIN)
        assert local.status_code == 303 and local.headers["location"] == "/"
        assert local.headers["set-cookie"].startswith("beacon_session=")
