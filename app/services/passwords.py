"""Passwords: the one hasher (argon2), the one check, and the one set of rules a new password
meets. Signing in, creating a user, changing a password, the demo seed and the start-up guard all
come here, so there is one place that says how a password is stored and what it may be."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.rules.demo_accounts import demo_emails, demo_passwords
from app.rules.text import text_problems

# A password is what stands between the open network and a platform admin: 12 characters at
# least, for a changed password and a new account alike (password_problem).
NEW_PASSWORD_MIN_LENGTH = 12
NEW_PASSWORD_MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work per attempt

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """`password` is the one `password_hash` was made from (a malformed hash matches nothing)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash with the real parameters, checked for unknown emails so they cost the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


def is_demo_password(email: str, password: str) -> bool:
    """`password` (just checked against `email`'s hash) is the demo password of a demo account: a
    comparison of strings, no second argon2 check. The start-up guard asks the same two lists."""
    return email in demo_emails() and password in demo_passwords(email)


def password_problem(password: str) -> str | None:
    """What is wrong with `password` as a new password (None: nothing). The one rule for every
    password a person is given: `beacon user password` and `beacon user create` alike."""
    password = password or ""
    problems = text_problems(single_line={"password": password})  # what a password field can hold
    if problems:
        return problems["password"]
    if len(password) < NEW_PASSWORD_MIN_LENGTH:
        return f"Use at least {NEW_PASSWORD_MIN_LENGTH} characters."
    if len(password) > NEW_PASSWORD_MAX_LENGTH:
        return f"Use at most {NEW_PASSWORD_MAX_LENGTH} characters."
    if password in demo_passwords():
        return "That is a demo password; choose another."
    return None
