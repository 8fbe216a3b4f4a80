"""Sign-in sessions, presence on sign-in/out, users and API tokens."""

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import User
from app.rules.errors import InvalidInput, NotAuthenticated
from app.services import auth
from tests.support.factory import human_agent


def test_a_wrong_password_does_not_sign_in(database):
    with pytest.raises(NotAuthenticated):
        auth.sign_in("ops@acme.demo", "wrong-password")


def test_passwords_are_stored_hashed(database):
    with read_session() as session:
        user = session.exec(select(User).where(User.email == "ops@acme.demo")).one()
    assert "beacon-demo" not in user.password_hash and user.password_hash.startswith("$argon2")


def test_a_session_token_identifies_the_user_until_sign_out(database):
    token, actor = auth.sign_in("OPS@acme.demo ", "beacon-demo")
    assert auth.actor_for_session(token).email == "ops@acme.demo"
    auth.sign_out(token)
    with pytest.raises(NotAuthenticated):
        auth.actor_for_session(token)


def test_support_staff_become_available_on_sign_in_and_offline_on_sign_out(database):
    token, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    assert human_agent("sam@acme.demo").status == "available"
    auth.sign_out(token)
    assert human_agent("sam@acme.demo").status == "offline"


def test_signing_out_one_session_keeps_the_agent_available_while_another_is_open(database):
    first, _ = auth.sign_in("sam@acme.demo", "beacon-demo")
    auth.sign_in("sam@acme.demo", "beacon-demo")
    auth.sign_out(first)
    assert human_agent("sam@acme.demo").status == "available"


def test_an_api_token_acts_as_its_user_and_is_stored_hashed(database):
    token = auth.create_api_token("admin@beacon.demo")
    assert auth.actor_for_api_token(token).is_platform_admin
    with pytest.raises(NotAuthenticated):
        auth.actor_for_api_token(token + "x")


def test_creating_a_user_validates_every_field(database):
    with pytest.raises(InvalidInput) as raised:
        auth.create_user(None, "not-an-email", "", "short", "wizard", None)
    assert set(raised.value.fields) == {"email", "password", "role", "client"}


def test_support_staff_created_later_are_human_agents_of_their_client(database):
    auth.create_user(None, "new@acme.demo", "New Agent", "long-enough-pw", "support_staff", "Acme")
    assert human_agent("new@acme.demo").status == "offline"
