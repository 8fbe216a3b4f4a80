"""Hostile: credentials that outlive what should end them, as an attacker would use them.

- A stolen API token kept working after its owner's password was changed: `beacon user password
  --revoke-tokens` revokes them (the real process; the token is then tried on the API).
- `beacon user create` took 8 characters, the demo passwords, and `--password` on the command line
  (shell history, `ps`): it now applies `user password`'s rule and reads stdin or a prompt.
- Signing in over an existing session left the old one alive (a browser shared at a desk): the
  sign-in ends the session whose cookie the browser sent.
- A runner's exception text (a provider's URL, an API key) became the task's reason every user of
  the client reads: users see only its type, the log keeps the text.
"""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa

from app.api.routes import api
from app.db import get_engine
from app.rules.errors import NotAuthenticated
from app.services import auth
from app.web.session import SESSION_COOKIE, protect_session_cookie
from tests.support.api import call_api
from tests.support.cli import beacon, beacon_in_process
from tests.support.factory import api_token, assign, task
from tests.support.loops import run_async

APP = protect_session_cookie(api)  # as app/app.py serves it
NEW_PASSWORD = "a-much-longer-secret"


def one_line(stderr: str) -> bool:
    return stderr.strip() != "" and stderr.strip().count("\n") == 0


# --- a password change and the API tokens ---------------------------------------------------------


def test_after_a_password_change_with_revoke_tokens_the_users_api_token_is_401(database):
    stolen = api_token("ops@acme.demo")
    others = api_token("ops@globex.demo")
    assert call_api("GET", "/api/v1/system-status", stolen).status_code == 200

    done = beacon(database, "user", "password", "--email", "ops@acme.demo", "--password-stdin", "--revoke-tokens",
                  stdin=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "1 API token(s) revoked" in done.stdout

    refused = call_api("GET", "/api/v1/system-status", stolen)
    assert refused.status_code == 401 and refused.json()["error"]["status"] == 401
    assert call_api("GET", "/api/v1/system-status", others).status_code == 200  # nobody else's


def test_without_the_flag_a_password_change_leaves_tokens_alone_and_says_so_in_the_audit(database):
    from sqlmodel import select

    from app.db import read_session
    from app.models import AuditLog

    token = api_token("ops@acme.demo")
    done = beacon_in_process(database, "user", "password", "--email", "ops@acme.demo", "--password-stdin",
                             stdin=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert call_api("GET", "/api/v1/system-status", token).status_code == 200
    with read_session() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "user.password")).one()
    assert row.new_value["tokens_revoked"] == 0


# --- beacon user create -----------------------------------------------------------------------------


@pytest.mark.parametrize("password, problem", [
    ("eight-ch", "at least 12 characters"),  # what the old floor of 8 accepted
    ("beacon-demo", "at least 12 characters"),
    ("beacon-admin", "demo password"),  # 12 characters: refused for what it is
])
def test_user_create_refuses_a_short_or_demo_password_from_stdin(database, password, problem):
    done = beacon_in_process(database, "user", "create", "--email", "pat@acme.demo", "--role", "user",
                             "--client", "Acme", "--password-stdin", stdin=password + "\n")
    assert done.returncode != 0 and problem in done.stderr, done.stderr
    with pytest.raises(NotAuthenticated):
        auth.sign_in("pat@acme.demo", password)  # no account was made


def test_user_create_refuses_a_password_on_the_command_line(database):
    done = beacon(database, "user", "create", "--email", "pat@acme.demo", "--role", "user", "--client", "Acme",
                  "--password", "a-perfectly-long-one")
    assert done.returncode == 2 and one_line(done.stderr), done.stderr
    assert "--password-stdin" in done.stderr and "a-perfectly-long-one" not in done.stderr
    with pytest.raises(NotAuthenticated):
        auth.sign_in("pat@acme.demo", "a-perfectly-long-one")


def test_user_create_reads_the_password_from_stdin(database):
    done = beacon(database, "user", "create", "--email", "pat@acme.demo", "--role", "user", "--client", "Acme",
                  "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert auth.sign_in("pat@acme.demo", NEW_PASSWORD)[1].email == "pat@acme.demo"


def test_user_create_without_a_terminal_asks_for_password_stdin_instead_of_hanging(database):
    done = beacon(database, "user", "create", "--email", "pat@acme.demo", "--role", "user", "--client", "Acme")
    assert done.returncode == 2 and one_line(done.stderr) and "--password-stdin" in done.stderr


# --- signing in over an existing session --------------------------------------------------------


def browser_sign_ins(*credentials: tuple[str, str]) -> list[httpx.Response]:
    """One browser (one cookie jar) posting the sign-in form once per (email, password), in turn."""
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://beacon") as browser:
            answers = []
            for email, password in credentials:
                answers.append(await browser.post("/auth/sign-in", data={"email": email, "password": password}))
            return answers

    return run_async(go())


def cookie_of(response: httpx.Response) -> str:
    return response.cookies[SESSION_COOKIE]


def test_signing_in_again_in_the_same_browser_ends_the_previous_session(database):
    first, second = browser_sign_ins(("ops@acme.demo", "beacon-demo"), ("ops@acme.demo", "beacon-demo"))
    old, new = cookie_of(first), cookie_of(second)
    assert old != new
    with pytest.raises(NotAuthenticated):
        auth.actor_for_session(old)
    assert auth.actor_for_session(new).email == "ops@acme.demo"


def test_another_person_signing_in_at_the_same_browser_ends_the_first_ones_session(database):
    first, second = browser_sign_ins(("ops@acme.demo", "beacon-demo"), ("sam@acme.demo", "beacon-demo"))
    with pytest.raises(NotAuthenticated):
        auth.actor_for_session(cookie_of(first))
    assert auth.actor_for_session(cookie_of(second)).email == "sam@acme.demo"


def test_a_failed_sign_in_leaves_the_browsers_session_alone(database):
    first, wrong = browser_sign_ins(("ops@acme.demo", "beacon-demo"), ("ops@acme.demo", "not-the-password"))
    assert SESSION_COOKIE not in wrong.cookies
    assert auth.actor_for_session(cookie_of(first)).email == "ops@acme.demo"


def test_another_browsers_session_is_untouched(database):
    [elsewhere] = browser_sign_ins(("ops@acme.demo", "beacon-demo"))
    browser_sign_ins(("ops@acme.demo", "beacon-demo"))
    assert auth.actor_for_session(cookie_of(elsewhere)).email == "ops@acme.demo"


# --- a runner's exception text ------------------------------------------------------------------

SECRET = "sk-secret-key"


class LeakyRunner:
    """A runner whose provider call fails with an error holding the URL and the key, as SDKs do."""

    def run(self, task, still_working):
        raise RuntimeError(f"POST https://llm.internal.example/v1/chat?api_key={SECRET} returned 401")


def every_stored_text() -> str:
    """Every row of every table, as text: what any view, page or API answer could be built from."""
    engine = get_engine()
    chunks = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            chunks.extend(repr(tuple(r)) for r in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
    return "\n".join(chunks)


def test_a_runners_exception_text_stays_in_the_log_and_users_see_a_safe_reason(database, caplog):
    from app.db import read_session
    from app.views.lists import ACTIVITY, ListWindow, read_list
    from app.views.tasks import TasksWindow, read_tasks
    from app.worker.loop import Worker

    [task_id] = assign("ops@acme.demo", "Acme", "Outreach Agent", 1)
    with caplog.at_level(logging.ERROR, logger="beacon.worker"):
        assert Worker(LeakyRunner(), name="leaky").run_one() is True

    failed = task(task_id)
    assert failed.status == "failed"
    assert failed.error == "The agent's runner failed (RuntimeError); the details are in the worker's log."
    with read_session() as session:  # what the contact's modal and the activity feed read
        shown = repr(read_tasks(session, TasksWindow(failed.client_id, contact_id=failed.contact_id)))
        shown += repr(read_list(session, ListWindow(ACTIVITY, failed.client_id).normalized()))
    assert "RuntimeError" in shown and SECRET not in shown
    assert SECRET not in every_stored_text()  # tasks, the audit row, the change log: nowhere
    assert SECRET in caplog.text and "llm.internal.example" in caplog.text  # the operator still has it
