"""The demo accounts `beacon seed demo` creates and their published passwords.

Known to three parties, so kept below all of them: the seed creates the accounts, sign-in
refuses a demo password from afar (services/auth.py), and the start-up guard refuses to serve
on a network address while one is unchanged (services/users.py, setup/startup_guard.py).
"""

from __future__ import annotations

from typing import TypedDict

PLATFORM_ADMIN_EMAIL = "admin@beacon.demo"
PLATFORM_ADMIN_NAME = "Platform Admin"
ADMIN_PASSWORD = "beacon-admin"  # the demo platform admin's
DEMO_PASSWORD = "beacon-demo"  # every other demo account's


class DemoTeam(TypedDict):
    admin: tuple[str, str]  # email, name
    staff: list[tuple[str, str]]  # email, name


# The demo clients' people: one client admin each, and support staff.
DEMO_TEAMS: dict[str, DemoTeam] = {
    "Acme": {
        "admin": ("ops@acme.demo", "Acme Ops"),
        "staff": [("sam@acme.demo", "Sam Carter"), ("kim@acme.demo", "Kim Lopez")],
    },
    "Globex": {
        "admin": ("ops@globex.demo", "Globex Ops"),
        "staff": [("lee@globex.demo", "Lee Nguyen")],
    },
}


def demo_passwords(email: str = "") -> tuple[str, ...]:
    """Both demo passwords; the one the seed gave `email` first (each check is a slow argon2)."""
    if email == PLATFORM_ADMIN_EMAIL:
        return (ADMIN_PASSWORD, DEMO_PASSWORD)
    return (DEMO_PASSWORD, ADMIN_PASSWORD)


def demo_emails() -> list[str]:
    """The accounts `beacon seed demo` creates, the platform admin first."""
    emails = [PLATFORM_ADMIN_EMAIL]
    for team in DEMO_TEAMS.values():
        emails.append(team["admin"][0])
        emails.extend(email for email, _name in team["staff"])
    return emails
