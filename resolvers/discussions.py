"""Discussions and surveys (003 § Discussions, § Surveys; R14, R26 and DOMAIN Q8), through the
shared progress path (`progress.open_module`, then `progress.update_module_progress`). The rules,
as docs/discussions.md tells clients:

- discussionPost: a learner enrolled in the course, or the course's staff, posts in a DISCUSSION
  module; a reply answers a post of the same module. A learner's post passes `open_module` (access
  revoked or expired, drip): refused, nothing is written. When the learner's posts in the module
  reach its `minComments` (default 1) the module completes, unless the discussion `isEvaluated`
  (R26: the module is then SUBMITTED and completes by an evaluation). Every post writes
  `discussion_submission` (module, enrollment, comment count). Staff posts record no progress.
- discussionEvaluate (003 Evaluate, R26): the course's instructor or an admin awards points
  (0..totalPoints; a percent when the discussion has no totalPoints) to a learner whose posts
  reached `minComments`; the module completes with the points as its percent score (R19), the
  course's grade and certificate follow. Evaluating again replaces the points.
- surveySubmit: an enrolled learner answers the survey's fields once (no retakes: a second
  submission is ALREADY_SUBMITTED; enrollmentResetProgress clears the response); submitting
  completes the module (R14, "mark complete").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course
from models.discussions import DiscussionEvaluation, DiscussionPost, SurveyResponse
from models.enrollments import Enrollment, ModuleProgress, ModuleProgressStatus
from models.modules import Module, ModuleKind
from models.session import now
from resolvers import progress
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.module_kinds import SurveyFieldType
from resolvers.outbox import outbox

DiscussionErrorCode = error_codes(
    "DiscussionErrorCode",
    "NOT_ENROLLED",
    "ALREADY_SUBMITTED",
    "MODULE_NOT_AVAILABLE",
    "ENROLLMENT_EXPIRED",
    "ACCESS_REVOKED",
)
MAX_BODY = 10_000
MAX_ANSWER = 5_000
RATINGS = range(1, 6)  # a rating field takes 1–5 [decision]
CHOICE_FIELDS = (SurveyFieldType.RADIO, SurveyFieldType.DROPDOWN, SurveyFieldType.CHECKBOX)


def _of_kind(module: Module, kind: ModuleKind) -> None:
    if module.kind is not kind:
        raise Failure.one(("moduleId",), f"This mutation takes a {kind.name} module.", "INVALID")


async def _module(session: AsyncSession, actor: Actor, module_id: UUID, kind: ModuleKind) -> Module:
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    _of_kind(module, kind)
    return module


# ---- discussions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posted:
    post: DiscussionPost
    progress: ModuleProgress | None
    enrollment: Enrollment | None
    module: Module
    at: Any

    @property
    def audit_target(self) -> DiscussionPost:
        return self.post


async def post(
    session: AsyncSession, *, actor: Actor, module_id: UUID, body: str, reply_to_id: UUID | None = None
) -> Posted:
    """003 post comment: validated, placed in the module (a reply under a post of the same
    module), then the learner's record through the progress path; `discussion_submission`."""
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    reply_to = None
    if reply_to_id is not None:  # every id first: a hidden one is NOT_FOUND whatever else is wrong
        reply_to = await visible_row(session, DiscussionPost, reply_to_id, actor=actor, field="replyToId")
    _of_kind(module, ModuleKind.DISCUSSION)
    if reply_to is not None and reply_to.module_id != module.id:
        raise Failure.one(("replyToId",), "A reply answers a post of the same discussion.", "INVALID")
    checks = Checks()
    checks.text(("body",), body, max_length=MAX_BODY, required=True)
    checks.done()
    enrollment = await progress.own_enrollment(session, actor, module)
    if enrollment is None:
        staff = await session.scalar(select(Module.id).where(Module.id == module.id, actor.manageable(Module)))
        if staff is None or actor.user_id is None:
            raise progress.not_enrolled()
        at = now(session)
        course = None
    else:
        course, at = await progress.open_module(session, enrollment, module, enrollment_field="moduleId")
    row = DiscussionPost(
        portal_id=module.portal_id,
        module_id=module.id,
        author_id=actor.user_id,
        enrollment_id=None if enrollment is None else enrollment.id,
        reply_to_id=None if reply_to is None else reply_to.id,
        body=body.strip(),
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    await session.flush()
    record, count = None, None
    if enrollment is not None and course is not None:
        count = await session.scalar(
            select(func.count()).where(
                DiscussionPost.enrollment_id == enrollment.id, DiscussionPost.module_id == module.id
            )
        )
        details = module.details or {}
        reached = (count or 0) >= (details.get("min_comments") or 1)
        evaluated = bool(details.get("is_evaluated", False))
        record = await progress.update_module_progress(
            session,
            enrollment=enrollment,
            module=module,
            course=course,
            at=at,
            complete=reached and not evaluated,
            submitted=True if reached and evaluated else None,
        )
    data = {
        "postId": str(row.id),
        "moduleId": str(module.id),
        "courseId": str(module.course_id),
        "userId": str(actor.user_id),
        "enrollmentId": None if enrollment is None else str(enrollment.id),
        "replyToId": None if reply_to is None else str(reply_to.id),
        "commentCount": count,
        "completed": None if record is None else record.completed_at is not None,
    }
    await outbox(session, "discussion_submission", [{"portal_id": module.portal_id, "data": data}])
    return Posted(row, record, enrollment, module, at)


@dataclass(frozen=True, slots=True)
class Evaluated:
    evaluation: DiscussionEvaluation
    progress: ModuleProgress
    enrollment: Enrollment
    module: Module
    at: datetime

    @property
    def audit_target(self) -> Enrollment:
        return self.enrollment


async def evaluate(
    session: AsyncSession,
    *,
    actor: Actor,
    enrollment_id: UUID,
    module_id: UUID,
    points_awarded: float,
    instructor_message: str | None = None,
) -> Evaluated:
    """003 Evaluate (R26): whatever the learner's access is now (work posted before a revocation
    is still evaluated)."""
    enrollment = await visible_row(session, Enrollment, enrollment_id, actor=actor, field="enrollmentId", manage=True)
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    if module.kind is not ModuleKind.DISCUSSION or module.course_id != enrollment.course_id:
        raise Failure.one(("moduleId",), "Not a discussion of the enrollment's course.", "INVALID")
    details = module.details or {}
    if not details.get("is_evaluated", False):
        raise Failure.one(("moduleId",), "This discussion is not evaluated: posts complete it.", "INVALID")
    total = details.get("total_points") or 100  # no totalPoints: the points are a percent
    checks = Checks()
    if not 0 <= points_awarded <= total:
        checks.add(("pointsAwarded",), f"pointsAwarded is between 0 and {total}.", "INVALID")
    checks.text(("instructorMessage",), instructor_message, max_length=MAX_BODY)
    checks.done()
    record = await progress.record_in(session, enrollment, module)
    if record is None or record.status not in (ModuleProgressStatus.SUBMITTED, ModuleProgressStatus.COMPLETED):
        raise Failure.one(
            ("enrollmentId",), "The learner has not reached the discussion's minimum posts.", "NOT_ALLOWED_IN_STATE"
        )
    at = now(session)
    score = round(points_awarded / total * 100, 2)
    evaluation = await session.scalar(
        select(DiscussionEvaluation).where(
            DiscussionEvaluation.enrollment_id == enrollment.id, DiscussionEvaluation.module_id == module.id
        )
    )
    if evaluation is None:
        evaluation = DiscussionEvaluation(
            portal_id=enrollment.portal_id, enrollment_id=enrollment.id, module_id=module.id, points_awarded=0,
            score=0, evaluated_at=at,
        )  # fmt: skip
        session.add(evaluation)
    evaluation.points_awarded, evaluation.score = points_awarded, score
    evaluation.instructor_message = (
        instructor_message.strip() if instructor_message and instructor_message.strip() else None
    )
    evaluation.evaluated_by_id, evaluation.evaluated_at = actor.user_id, at
    course = await session.get_one(Course, enrollment.course_id)
    record = await progress.update_module_progress(
        session,
        enrollment=enrollment,
        module=module,
        course=course,
        at=at,
        complete=True,
        result=progress.ModuleResult(score=score, passed=True, attempts=record.attempts or 1),
    )
    return Evaluated(evaluation, record, enrollment, module, at)


def evaluations_query(actor: Actor) -> Select[Any]:
    return select(DiscussionEvaluation.__table__).where(actor.visible(DiscussionEvaluation))


def posts_query(actor: Actor) -> Select[Any]:
    return select(DiscussionPost.__table__).where(actor.visible(DiscussionPost))


# ---- surveys -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyAnswer:
    field_index: int
    value: str | None = None
    choices: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class Surveyed:
    response: SurveyResponse
    progress: ModuleProgress
    enrollment: Enrollment
    module: Module
    at: Any

    @property
    def audit_target(self) -> SurveyResponse:
        return self.response


def _check_answer(checks: Checks, at: tuple[str, ...], field: dict[str, Any], answer: SurveyAnswer) -> bool:
    """One answer against its field; True when it answers something."""
    kind = SurveyFieldType(field["type"])
    options = field.get("options") or []
    if kind in CHOICE_FIELDS:
        if answer.value is not None:
            checks.add((*at, "value"), f"A {kind.name} field is answered with choices.", "INVALID")
        given = list(answer.choices or ())
        for j, choice in enumerate(given):
            if choice not in options:
                checks.add((*at, "choices", str(j)), "Not an option of this field.", "INVALID")
        if kind is not SurveyFieldType.CHECKBOX and len(given) > 1:
            checks.add((*at, "choices"), f"A {kind.name} field takes one choice.", "INVALID")
        if len(set(given)) != len(given):
            checks.add((*at, "choices"), "An option is chosen twice.", "DUPLICATE")
        return bool(given)
    if answer.choices is not None:
        checks.add((*at, "choices"), f"A {kind.name} field is answered with a value.", "INVALID")
    if answer.value is None or not answer.value.strip():
        return False
    if kind is SurveyFieldType.RATING:
        if not answer.value.strip().isdigit() or int(answer.value) not in RATINGS:
            checks.add((*at, "value"), f"A rating is a whole number from {RATINGS[0]} to {RATINGS[-1]}.", "INVALID")
    else:
        checks.text((*at, "value"), answer.value, max_length=MAX_ANSWER)
    return True


def _checked_answers(fields: list[dict[str, Any]], answers: Sequence[SurveyAnswer]) -> list[dict[str, Any]]:
    """Each answer names a field once and fits it; every required field is answered."""
    checks, stored, answered = Checks(), [], set()
    for i, answer in enumerate(answers):
        at = ("answers", str(i))
        if not 0 <= answer.field_index < len(fields):
            checks.add((*at, "fieldIndex"), "No field of this survey at this index.", "NOT_FOUND")
            continue
        if answer.field_index in answered:
            checks.add((*at, "fieldIndex"), "This field is answered twice.", "DUPLICATE")
            continue
        field = fields[answer.field_index]
        if _check_answer(checks, at, field, answer):
            answered.add(answer.field_index)
            stored.append(
                {
                    "field_index": answer.field_index,
                    "type": field["type"],
                    "label": field["label"],
                    "value": None if answer.value is None else answer.value.strip(),
                    "choices": list(answer.choices or ()),
                }
            )
    for index, field in enumerate(fields):
        if field.get("is_required") and index not in answered:
            checks.add(("answers",), f"{field['label']} (field {index}) is required.", "REQUIRED")
    checks.done()
    return sorted(stored, key=lambda a: a["field_index"])


async def submit_survey(
    session: AsyncSession, *, actor: Actor, module_id: UUID, answers: Sequence[SurveyAnswer]
) -> Surveyed:
    """003 save submission: one response per learner, completing the module (R14)."""
    module = await _module(session, actor, module_id, ModuleKind.SURVEY)
    enrollment = await progress.own_enrollment(session, actor, module)
    if enrollment is None:
        raise progress.not_enrolled()
    course, at = await progress.open_module(session, enrollment, module, enrollment_field="moduleId")
    mine = (SurveyResponse.enrollment_id == enrollment.id, SurveyResponse.module_id == module.id)
    if await session.scalar(select(SurveyResponse.id).where(*mine)) is not None:
        raise Failure.one(("moduleId",), "You have already answered this survey.", "ALREADY_SUBMITTED")
    stored = _checked_answers(list((module.details or {}).get("survey_fields", [])), answers)
    response = SurveyResponse(
        portal_id=enrollment.portal_id,
        enrollment_id=enrollment.id,
        module_id=module.id,
        user_id=enrollment.user_id,
        submitted_at=at,
        answers=stored,
        created_at=at,
        updated_at=at,
    )
    session.add(response)
    await session.flush()
    record = await progress.update_module_progress(
        session, enrollment=enrollment, module=module, course=course, at=at, complete=True
    )
    return Surveyed(response, record, enrollment, module, at)


def responses_query(actor: Actor) -> Select[Any]:
    return select(SurveyResponse.__table__).where(actor.visible(SurveyResponse))
