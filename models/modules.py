"""Modules: one table for the 12 kinds; the kind's own fields live in `details` (JSON)."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Index
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class ModuleKind(StrEnum):
    TEXT = "text"
    VIDEO = "video"
    PDF = "pdf"
    PRESENTATION = "powerpoint"
    FLASHCARDS = "flashcards"
    SCORM = "scorm"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    DISCUSSION = "discussion"
    SURVEY = "survey"
    LIVE_SESSION = "webinar"
    EXTERNAL = "external"


class DripRule(StrEnum):
    IMMEDIATELY = "immediately"
    FIXED_DATE = "fixed_date"
    SPECIFIC_INTERVAL = "specific_interval"


class DripIntervalUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class DripReference(StrEnum):
    REGISTRATION_DATE = "registration_date"
    STARTED_DATE = "started_date"


class Module(Identified, TenantOwned, Timestamped, table=True):
    """`position` orders the course's whole curriculum; a section only groups."""

    __table_args__ = (Index("ix_module_course_id_position", "course_id", "position"),)
    course_id: UUID = Field(foreign_key="course.id", ondelete="CASCADE")
    section_id: UUID | None = Field(default=None, foreign_key="section.id", index=True, ondelete="SET NULL")
    kind: ModuleKind = Field(sa_type=str_enum(ModuleKind))
    title: str = Field(max_length=300)
    position: int = Field(default=0)
    is_required: bool = Field(default=True)
    drip_rule: DripRule = Field(default=DripRule.IMMEDIATELY, sa_type=str_enum(DripRule))
    drip_date: datetime | None = Field(default=None, sa_type=UtcDateTime)
    drip_interval: int | None = Field(default=None)
    drip_interval_unit: DripIntervalUnit | None = Field(default=None, sa_type=str_enum(DripIntervalUnit))
    drip_reference: DripReference | None = Field(default=None, sa_type=str_enum(DripReference))
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
