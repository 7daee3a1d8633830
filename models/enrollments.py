"""Learning records: enrollments (003 registrations, 004 subscriptions) and progress per module."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class EnrollmentStatus(StrEnum):
    NOT_STARTED = "Not Started"
    IN_PROGRESS = "In Progress"
    COMPLETED = "Completed"


class EnrollmentSource(StrEnum):
    MANUAL = "manual"
    GROUP = "group"
    LEARNING_PATH = "learning_path"
    ORDER = "order"
    API = "api"


class ModuleProgressStatus(StrEnum):
    NOT_STARTED = "Not Started"
    IN_PROGRESS = "In Progress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class Enrollment(Identified, TenantOwned, Timestamped, table=True):
    """One user in one course. Access is `revoked_at` and `expires_at`; progress lives per module.

    `starts_at` is 004's start date (invisible before it); `started_at` is the first launch.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrollment_course_id_created_at_id", "course_id", "created_at", "id"),
        Index("ix_enrollment_user_id_created_at_id", "user_id", "created_at", "id"),
    )
    user_id: UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    course_id: UUID = Field(foreign_key="course.id", ondelete="CASCADE")
    status: EnrollmentStatus = Field(default=EnrollmentStatus.NOT_STARTED, sa_type=str_enum(EnrollmentStatus))
    source: EnrollmentSource = Field(default=EnrollmentSource.MANUAL, sa_type=str_enum(EnrollmentSource))
    enrolled_at: datetime = Field(sa_type=UtcDateTime)
    starts_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    expiry_set: bool = Field(default=False, description="Set by hand (Set Expiry): duration rules no longer apply.")
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    grade: float | None = Field(default=None)
    passed: bool | None = Field(default=None)
    grade_overridden: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa.false()},
        description="gradeOverride set grade and passed by hand: recomputation leaves them until cleared.",
    )


class ModuleProgress(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("enrollment_id", "module_id"),)
    enrollment_id: UUID = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", index=True, ondelete="CASCADE")
    status: ModuleProgressStatus = Field(
        default=ModuleProgressStatus.NOT_STARTED, sa_type=str_enum(ModuleProgressStatus)
    )
    score: float | None = Field(default=None)
    passed: bool | None = Field(default=None)
    attempts: int = Field(default=0)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OutboxEvent(Identified, TenantOwned, table=True):
    """A webhook event (contract §9), written in the transaction of the change it reports."""

    __table_args__ = (Index("ix_outboxevent_delivered_at_occurred_at", "delivered_at", "occurred_at"),)
    event: str = Field(max_length=60)
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
