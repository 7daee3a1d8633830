"""Assignments (003 § Assignments, R25): a learner's submissions to an ASSIGNMENT module, each
graded, or sent back, by the course's staff."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"
    GRADED = "graded"
    REJECTED = "rejected"


class AssignmentSubmission(Identified, TenantOwned, Timestamped, table=True):
    """003 AssignmentSubmission: one submission (numbered from 1 per learner and module; a
    rejected one is followed by the next). `files` hold storage keys, never the bytes; `score`
    is a percent, `points` the sum of the rubric's criteria (004 criteria) when it has them."""

    __table_args__ = (
        UniqueConstraint("enrollment_id", "module_id", "number"),
        Index("ix_assignmentsubmission_module_id_created_at_id", "module_id", "created_at", "id"),
        Index("ix_assignmentsubmission_enrollment_id_created_at_id", "enrollment_id", "created_at", "id"),
    )
    enrollment_id: UUID = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    number: int
    status: SubmissionStatus = Field(default=SubmissionStatus.SUBMITTED, sa_type=str_enum(SubmissionStatus))
    text: str | None = Field(default=None, max_length=50_000)
    files: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    score: float | None = Field(default=None)
    points: float | None = Field(default=None)
    criteria: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    feedback: str | None = Field(default=None, max_length=10_000)
    graded_by_id: UUID | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    submitted_at: datetime = Field(sa_type=UtcDateTime)
    graded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
