"""Learning paths (003 R27): ordered courses, some of them prerequisites of the ones after them."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum
from models.certificates import Certifying


class LearningPathStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "publish"


class LearningPath(Identified, TenantOwned, Timestamped, Certifying, table=True):
    __table_args__ = (UniqueConstraint("portal_id", "slug"),)
    name: str = Field(max_length=300)
    slug: str = Field(max_length=120)
    description: str = Field(default="", max_length=100_000)
    status: LearningPathStatus = Field(default=LearningPathStatus.DRAFT, sa_type=str_enum(LearningPathStatus))


class LearningPathCourse(Identified, TenantOwned, table=True):
    """A course's place in a path; a prerequisite must be completed before later courses open."""

    __table_args__ = (UniqueConstraint("learning_path_id", "course_id"),)
    learning_path_id: UUID = Field(foreign_key="learningpath.id", index=True, ondelete="CASCADE")
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    position: int
    is_prerequisite: bool = Field(default=False)


class LearningPathEnrollment(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("learning_path_id", "user_id"),)
    learning_path_id: UUID = Field(foreign_key="learningpath.id", index=True, ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    enrolled_at: datetime = Field(sa_type=UtcDateTime)
    completed_at: datetime | None = Field(
        default=None, sa_type=UtcDateTime, description="When every course of the path was first completed (R27)."
    )
