"""Creating and migrating the database with the one Alembic chain."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def upgrade_database() -> None:
    command.upgrade(alembic_config(), "head")
