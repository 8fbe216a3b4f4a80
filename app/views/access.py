"""Finding a row the caller names by id: authorization before existence.

A caller who may not see a row (another tenant's) gets exactly the answer a missing id gets:
the same error type, status and message. Otherwise "forbidden" for one id and "not found" for
the next would tell a prober which ids exist in other tenants. Ids arrive from pages, the API and
the CLI as whatever the sender chose (text, huge numbers, objects): anything that is not a
positive integer a database can hold is simply an id nothing has.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlmodel import Session, select

from app.models import Client, User
from app.rules.actors import Actor
from app.rules.errors import InvalidInput, NotFound
from app.rules.text import text_problem

ID_MAX = 2**63 - 1  # a BIGINT (PostgreSQL) / INTEGER (SQLite): larger ids exist nowhere
ID_MAX_DIGITS = len(str(ID_MAX))
CLIENT_NAME_MAX_LENGTH = 120  # clients.name's column: a longer name is no client's



class _ClientRow(Protocol):
    """A row that belongs to a client (None: a global row)."""

    @property
    def client_id(self) -> int | None: ...


Row = TypeVar("Row", bound=_ClientRow)


def as_row_id(value: Any) -> int | None:
    """A row id as a sender gives it (an int, or its digits as text), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= ID_MAX else None
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= ID_MAX_DIGITS and text.isascii() and text.isdigit():
            number = int(text)
            return number if 0 < number <= ID_MAX else None
    return None


def not_found(noun: str) -> NotFound:
    """The one answer for a missing id and for a row the caller may not see (no id echoed back)."""
    return NotFound(f"No {noun} with that id.")


def visible_row(session: Session, model: type[Row], row_id: Any, actor: Actor | None, noun: str) -> Row:
    """The row `row_id` of `model` if it exists and `actor` may see its client (None: a Beacon
    process or the operator, who see everything); otherwise `not_found(noun)`."""
    wanted = as_row_id(row_id)
    row = session.get(model, wanted) if wanted is not None else None
    if row is None or (actor is not None and not actor.may_see_client(row.client_id)):
        raise not_found(noun)
    return row


def client_by_id(session: Session, client_id: Any) -> Client:
    """A client an operator or a platform admin names by id (they may see every client)."""
    wanted = as_row_id(client_id)
    client = session.get(Client, wanted) if wanted is not None else None
    if client is None:
        raise NotFound(f"No client with id {str(client_id)[:ID_MAX_DIGITS + 1]}.")
    return client


def client_by_name(session: Session, name: str) -> Client:
    """A client by its exact name; a name longer than any client's is looked up nowhere, and one
    holding a control character or a lone surrogate is refused before any query sees it."""
    _refuse_hostile("client", name)
    client = None
    if len(name) <= CLIENT_NAME_MAX_LENGTH:
        client = session.exec(select(Client).where(Client.name == name)).first()
    if client is None:
        raise NotFound(f"No client named {name[:CLIENT_NAME_MAX_LENGTH]!r}.")
    return client


def user_by_email(session: Session, email: str) -> User:
    """A user by (normalized) email, for the operator's and platform admins' account commands."""
    _refuse_hostile("email", email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        raise NotFound(f"No user with email {email!r}.")
    return user


def _refuse_hostile(field: str, name: str) -> None:
    """A name or email to look up holding what no field accepts (app/rules/text.py): InvalidInput
    naming `field`, before a query sees it (PostgreSQL refuses NUL, the drivers lone surrogates)."""
    problem = text_problem(name)
    if problem is not None:
        raise InvalidInput({field: problem})
