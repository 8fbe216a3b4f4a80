"""Creating and migrating the database with the one Alembic chain."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def upgrade_database() -> None:
    command.upgrade(alembic_config(), "head")


def create_database_if_missing() -> bool:
    """PostgreSQL only: create the configured database when the server does not have it yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    from app.config import get_settings

    settings = get_settings()
    if settings.is_sqlite:
        return False  # SQLite creates its file on first use
    url = settings.database_url
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True
