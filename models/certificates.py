"""Certificates (DOMAIN 2.4, R28): templates an admin designs, certificates issued from them."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime


class CertificateFieldKey(StrEnum):
    """003 § Field Keys Lookup: what a field of a template prints."""

    STUDENT_FIRST_NAME = "student_first_name"
    STUDENT_LAST_NAME = "student_last_name"
    STUDENT_FULL_NAME = "student_full_name"
    COURSE_NAME = "course_name"
    ISSUE_DATE = "issue_date"
    EXPIRY_DATE = "expiry_date"
    INSTRUCTOR_NAME = "instructor_name"
    CERTIFICATE_CODE = "certificate_code"
    COURSE_CREDIT = "course_credit"
    LEARNING_PATH_NAME = "learning_path_name"
    LEARNING_PATH_CREDIT = "learning_path_credit"
    CUSTOM_TEXT = "custom_text"


class Certifying(SQLModel):
    """What completing a course or a learning path earns (R28, R27): a template, how long the
    certificate is valid and the recertification window after that."""

    certificate_template_id: UUID | None = Field(
        default=None, foreign_key="certificatetemplate.id", index=True, ondelete="SET NULL"
    )
    certificate_expires_after: int | None = Field(default=None, description="Days; null: never expires.")
    certificate_expires_after_grace_period: int | None = Field(default=None, description="Days to recertify (Q21).")


class CertificateTemplate(Identified, TenantOwned, Timestamped, table=True):
    """A page of `width` × `height` pixels over a background, with fields placed on it."""

    __table_args__ = (Index("ix_certificatetemplate_portal_id_created_at_id", "portal_id", "created_at", "id"),)
    name: str = Field(max_length=200)
    width: int
    height: int
    background_url: str | None = Field(default=None, max_length=2048)
    fields: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class Certificate(Identified, TenantOwned, Timestamped, table=True):
    """One issued certificate, for a course or (R27) a learning path. Revoking keeps the row
    (history); a removed enrollment leaves it to its user and course, so a verification code never
    silently stops naming what it certified."""

    __table_args__ = (
        UniqueConstraint("code"),
        Index("ix_certificate_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_certificate_enrollment_id_issued_at", "enrollment_id", "issued_at"),
        Index(  # at most one certificate in force per enrollment, even under concurrent issuing
            "uq_certificate_enrollment_id_unrevoked",
            "enrollment_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
        Index(
            "uq_certificate_learning_path_enrollment_id_unrevoked",
            "learning_path_enrollment_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
        sa.CheckConstraint("(course_id IS NULL) <> (learning_path_id IS NULL)", name="course_or_learning_path"),
    )
    code: str = Field(max_length=40, description="The verification code, unique across the service.")
    enrollment_id: UUID | None = Field(default=None, foreign_key="enrollment.id", ondelete="SET NULL")
    user_id: UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    course_id: UUID | None = Field(default=None, foreign_key="course.id", index=True, ondelete="CASCADE")
    learning_path_id: UUID | None = Field(default=None, foreign_key="learningpath.id", index=True, ondelete="CASCADE")
    learning_path_enrollment_id: UUID | None = Field(
        default=None, foreign_key="learningpathenrollment.id", ondelete="SET NULL"
    )
    template_id: UUID | None = Field(default=None, foreign_key="certificatetemplate.id", ondelete="SET NULL")
    issued_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    grace_days: int | None = Field(default=None, description="Recertification window after expiry (Q21).")
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
