"""`beacon user password`: the operator changes a password; the old one stops working, the user's
sign-in sessions end, and bad input is one line and a non-zero exit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.cli import beacon


def one_line(stderr: str) -> bool:
    return stderr.strip() != "" and stderr.strip().count("\n") == 0


def test_the_cli_changes_a_password_and_the_old_one_no_longer_signs_in(database):
    from app.rules.errors import NotAuthenticated
    from app.services import auth

    token, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    done = beacon(database, "user", "password", "--email", "sam@acme.demo", "--password-stdin",
                  stdin="a-much-longer-secret\n")
    assert done.returncode == 0, done.stderr
    assert "Password of sam@acme.demo changed; 1 sign-in session(s) ended." in done.stdout

    with pytest.raises(NotAuthenticated):
        auth.sign_in("sam@acme.demo", "beacon-demo")
    with pytest.raises(NotAuthenticated):  # the session opened with the old password has ended
        auth.actor_for_session(token)
    _, actor = auth.sign_in("sam@acme.demo", "a-much-longer-secret")
    assert actor.email == "sam@acme.demo"
    auth.sign_in("kim@acme.demo", "beacon-demo")  # nobody else is affected


def test_the_change_is_audited_without_the_password(database):
    from app.db import read_session
    from app.models import AuditLog

    assert beacon(database, "user", "password", "--email", "ops@acme.demo", "--password-stdin",
                  stdin="a-much-longer-secret\n").returncode == 0
    with read_session() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "user.password")).one()
    assert row.target_type == "user" and row.new_value["email"] == "ops@acme.demo"
    assert "a-much-longer-secret" not in repr(row.new_value) + repr(row.old_value)


@pytest.mark.parametrize("password, problem", [
    ("too-short", "at least 12 characters"),
    ("beacon-admin", "demo password"),  # 12 characters: refused for what it is, not its length
])
def test_a_weak_password_fails_with_one_line_and_changes_nothing(database, password, problem):
    from app.services import auth

    done = beacon(database, "user", "password", "--email", "admin@beacon.demo", "--password-stdin",
                  stdin=password + "\n")
    assert done.returncode != 0
    assert one_line(done.stderr) and problem in done.stderr, done.stderr
    auth.sign_in("admin@beacon.demo", "beacon-admin")  # unchanged


def test_an_unknown_email_fails_readably(database):
    done = beacon(database, "user", "password", "--email", "nobody@acme.demo", "--password-stdin",
                  stdin="a-much-longer-secret\n")
    assert done.returncode != 0 and one_line(done.stderr) and "No user with email" in done.stderr


def test_without_a_terminal_it_asks_for_password_stdin_instead_of_hanging(database):
    done = beacon(database, "user", "password", "--email", "admin@beacon.demo")
    assert done.returncode != 0 and one_line(done.stderr) and "--password-stdin" in done.stderr


def test_the_service_lets_users_change_only_their_own_password_unless_platform_admin(database):
    from app.rules.errors import Forbidden
    from app.services.auth import actor_for_email
    from app.services.users import change_password

    with pytest.raises(Forbidden):
        change_password(actor_for_email("ops@acme.demo"), "sam@acme.demo", "a-much-longer-secret")
    change_password(actor_for_email("ops@acme.demo"), "ops@acme.demo", "a-much-longer-secret")
    change_password(actor_for_email("admin@beacon.demo"), "sam@acme.demo", "a-much-longer-secret")
