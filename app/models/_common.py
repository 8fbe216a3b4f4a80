"""Helpers shared by the table modules."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, cast, overload

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Field


def utc_now() -> datetime:
    """Aware UTC: SQLModel's datetime columns store and return UTC with its zone."""
    return datetime.now(UTC)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """The id of a stored row. A table's `id` is None only on a new row before its flush (the
    database assigns it), so a row read back or flushed has one: asking before is a bug."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def id_column(model: type[_Row]) -> Mapped[int]:
    """A table's id as a query column, typed as the database holds it: a primary key is never NULL.
    (SQLModel types the class attribute as the field, `int | None`, for the new row before its flush.)"""
    return cast(Mapped[int], model.id)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC from what a column or a caller gives (SQLite hands naive UTC back; a caller may
    give another zone); None stays None."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StoredEnum(sa.types.TypeDecorator):
    """A StrEnum in a plain VARCHAR column: the schema is the same string column as before (no
    database enum type, so no migration), reads come back as members and writes take members or
    their values. A value outside the enum (a plain SQL writer's) reads back as the bare string,
    so a page still shows it rather than failing."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return value.value if isinstance(value, StrEnum) else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return value


def enum_field(enum: type[StrEnum], max_length: int, **field: Any) -> Any:
    """A SQLModel Field typed as `enum`, kept as VARCHAR(max_length)."""
    return Field(sa_type=StoredEnum(enum, max_length), **field)
