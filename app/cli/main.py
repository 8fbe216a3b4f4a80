"""`beacon`: the command line, thin over the services; one module per family of commands."""

from __future__ import annotations

import click

from app.cli.base import Group
from app.cli.database import db, doctor, prune, seed
from app.cli.maintenance import maintenance
from app.cli.status import message, status
from app.cli.tokens import token
from app.cli.users import user
from app.cli.work import chat, worker


@click.group(cls=Group)
def main() -> None:
    """Beacon's command line: status, messages, users, tokens and the database."""


for command in (status, message, maintenance, token, user, db, doctor, seed, prune, chat, worker):
    main.add_command(command)
