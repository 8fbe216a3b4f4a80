"""Hostile: request bodies as an attacker sends them. A body over 64 KB is a 413 before the server
has read it (whether its Content-Length says so or it simply keeps coming), JSON nested 65,000
deep is a 400 with a JSON body (json.loads raised RecursionError: a 500), and a caller who may not
write (a read token, a client admin) is refused before a 1 MB body is read.

In-process through httpx's ASGI transport, which hands the app the body only as it asks for it (a
generator counts what was pulled), and once over a real socket to granian (Reflex's server)
serving the API, with a 10 MB Content-Length and a slow trickle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from app.api.bodies import MAX_BODY_BYTES
from app.api.routes import api
from tests.support.api import call_api as call
from tests.support.factory import ADMIN, CLIENT_ADMINS, api_token
from tests.support.loops import run_async
from tests.support.project import ROOT
from tests.support.server import free_port

MEGABYTE = 1024 * 1024
CHUNK = 4096

ADMIN_WRITES = [
    ("POST", "/api/v1/system-status"),
    ("POST", "/functions/v1/set-system-status"),
    ("POST", "/api/v1/system-status/bulk"),
    ("POST", "/api/v1/maintenance-windows"),
    ("PATCH", "/api/v1/maintenance-windows/1"),
]


class CountedBody:
    """A request body of `total` bytes (a JSON string, so reading it all would parse), handed out
    in chunks only as the server pulls them; `pulled` says how much it took."""

    def __init__(self, total: int):
        self.total = total
        self.pulled = 0

    async def __aiter__(self):
        yield b'{"message": "'
        self.pulled += 13
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"x" * CHUNK
        yield b'"}'


def send(method: str, path: str, token: str, body, headers: dict | None = None) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://beacon") as client:
            return await client.request(method, path, content=body,
                                        headers={"Authorization": f"Bearer {token}", **(headers or {})})

    return run_async(go())


def assert_json_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["status"] == status


@pytest.mark.parametrize("method, path", ADMIN_WRITES)
def test_a_one_megabyte_body_is_413_and_not_read_whole(admin_token, method, path):
    body = CountedBody(MEGABYTE)
    response = send(method, path, admin_token, body)
    assert_json_error(response, 413)
    assert "64 KB" in response.json()["error"]["message"]
    assert body.pulled <= MAX_BODY_BYTES + CHUNK + 13, body.pulled  # stopped at the cap, not at 1 MB


def test_a_content_length_over_the_cap_is_413_before_any_byte_is_read(admin_token):
    body = CountedBody(10 * MEGABYTE)
    response = send("POST", "/api/v1/system-status", admin_token, body,
                    headers={"Content-Length": str(10 * MEGABYTE)})
    assert_json_error(response, 413)
    assert body.pulled == 0


def test_a_body_of_exactly_64_kb_is_still_read(admin_token, client_ids):
    """The cap is on size alone: a 64 KB body is judged on its content (the message is too long)."""
    prefix = b'{"client_id": %d, "status": "active", "message": "' % client_ids["Acme"]
    content = prefix + b"x" * (MAX_BODY_BYTES - len(prefix) - 2) + b'"}'
    assert len(content) == MAX_BODY_BYTES
    response = call("POST", "/api/v1/system-status", admin_token, content=content)
    assert_json_error(response, 422)
    assert "message" in response.json()["error"]["fields"]


@pytest.mark.parametrize("nesting", ["[" * 65_000, '{"a":' * 13_000, '{"status": ' + "[" * 5_000])
def test_json_nested_thousands_deep_is_400_with_a_json_body(admin_token, nesting):
    content = nesting.encode()
    assert len(content) <= MAX_BODY_BYTES  # under the cap: the parser itself must cope
    for method, path in ADMIN_WRITES:
        assert_json_error(call(method, path, admin_token, content=content), 400)


def test_json_nested_100000_deep_is_refused_by_its_size_first(admin_token):
    for method, path in ADMIN_WRITES:
        assert_json_error(call(method, path, admin_token, content=b"[" * 100_000), 413)


@pytest.mark.parametrize("who", ["read token", "client admin"])
@pytest.mark.parametrize("method, path", ADMIN_WRITES)
def test_a_caller_who_may_not_write_is_403_without_the_body_being_read(database, who, method, path):
    from app.services.tokens import create_token

    token = (create_token(None, ADMIN, scope="read")[1] if who == "read token"
             else api_token(CLIENT_ADMINS["Acme"]))
    body = CountedBody(MEGABYTE)
    response = send(method, path, token, body)
    assert_json_error(response, 403)
    assert body.pulled == 0, body.pulled


# --- over a real socket -------------------------------------------------------------------------


@pytest.fixture
def api_server(database):
    """granian serving the API (tests/support/api_server.py) on this test's database."""
    port = free_port()
    env = {**os.environ, "BEACON_DATABASE_URL": database}
    process = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-ws", "tests.support.api_server:app"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode(errors="replace"))
            time.sleep(0.2)
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def trickle(port: int, token: str, head: str, total: int) -> tuple[bytes, int, float]:
    """Send `head` then `total` bytes of body, 4 KB every 5 ms, until the server answers or closes:
    (the answer's first bytes, how many body bytes had been sent, seconds until the answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head.format(token=token).encode())
    sent = 0
    answered = threading.Event()

    def feed():
        nonlocal sent
        try:
            while sent < total and not answered.is_set():
                sock.sendall(b"x" * CHUNK)
                sent += CHUNK
                time.sleep(0.005)
        except OSError:
            pass  # the server closed the connection: it wants no more

    started = time.monotonic()
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    answer = sock.recv(65536)
    answered.set()
    elapsed, sent_then = time.monotonic() - started, sent
    feeder.join(5)
    sock.close()
    return answer, sent_then, elapsed


def test_over_a_socket_a_10_mb_content_length_is_answered_before_the_body_is_sent(api_server, database):
    token = api_token(ADMIN)
    head = ("POST /api/v1/system-status HTTP/1.1\r\nHost: beacon\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {10 * MEGABYTE}\r\n\r\n")
    answer, sent, elapsed = trickle(api_server, token, head, 10 * MEGABYTE)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"status":413' in answer.replace(b" ", b"")
    assert sent < MEGABYTE, (sent, elapsed)  # the whole trickle would take ~13 s


def test_over_a_socket_a_chunked_body_is_cut_at_64_kb(api_server, database):
    token = api_token(ADMIN)
    head = ("POST /api/v1/system-status HTTP/1.1\r\nHost: beacon\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % CHUNK + b"x" * CHUNK + b"\r\n"

    sock = socket.create_connection(("127.0.0.1", api_server), timeout=30)
    sock.sendall(head.format(token=token).encode())
    sent = 0
    sock.settimeout(0.005)
    answer = b""
    while sent < 10 * MEGABYTE:
        try:
            sock.sendall(chunk)
        except OSError:
            break
        sent += CHUNK
        try:
            answer = sock.recv(65536)
        except TimeoutError:
            continue
        break
    sock.settimeout(5)
    if not answer:
        answer = sock.recv(65536)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < MEGABYTE, sent
