"""Live sessions (002 LiveMinutes meetings, 000 LearnCube classes): a session of a course, its
participants, and the time segments the virtual classroom reports."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class LiveSessionStatus(StrEnum):
    """Contract `LiveSessionStatus`; STARTED … HOST_QUIT are 002's meeting statuses 1, 8, 12, 11."""

    SCHEDULED = "scheduled"
    STARTED = "started"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    HOST_QUIT = "host_quit"
    CANCELLED = "cancelled"


class ParticipantStatus(StrEnum):
    """Contract `ParticipantStatus`; ACCEPTED … QUIT are 002's participant statuses 2, 3, 10, 11."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"
    QUIT = "quit"


class SegmentKind(StrEnum):
    """000's requests that report class time."""

    END_LESSON = "end_lesson"
    CRASH_LESSON = "crash_lesson"


class LiveSession(Identified, TenantOwned, Timestamped, table=True):
    """One class: hosted by a staff member for a course (optionally its LIVE_SESSION module).

    `classroom_token` is the credential LearnCube sends back (≥ 128 bits, letters and digits);
    `meeting_key` is the provider's name for the meeting."""

    __table_args__ = (Index("ix_livesession_portal_id_created_at_id", "portal_id", "created_at", "id"),)
    course_id: UUID = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    module_id: UUID | None = Field(default=None, foreign_key="module.id", index=True, ondelete="SET NULL")
    host_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UtcDateTime)
    duration_minutes: int
    status: LiveSessionStatus = Field(default=LiveSessionStatus.SCHEDULED, sa_type=str_enum(LiveSessionStatus))
    provider: str = Field(max_length=40)
    meeting_key: str = Field(max_length=100)
    meeting_url: str | None = Field(default=None, max_length=2048)
    host_url: str | None = Field(default=None, max_length=2048)
    classroom_token: str = Field(max_length=64, unique=True)
    record: bool = Field(default=False)
    attended_seconds: int = Field(default=0)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    crashed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LiveSessionParticipant(Identified, TenantOwned, Timestamped, table=True):
    """A learner invited to a session, with their own join URL and attended time."""

    __table_args__ = (
        UniqueConstraint("live_session_id", "user_id"),
        Index("ix_livesessionparticipant_live_session_id_created_at_id", "live_session_id", "created_at", "id"),
    )
    live_session_id: UUID = Field(foreign_key="livesession.id", ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status: ParticipantStatus = Field(default=ParticipantStatus.INVITED, sa_type=str_enum(ParticipantStatus))
    join_url: str | None = Field(default=None, max_length=2048)
    attended_seconds: int = Field(default=0)


class ClassroomSegment(Identified, TenantOwned, Timestamped, table=True):
    """One `time` LearnCube reported (R47: they all add up; two may have the same length)."""

    __table_args__ = (
        Index("ix_classroomsegment_live_session_id_created_at_id", "live_session_id", "created_at", "id"),
    )
    live_session_id: UUID = Field(foreign_key="livesession.id", ondelete="CASCADE")
    user_id: UUID | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    request: SegmentKind = Field(sa_type=str_enum(SegmentKind))
    seconds: int
    received_at: datetime = Field(sa_type=UtcDateTime)
