"""The demo data of the test contract, seeded into an empty database."""

from __future__ import annotations

import functools

from sqlmodel import select

from app.db import transaction
from app.models import AIAgent, AIAgentKind, Chat, Client, Contact, HumanAgent, Role, User, id_of
from app.rules.demo_accounts import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    DEMO_TEAMS,
    PLATFORM_ADMIN_EMAIL,
    PLATFORM_ADMIN_NAME,
)
from app.services.passwords import hash_password

DEMO_MAX_CHATS = 3

DEMO_CHATS = ("Order arrived damaged", "Question about an invoice")  # handed off, waiting for an agent


# Each demo client's contacts (name, email, company); its people are in rules/demo_accounts.py.
DEMO_CONTACTS: dict[str, list[tuple[str, str, str]]] = {
    "Acme": [
        ("Ada Byrne", "ada@northwind.example", "Northwind"),
        ("Ben Okafor", "ben@contoso.example", "Contoso"),
        ("Chloe Martin", "chloe@fabrikam.example", "Fabrikam"),
        ("Dev Patel", "dev@tailspin.example", "Tailspin"),
    ],
    "Globex": [
        ("Eva Schmidt", "eva@initech.example", "Initech"),
        ("Farid Haddad", "farid@umbrella.example", "Umbrella"),
        ("Grace Kim", "grace@hooli.example", "Hooli"),
    ],
}


@functools.cache
def _demo_password_hash(password: str) -> str:
    """The argon2 hash (production parameters) of a published demo password, made once per
    process: each hash takes a deliberately slow ~0.1 s, and a process that seeds many databases
    (the test suite seeds one per test) needs no fresh salt for a password everybody knows."""
    return hash_password(password)


def seed_demo_if_empty() -> bool:
    """Seed the demo data when the database has no users; returns whether it seeded."""
    with transaction() as session:
        if session.exec(select(User).limit(1)).first() is not None:
            return False
        admin_hash = _demo_password_hash(ADMIN_PASSWORD)
        demo_hash = _demo_password_hash(DEMO_PASSWORD)
        session.add(User(email=PLATFORM_ADMIN_EMAIL, name=PLATFORM_ADMIN_NAME,
                         role=Role.PLATFORM_ADMIN, password_hash=admin_hash))
        for client_name, spec in DEMO_TEAMS.items():
            client = Client(name=client_name)
            session.add(client)
            session.flush()
            client_id = id_of(client)
            email, name = spec["admin"]
            session.add(User(email=email, name=name, role=Role.CLIENT_ADMIN,
                             client_id=client_id, password_hash=demo_hash))
            for email, name in spec["staff"]:
                user = User(email=email, name=name, role=Role.SUPPORT_STAFF,
                            client_id=client_id, password_hash=demo_hash)
                session.add(user)
                session.flush()
                session.add(HumanAgent(user_id=id_of(user), client_id=client_id, max_chats=DEMO_MAX_CHATS))
            session.add(AIAgent(client_id=client_id, name="Outreach Agent", kind=AIAgentKind.OUTREACH))
            session.add(AIAgent(client_id=client_id, name="Follow-up Agent", kind=AIAgentKind.FOLLOW_UP))
            for name, email, company in DEMO_CONTACTS[client_name]:
                session.add(Contact(client_id=client_id, name=name, email=email, company=company))
            for subject in DEMO_CHATS:
                session.add(Chat(client_id=client_id, subject=subject))
    return True
