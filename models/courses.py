"""Catalog: categories, courses and their sections."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, str_enum
from models.certificates import Certifying


class CategoryType(StrEnum):
    COURSE = "course"
    MODULE = "module"
    PRODUCT = "product"
    QUESTION = "question"
    LEARNING_PATH = "learning_path"
    USER = "user"


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class GradingRule(StrEnum):
    NO_GRADING = "no_grading"
    AVG_ALL_MODULES = "avg_all_modules"
    AVG_SPECIFIC_MODULES = "avg_specific_modules"


class DurationRule(StrEnum):
    UNLIMITED = "unlimited"
    ON_SPECIFIC_DATE = "on_specific_date"
    X_DAYS_AFTER_START = "x_days_after_start"
    X_DAYS_AFTER_ENROLLMENT = "x_days_after_enrollment"


class QuizScorePolicy(StrEnum):
    """Which quiz attempt is the module's score: the latest (003) or the best."""

    LATEST = "latest"
    BEST = "best"


class Category(Identified, TenantOwned, Timestamped, table=True):
    __table_args__ = (UniqueConstraint("portal_id", "type", "name"),)
    name: str = Field(max_length=200)
    type: CategoryType = Field(default=CategoryType.COURSE, sa_type=str_enum(CategoryType))


class Course(Identified, TenantOwned, Timestamped, Certifying, table=True):
    __table_args__ = (
        UniqueConstraint("portal_id", "slug"),
        Index("ix_course_portal_id_created_at_id", "portal_id", "created_at", "id"),
    )
    title: str = Field(max_length=300)
    slug: str = Field(max_length=120)
    description: str = Field(default="", max_length=100_000)
    status: CourseStatus = Field(default=CourseStatus.DRAFT, sa_type=str_enum(CourseStatus))
    grading_rule: GradingRule = Field(default=GradingRule.NO_GRADING, sa_type=str_enum(GradingRule))
    duration_rule: DurationRule = Field(default=DurationRule.UNLIMITED, sa_type=str_enum(DurationRule))
    duration_days: int | None = Field(default=None)
    duration_date: date | None = Field(default=None)
    price_amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=3)
    price_currency: str | None = Field(default=None, max_length=3)  # ISO 4217
    shared_with_sub_portals: bool = Field(default=False)
    min_passing_percentage: float | None = Field(default=None, description="R21 pass mark; null: any grade passes.")
    quiz_score_policy: QuizScorePolicy = Field(default=QuizScorePolicy.LATEST, sa_type=str_enum(QuizScorePolicy))


class CourseCategory(Identified, TenantOwned, table=True):
    __table_args__ = (UniqueConstraint("course_id", "category_id"),)
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    category_id: UUID = Field(foreign_key="category.id", index=True, ondelete="CASCADE")


class CourseInstructor(Identified, TenantOwned, table=True):
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")


class GradeModule(Identified, TenantOwned, table=True):
    """The modules an AVG_SPECIFIC_MODULES course averages (003 `gradeModules`)."""

    __table_args__ = (UniqueConstraint("course_id", "module_id"),)
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", index=True, ondelete="CASCADE")


class Section(Identified, TenantOwned, Timestamped, table=True):
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    position: int = Field(default=0)
