"""The audit trail: one row per applied mutation, written in that mutation's transaction."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index
from sqlmodel import Field

from models.base import Identified, UtcDateTime


class AuditEvent(Identified, table=True):
    """`portal_id` is null only for what happens outside any portal (a multi-portal sign-in)."""

    __table_args__ = (Index("ix_auditevent_portal_id_at_id", "portal_id", "at", "id"),)
    portal_id: UUID | None = Field(default=None, foreign_key="portal.id", ondelete="CASCADE")
    actor_user_id: UUID | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    actor_api_key_id: UUID | None = Field(default=None, foreign_key="apikey.id", ondelete="SET NULL")
    action: str = Field(max_length=80, index=True)
    target_type: str | None = Field(default=None, max_length=80)
    target_id: UUID | None = Field(default=None, index=True)
    at: datetime = Field(sa_type=UtcDateTime)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
