"""Discussions and surveys (003 § Discussions, § Surveys): posts in a DISCUSSION module, one
response per learner to a SURVEY module."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime


class DiscussionPost(Identified, TenantOwned, Timestamped, table=True):
    """003 DiscussionComment: a post (or a reply to one of the same module) by a learner, through
    their enrollment, or by the course's staff (no enrollment)."""

    __table_args__ = (Index("ix_discussionpost_module_id_created_at_id", "module_id", "created_at", "id"),)
    module_id: UUID = Field(foreign_key="module.id", ondelete="CASCADE")
    author_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    enrollment_id: UUID | None = Field(default=None, foreign_key="enrollment.id", index=True, ondelete="SET NULL")
    reply_to_id: UUID | None = Field(default=None, foreign_key="discussionpost.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=10_000)


class SurveyResponse(Identified, TenantOwned, Timestamped, table=True):
    """003 SurveySubmission: one learner's answers to a survey, the field labels kept with them."""

    __table_args__ = (
        UniqueConstraint("enrollment_id", "module_id"),
        Index("ix_surveyresponse_module_id_created_at_id", "module_id", "created_at", "id"),
    )
    enrollment_id: UUID = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    submitted_at: datetime = Field(sa_type=UtcDateTime)
    answers: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class DiscussionEvaluation(Identified, TenantOwned, Timestamped, table=True):
    """003 Evaluate (R26): an instructor's points for a learner's participation in an evaluated
    discussion; evaluating again replaces them."""

    __table_args__ = (UniqueConstraint("enrollment_id", "module_id"),)
    enrollment_id: UUID = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", index=True, ondelete="CASCADE")
    points_awarded: float
    score: float = Field(description="The points as a percent of the discussion's totalPoints (R19).")
    instructor_message: str | None = Field(default=None, max_length=10_000)
    evaluated_by_id: UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    evaluated_at: datetime = Field(sa_type=UtcDateTime)
