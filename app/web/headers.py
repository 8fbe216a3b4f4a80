"""Security headers on every answer of Beacon's one port: pages, assets, the API, errors, refusals.

- Content-Security-Policy (`content_security_policy`): scripts only from Beacon's origin plus the
  inline scripts the page itself holds, allowed one by one by their SHA-256, which is computed
  here from the HTML as it is served (the compiled pages carry React Router's and React's inline
  bootstrap scripts, different per page and per build). No other inline script, no plugin, no
  <base>, forms post only to Beacon, and no page may frame Beacon (clickjacking).
- X-Frame-Options: DENY (frame-ancestors for browsers without CSP level 2),
  Referrer-Policy: same-origin (no address of Beacon's leaves for another site),
  X-Content-Type-Options: nosniff (a file is run or styled only as its declared type).
- Strict-Transport-Security only on a request that came over HTTPS (TLS to this server, or
  X-Forwarded-Proto from a proxy in BEACON_TRUSTED_PROXIES: app/web/request.py); over plain HTTP
  a browser ignores it and it would say nothing true.

A 304 (the browser's cached page is still current) gets no CSP: the browser keeps the policy it
stored with that very page, with that page's hashes, and a 304's headers would replace it.
Reflex's CORSMiddleware sits outside this edge and answers preflight requests itself (since
BEACON_PUBLIC_ORIGIN is the only origin it allows, a refusal with no body to protect).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import zlib
from html.parser import HTMLParser

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection

from app.rules.origins import websocket_origin
from app.web.request import page_origin, served_over_https
from app.web.session import ASGIApp, Scope

log = logging.getLogger(__name__)

# A year: browsers then keep to HTTPS between visits months apart. includeSubDomains and preload
# would bind every other host of the domain: that is the domain owner's decision, not Beacon's.
HSTS_SECONDS = 365 * 24 * 3600
# Compiled pages are 4-16 KB. An HTML answer past this is none of them: it is sent on with no
# inline script allowed rather than held whole in memory.
MAX_HTML_BYTES = 2 * 1024 * 1024
PAGES_REMEMBERED = 64  # distinct page bodies whose script hashes are kept (~10 routes x encodings)
HTML_TYPE = "text/html"
NOT_MODIFIED = 304

# Every response, whatever it is.
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def content_security_policy(script_hashes: tuple[str, ...] = (), websocket: str | None = None) -> str:
    """The policy of a page holding inline scripts of these hashes ('sha256-...'), whose websocket
    goes to `websocket` (ws[s]://host[:port]; 'self' covers it in CSP level 3 browsers)."""
    directives = {
        "default-src": ["'self'"],
        # 'unsafe-eval': Reflex's frontend runs the JavaScript a server event sends (rx.call_script,
        # which Beacon uses for the browser clock, notifications and clearing the cookie on sign
        # out) with eval(), in .web/utils/state.js. Inline script stays refused: only the page's own,
        # by hash. An injected <script> or on*="" attribute does not run.
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        # 'unsafe-inline' for styles: Radix and Emotion (Reflex's styling) write <style> elements
        # and style attributes at run time, and Reflex offers no nonce for them. A style cannot run
        # script; what it could do is restyle the page, and no user text reaches CSS.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *([websocket] if websocket else [])],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class _InlineScripts(HTMLParser):
    """The text of every <script> without a src, as the browser hashes it (raw, not unescaped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(html: str) -> tuple[str, ...]:
    """The CSP source of each inline script of `html`, "'sha256-<base64>'", in page order, once each."""
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    hashes = (f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in parser.scripts)
    return tuple(dict.fromkeys(hashes))


def _decoded(body: bytes, content_encoding: str) -> bytes | None:
    """The page's bytes under its Content-Encoding (the frontend is served precompressed), None
    when it is one this server cannot read or it unpacks to more than MAX_HTML_BYTES."""
    wbits = {"": None, "identity": None, "gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
    if content_encoding not in wbits:
        return None
    bits = wbits[content_encoding]
    if bits is None:
        return body
    try:
        inflater = zlib.decompressobj(bits)
        decoded = inflater.decompress(body, MAX_HTML_BYTES)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail else decoded


@functools.lru_cache(maxsize=PAGES_REMEMBERED)
def page_script_hashes(body: bytes, content_encoding: str) -> tuple[str, ...]:
    """The inline script hashes of a served page's body (as sent, under its Content-Encoding)."""
    decoded = _decoded(body, content_encoding.strip().lower())
    if decoded is None:
        log.warning("an HTML answer in %r could not be read: its inline scripts are not allowed", content_encoding)
        return ()
    return inline_script_hashes(decoded.decode("utf-8", errors="replace"))


def _websocket_of(connection: HTTPConnection) -> str | None:
    origin = page_origin(connection)
    return websocket_origin(origin) if origin else None


def add_security_headers(app: ASGIApp) -> ASGIApp:
    """ASGI middleware (Reflex's api_transformer): the headers above on every HTTP answer."""

    async def middleware(scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        fixed = dict(FIXED_HEADERS)
        if served_over_https(connection):
            fixed["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        held: dict | None = None  # an HTML answer's start, until its whole body is in
        body = bytearray()

        def headed(start: dict, script_hashes: tuple[str, ...] | None) -> dict:
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            for name, value in fixed.items():
                headers[name] = value
            if script_hashes is not None:
                headers["Content-Security-Policy"] = content_security_policy(script_hashes, _websocket_of(connection))
            return {**start, "headers": headers.raw}

        async def send_page(script_hashes: tuple[str, ...], more_body: bool) -> None:
            nonlocal held
            start, held = held, None
            assert start is not None  # called only while an HTML answer's start is held
            await send(headed(start, script_hashes))
            await send({"type": "http.response.body", "body": bytes(body), "more_body": more_body})

        async def send_with_headers(message: dict) -> None:
            nonlocal held
            kind = message["type"]
            if kind == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if message["status"] == NOT_MODIFIED:
                    await send(headed(message, None))
                elif headers.get("content-type", "").lower().startswith(HTML_TYPE):
                    held = message
                else:
                    await send(headed(message, ()))
                return
            if held is None:
                await send(message)
                return
            encoding = MutableHeaders(raw=held.get("headers", [])).get("content-encoding", "")
            if kind == "http.response.pathsend":  # the server would send the file itself: read it here
                body.extend(await anyio.Path(message["path"]).read_bytes())
                await send_page(page_script_hashes(bytes(body), encoding), more_body=False)
            elif kind == "http.response.body":
                body.extend(message.get("body", b""))
                if len(body) > MAX_HTML_BYTES:
                    await send_page((), more_body=message.get("more_body", False))
                elif not message.get("more_body", False):
                    await send_page(page_script_hashes(bytes(body), encoding), more_body=False)
            else:
                await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
