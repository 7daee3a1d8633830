"""Quizzes (003 § A Quiz Module, § Manage Questions): questions with their choices, and attempts."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class QuestionType(StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    MULTIPLE_CORRECT = "multiple_correct"
    SHORT_ANSWERS = "short_answers"
    MATCH_ANSWERS = "match_answers"


class Question(Identified, TenantOwned, Timestamped, table=True):
    """A question of one quiz module; `accepted_answers` only for SHORT_ANSWERS."""

    __table_args__ = (Index("ix_question_module_id_position", "module_id", "position"),)
    module_id: UUID = Field(foreign_key="module.id", ondelete="CASCADE")
    type: QuestionType = Field(sa_type=str_enum(QuestionType))
    title: str = Field(max_length=500)
    content: str = Field(default="", max_length=100_000)
    hint: str | None = Field(default=None, max_length=5_000)
    explanation: str | None = Field(default=None, max_length=5_000)
    points: float = Field(default=1.0)
    position: int = Field(default=0)
    accepted_answers: list[str] = Field(default_factory=list, sa_type=JSON)


class Choice(Identified, TenantOwned, table=True):
    """An option of a choice question, or an item of a MATCH_ANSWERS question with its `match`."""

    __table_args__ = (Index("ix_choice_question_id_position", "question_id", "position"),)
    question_id: UUID = Field(foreign_key="question.id", ondelete="CASCADE")
    text: str = Field(max_length=5_000)
    position: int = Field(default=0)
    is_correct: bool = Field(default=False)
    match: str | None = Field(default=None, max_length=5_000)


class QuizAttempt(Identified, TenantOwned, Timestamped, table=True):
    """One try of a quiz by one enrollment; `answers` holds what was marked and what it earned."""

    __table_args__ = (
        UniqueConstraint("enrollment_id", "module_id", "number"),
        Index("ix_quizattempt_enrollment_id_created_at_id", "enrollment_id", "created_at", "id"),
    )
    enrollment_id: UUID = Field(foreign_key="enrollment.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", index=True, ondelete="CASCADE")
    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    number: int = Field(description="1 for the first attempt at this module.")
    started_at: datetime = Field(sa_type=UtcDateTime)
    deadline: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    timed_out: bool = Field(default=False, description="Submitted after the deadline: closed with nothing counted.")
    points: float | None = Field(default=None)
    max_points: float | None = Field(default=None)
    score: float | None = Field(default=None, description="Percent 0–100, two decimals.")
    passed: bool | None = Field(default=None)
    answers: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
