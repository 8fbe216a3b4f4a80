"""Hostile text, sent as an attacker would: NUL, a lone surrogate and an ANSI escape in every
text field of every API body, in the sign-in form (percent-encoded, as a form carries them), in
the CLI's arguments, and at the services every door calls. Each is refused with the field's
error (a 422 naming the field, the login page's `invalid`, one CLI line), never a 500, and
nothing is written. On PostgreSQL a NUL reaching a query fails the whole statement, so the
sign-in and the searches run there too.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import func, select

from app.api.routes import api
from app.db import read_session
from app.models import AuditLog, MaintenanceWindow, SystemMessage, utc_now
from app.rules.errors import InvalidInput
from app.rules.text import HOSTILE_TEXT, LINE_BREAK_TEXT
from app.web.session import protect_session_cookie
from tests.support.api import call_api as call
from tests.support.cli import beacon, beacon_in_process
from tests.support.factory import ADMIN, CLIENT_ADMINS, actor, contact_ids
from tests.support.loops import run_async

NUL, SURROGATE, ANSI = "\x00", "\ud800", "\x1b[31m"
HOSTILE = {"nul": f"Back{NUL}soon", "surrogate": f"Back{SURROGATE}soon", "ansi": f"{ANSI}Back soon"}
BACKENDS = ["database", pytest.param("postgres_database", marks=pytest.mark.postgres)]

# Each API body with valid values: every text field gets each hostile string in turn.
BODIES = {
    "/api/v1/system-status": {"client_id": None, "status": "maintenance", "message": "Back at noon",
                              "type": "warning", "expires_at": "30m"},
    "/functions/v1/set-system-status": {"client_id": None, "status": "maintenance", "message": "Back at noon",
                                        "type": "warning", "expires_at": "30m"},
    "/api/v1/system-status/bulk": {"client_ids": ["1"], "status": "maintenance", "message": "Patching",
                                   "type": "warning", "expires_at": "30m"},
    "/api/v1/maintenance-windows": {"client_id": None, "starts_at": "1h", "ends_at": "2h",
                                    "message": "Database upgrade"},
}
TEXT_FIELDS = [(path, field) for path, body in BODIES.items() for field, value in body.items()
               if isinstance(value, (str, list))]


def send_json(method: str, path: str, token: str, body) -> httpx.Response:
    """A JSON body as scripts send it: ASCII with \\u escapes, so a lone surrogate arrives as
    "\\ud800" (httpx's own json= cannot encode one)."""
    return call(method, path, token, content=json.dumps(body))


def _written() -> tuple[int, int, int]:
    with read_session() as session:
        return tuple(session.exec(select(func.count()).select_from(model)).one()
                     for model in (SystemMessage, MaintenanceWindow, AuditLog))


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize(("path", "field"), TEXT_FIELDS)
def test_hostile_text_in_any_body_field_is_a_422_naming_it_and_writes_nothing(admin_token, path, field, kind):
    body = dict(BODIES[path])
    body[field] = [HOSTILE[kind]] if isinstance(body[field], list) else HOSTILE[kind]
    before = _written()
    response = send_json("POST", path, admin_token, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == {field: HOSTILE_TEXT}
    assert _written() == before


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_text_in_a_new_end_or_a_field_name_is_a_422(admin_token, kind):
    window = call("POST", "/api/v1/maintenance-windows", admin_token, json=BODIES["/api/v1/maintenance-windows"])
    assert window.status_code == 201, window.text
    changed = send_json("PATCH", f"/api/v1/maintenance-windows/{window.json()['id']}", admin_token,
                        {"ends_at": HOSTILE[kind]})
    assert (changed.status_code, changed.json()["error"]["fields"]) == (422, {"ends_at": HOSTILE_TEXT})
    named = send_json("POST", "/api/v1/system-status", admin_token, {"status": "active", HOSTILE[kind]: "x"})
    assert (named.status_code, named.json()["error"]["fields"]) == (422, {"body": HOSTILE_TEXT})


def test_a_nested_hostile_string_is_found_too(admin_token):
    response = send_json("POST", "/api/v1/system-status", admin_token,
                         {"status": "active", "message": {"deep": [f"x{SURROGATE}"]}})
    assert (response.status_code, response.json()["error"]["fields"]) == (422, {"message": HOSTILE_TEXT})


def test_a_line_break_is_a_422_in_a_one_line_message_and_text_in_a_banner_message(admin_token):
    window = dict(BODIES["/api/v1/maintenance-windows"], message="Database\tupgrade")
    response = call("POST", "/api/v1/maintenance-windows", admin_token, json=window)
    assert (response.status_code, response.json()["error"]["fields"]) == (422, {"message": LINE_BREAK_TEXT})
    published = call("POST", "/api/v1/system-status", admin_token,
                     json={"status": "maintenance", "message": "Back at noon.\nSorry!"})
    assert published.status_code == 200, published.text
    assert published.json()["message"]["message"] == "Back at noon.\nSorry!"


@pytest.mark.parametrize("encoded", ["%00", "%ED%A0%80", "%1B%5B31m"])
def test_hostile_query_and_path_parameters_are_4xx(admin_token, encoded):
    for method, path in (("GET", f"/api/v1/system-status?client={encoded}"),
                         ("GET", f"/api/v1/maintenance-windows?state={encoded}"),
                         ("DELETE", f"/api/v1/maintenance-windows/{encoded}")):
        response = call(method, path, admin_token)
        assert response.status_code < 500, (path, response.text)


# --- the sign-in form -------------------------------------------------------------------------


def _sign_in(content: bytes) -> httpx.Response:
    """POST /auth/sign-in with a urlencoded body as sent (hostile bytes stay as the attacker wrote them)."""
    async def go():
        transport = httpx.ASGITransport(app=protect_session_cookie(api))
        async with httpx.AsyncClient(transport=transport, base_url="http://beacon") as client:
            return await client.post("/auth/sign-in", content=content,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})

    return run_async(go())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("body", [
    b"email=ops%40acme.demo%00&password=beacon-demo",
    b"email=ops%40acme.demo&password=beacon%00demo",
    b"email=%ED%A0%80&password=beacon-demo",  # a lone surrogate's UTF-8 form (invalid UTF-8)
    b"email=ops%40acme.demo&password=%ED%A0%80",
    b"email=\xed\xa0\x80&password=beacon-demo",  # the same, not even percent-encoded
    b"email=%1B%5B31mops%40acme.demo&password=beacon-demo",
    b"email=ops%40acme.demo&password=beacon-demo%0A",
], ids=["nul-email", "nul-password", "surrogate-email", "surrogate-password", "raw-surrogate", "ansi-email",
        "newline-password"])
def test_a_hostile_sign_in_goes_back_to_the_login_page_never_a_500(request, backend, body):
    request.getfixturevalue(backend)
    response = _sign_in(body)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/login" and "set-cookie" not in response.headers
    assert parse_qs(location.query)["error"][0] in ("invalid", "wrong")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", HOSTILE)
def test_the_sign_in_service_refuses_hostile_text_before_any_query(request, backend, kind):
    from app.services import auth

    request.getfixturevalue(backend)
    for email, password in ((HOSTILE[kind], "beacon-demo"), ("ops@acme.demo", HOSTILE[kind])):
        with pytest.raises(InvalidInput) as refused:
            auth.sign_in(email, password, "203.0.113.9")
        assert set(refused.value.fields.values()) == {HOSTILE_TEXT}


# --- the services every door calls --------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
def test_each_written_field_is_refused_beside_its_name(admin, kind):
    from app.services import auth, chats, follow_ups, maintenance, system_status, tasks, tokens, users

    text = HOSTILE[kind]
    acme_admin = actor(CLIENT_ADMINS["Acme"])
    contact = contact_ids("Acme")[0]
    soon = utc_now() + timedelta(hours=1)
    attempts = {
        "publish": (lambda: system_status.publish_system_status(admin, None, "active", text), "message"),
        "bulk": (lambda: system_status.publish_to_clients(admin, [1], "active", text), "message"),
        "scope": (lambda: system_status.client_id_for_scope(admin, text, publishing=True), "client"),
        "window": (lambda: maintenance.schedule_window(admin, None, soon, soon + timedelta(hours=1), text),
                   "message"),
        "follow_up": (lambda: follow_ups.schedule_follow_up(acme_admin, contact, soon, text), "note"),
        "task": (lambda: tasks.assign_task(acme_admin, contact, 1, text), "instructions"),
        "chat": (lambda: chats.create_chat(None, "Acme", text), "subject"),
        "chat_client": (lambda: chats.create_chat(None, text, "Hello"), "client"),
        "user_name": (lambda: auth.create_user(admin, "new@acme.demo", text, "long-enough-pw", "user", "Acme"),
                      "name"),
        "user_email": (lambda: auth.create_user(admin, text, "New", "long-enough-pw", "user", "Acme"), "email"),
        "user_client": (lambda: auth.create_user(admin, "new@acme.demo", "New", "long-enough-pw", "user", text),
                        "client"),
        "token_name": (lambda: tokens.create_token(None, ADMIN, name=text), "name"),
        "token_email": (lambda: tokens.create_token(None, text), "email"),
        "token_list": (lambda: tokens.list_tokens(None, text), "email"),
        "password": (lambda: users.change_password(None, ADMIN, f"a-new-password-{text}"), "password"),
        "cli_actor": (lambda: auth.actor_for_email(text), "email"),
    }
    before = _written()
    for name, (attempt, field) in attempts.items():
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.fields.get(field) == HOSTILE_TEXT, (name, refused.value.fields)
    assert _written() == before


def test_line_breaks_are_refused_only_in_one_line_fields(admin):
    from app.services import follow_ups, maintenance, system_status, tasks

    acme_admin = actor(CLIENT_ADMINS["Acme"])
    contact = contact_ids("Acme")[0]
    soon = utc_now() + timedelta(hours=1)
    with pytest.raises(InvalidInput) as refused:
        maintenance.schedule_window(admin, None, soon, soon + timedelta(hours=1), "Database\nupgrade")
    assert refused.value.fields == {"message": LINE_BREAK_TEXT}
    system_status.publish_system_status(admin, None, "active", "Two\nlines")
    follow_ups.schedule_follow_up(acme_admin, contact, soon, "Call back.\n\tAsk about the invoice.")
    tasks.assign_task(acme_admin, contact, _outreach_agent_of("Acme"), "Line one\r\nLine two")


def _outreach_agent_of(client: str) -> int:
    from tests.support.factory import OUTREACH, agent_id

    return agent_id(client, OUTREACH)


# --- the read side --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_why_a_search_is_checked_before_its_query_postgresql_refuses_nul(postgres_database):
    """The hazard the rule closes: a NUL reaching a contacts search fails PostgreSQL's read."""
    import sqlalchemy.exc

    from app.views.contacts import ContactsWindow, read_contacts_page

    with read_session() as session, pytest.raises((sqlalchemy.exc.DataError, ValueError)):
        read_contacts_page(session, ContactsWindow(client_id=None, search=f"a{NUL}b").normalized())


# --- the CLI ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_cli_argument_is_one_line_and_exit_2(database, kind):
    before = _written()
    done = beacon_in_process(database, "status", "set", "--as", ADMIN, "--status", "maintenance",
                             "--message", HOSTILE[kind])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"beacon: --message: {HOSTILE_TEXT}"]
    assert _written() == before


def test_undecodable_bytes_in_argv_are_one_line_in_the_real_process(database):
    """Bytes that are not UTF-8 reach Python's argv as lone surrogates (surrogateescape)."""
    done = beacon(database, "chat", "create", "--client", "Acme", "--subject", os.fsdecode(b"Hello \xed\xa0\x80"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"beacon: --subject: {HOSTILE_TEXT}"]
