"""Shared column types and mixins: UTC timestamps, string enums, tenant ownership."""

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {  # named constraints keep migrations stable
    "pk": "pk_%(table_name)s",
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC; refuses naive values; gives UTC back even where SQLite drops the offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum: type[StrEnum]) -> sa.Enum:
    """A VARCHAR holding the seed's spelling, so a new member needs no ALTER TYPE."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
    )


class Timestamped(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UtcDateTime,
        nullable=False,
    )


class Identified(SQLModel):
    id: UUID = Field(default_factory=uuid4, primary_key=True)


class TenantOwned(SQLModel):
    """Every tenant-owned row names its portal; scopes filter on this column."""

    portal_id: UUID = Field(foreign_key="portal.id", index=True, ondelete="CASCADE")


def table_of(model: Any) -> sa.Table:
    return model.__table__
