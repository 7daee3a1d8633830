"""Accounts, their memberships in portals, and learner groups."""

from enum import StrEnum
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, str_enum


class Role(StrEnum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    LEARNER = "learner"


class User(Identified, Timestamped, table=True):
    """One account across the service: email is unique everywhere, stored lower-cased."""

    email: str = Field(max_length=320, unique=True)
    full_name: str = Field(max_length=200)
    avatar_url: str | None = Field(default=None, max_length=2048)
    classroom_user_id: str = Field(max_length=50, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    is_active: bool = Field(default=True)


class Membership(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("portal_id", "user_id"),)
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=str_enum(Role))


class Group(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("portal_id", "name"),)
    name: str = Field(max_length=200)
    external_id: str | None = Field(default=None, max_length=120)


class GroupMember(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)
    group_id: UUID = Field(foreign_key="group.id", index=True, ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
