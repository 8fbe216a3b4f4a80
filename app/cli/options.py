"""What several commands take alike: who acts (`--as`), a row id, a moment shown in UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from app.cli.base import EXIT_USAGE, fail
from app.config import get_settings

if TYPE_CHECKING:
    from app.rules.actors import Actor

F = TypeVar("F", bound=Callable[..., Any])

ADMIN_ACTS = "The platform admin who acts."
USER_ACTS = "Act as this user instead of the operator."


def acting_option(help: str | None = None) -> Callable[[F], F]:
    """The one `--as EMAIL` option; the command receives it as `acting` (an e-mail or None) and
    says what it means with `admin_actor` or `user_actor`."""
    return click.option("--as", "acting", metavar="EMAIL", help=help)


def admin_actor(email: str | None) -> Actor:
    """`--as EMAIL`, else BEACON_CLI_ACTOR: the platform admin the command acts as (one of them
    must say who)."""
    from app.services.auth import actor_for_email

    email = email or get_settings().cli_actor
    if not email:
        fail("say who acts: --as EMAIL (a platform admin) or BEACON_CLI_ACTOR", EXIT_USAGE)
    return actor_for_email(email)


def user_actor(email: str | None) -> Actor | None:
    """`--as EMAIL`: act as that user (a non-admin manages only their own tokens). Without it, the
    operator acts (whoever can reach the database, as with `beacon user create`)."""
    if not email:
        return None
    from app.services.auth import actor_for_email

    return actor_for_email(email)


class RowId(click.ParamType):
    """A row id the operator typed, by the one id rule (views/access.py `as_row_id`); anything
    else is one line naming the command that lists the ids, and exit 2."""

    name = "id"

    def __init__(self, noun: str, listing: str) -> None:
        self.noun = noun
        self.listing = listing

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from app.views.access import as_row_id

        wanted = as_row_id(value)
        if wanted is None:
            fail(f"{value!r} is not a {self.noun} id: give the number `{self.listing}` shows first", EXIT_USAGE)
        return wanted


def utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "never"
