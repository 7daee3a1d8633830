"""Portals: the tenants. A sub-portal has one parent; `path` makes a subtree one LIKE away."""

from uuid import UUID

from sqlmodel import Field

from models.base import Identified, Timestamped

MAX_PORTAL_DEPTH = 8


class Portal(Identified, Timestamped, table=True):
    """`path` is the ids from the root down to this portal, each followed by '/'."""

    name: str = Field(max_length=200)
    slug: str = Field(max_length=120, unique=True)
    parent_id: UUID | None = Field(default=None, foreign_key="portal.id", index=True, ondelete="CASCADE")
    path: str = Field(max_length=400, index=True)
    time_zone: str = Field(default="UTC", max_length=64)
    is_active: bool = Field(default=True)
    total_seats: int | None = Field(default=None)
    brand_color: str | None = Field(default=None, max_length=20)
    logo_url: str | None = Field(default=None, max_length=2048)
