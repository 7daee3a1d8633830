"""Learner progress (003 Mark Complete, R9, R14, R16): the one path every learner action in a module
takes (`open_module`, then `update_module_progress`), availability, course completion, and then
the course's grade (`grades.recompute`), certificate and `course_completed` event, in the
transaction of the change that moved them. moduleComplete, quizzes, discussions, surveys,
assignments and externalActivityScore all go through it."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.certificates import Certificate
from models.courses import Course
from models.enrollments import Enrollment, EnrollmentStatus, ModuleProgress, ModuleProgressStatus
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.session import now
from resolvers import certificates, grades, learning_paths
from resolvers.auth import Actor, visible_row
from resolvers.errors import Failure
from resolvers.learning_paths import locked_by_prerequisite
from resolvers.outbox import outbox
from resolvers.schedule import expiry, is_available

GRADED_ELSEWHERE = {ModuleKind.QUIZ: "submitting an attempt", ModuleKind.ASSIGNMENT: "an accepted submission"}


@dataclass(frozen=True, slots=True)
class Completion:
    progress: ModuleProgress
    enrollment: Enrollment
    module: Module
    at: datetime

    @property
    def audit_target(self) -> Enrollment:
        return self.enrollment


def _refuse_closed(
    enrollment: Enrollment, module: Module, at: object, *, enrollment_field: str, module_field: str
) -> None:
    if enrollment.revoked_at is not None:
        raise Failure.one((enrollment_field,), "Access to this course is revoked.", "ACCESS_REVOKED")
    if enrollment.expires_at is not None and enrollment.expires_at <= at:  # type: ignore[operator]
        raise Failure.one(
            (enrollment_field,), "This enrollment has expired; results stay readable.", "ENROLLMENT_EXPIRED"
        )
    if (enrollment.starts_at is not None and enrollment.starts_at > at) or not is_available(module, enrollment, at):  # type: ignore[operator, arg-type]
        raise Failure.one((module_field,), "This module is not available yet.", "MODULE_NOT_AVAILABLE")


async def _start(session: AsyncSession, enrollment: Enrollment, course: Course) -> None:
    """The first launch or completion starts the course (R9), and an expiry counted from the start."""
    if enrollment.started_at is not None:
        return
    enrollment.started_at = now(session)
    enrollment.status = EnrollmentStatus.IN_PROGRESS
    if not enrollment.expiry_set:
        portal = await session.get_one(Portal, course.portal_id)
        enrollment.expires_at = expiry(
            course, enrolled_at=enrollment.enrolled_at, started_at=enrollment.started_at, time_zone=portal.time_zone
        )


async def _finish_if_done(session: AsyncSession, enrollment: Enrollment, course: Course) -> bool:
    """R16: every required module completed completes the course, once. True when it just did."""
    if enrollment.status is EnrollmentStatus.COMPLETED:
        return False
    required = select(Module.id).where(Module.course_id == course.id, Module.is_required)
    done = select(ModuleProgress.module_id).where(
        ModuleProgress.enrollment_id == enrollment.id, ModuleProgress.status == ModuleProgressStatus.COMPLETED
    )
    if await session.scalar(required.where(Module.id.not_in(done)).limit(1)) is not None:
        return False
    enrollment.status, enrollment.completed_at = EnrollmentStatus.COMPLETED, now(session)
    return True


async def _settle(session: AsyncSession, enrollment: Enrollment, course: Course) -> None:
    """After any change to a module record: completion, grade, certificate, then the event that
    reports them (DOMAIN 6.5: `course_completed` carries grade, passed and the certificate)."""
    completed = await _finish_if_done(session, enrollment, course)
    await session.flush()
    await grades.recompute(session, [enrollment.id])
    await certificates.issue_due(session, [enrollment.id])
    await session.refresh(enrollment)
    if completed:
        await learning_paths.course_completed(session, enrollment)
        code = await session.scalar(
            select(Certificate.code)
            .where(Certificate.enrollment_id == enrollment.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.issued_at.desc())
            .limit(1)
        )
        data = {
            "enrollmentId": str(enrollment.id),
            "userId": str(enrollment.user_id),
            "courseId": str(course.id),
            "grade": enrollment.grade,
            "passed": enrollment.passed,
            "certificateCode": code,
        }
        await outbox(session, "course_completed", [{"portal_id": enrollment.portal_id, "data": data}])


async def module_of(session: AsyncSession, enrollment: Enrollment, module_id: UUID) -> Module:
    module = await session.scalar(
        select(Module).where(Module.id == module_id, Module.course_id == enrollment.course_id)
    )
    if module is None:
        raise not_in_course()
    return module


def not_in_course() -> Failure:
    return Failure.one(("moduleId",), "No module with this id in the enrollment's course.", "NOT_FOUND")


async def own_enrollment(session: AsyncSession, actor: Actor, module: Module) -> Enrollment | None:
    """The acting user's enrollment in the module's course, locked: one submission at a time."""
    if actor.user_id is None:
        return None
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.user_id == actor.user_id, Enrollment.course_id == module.course_id, actor.visible(Enrollment))
        .with_for_update()
    )


def not_enrolled() -> Failure:
    return Failure.one(("moduleId",), "You are not enrolled in this module's course.", "NOT_ENROLLED")


@dataclass(frozen=True, slots=True)
class ModuleResult:
    """A graded module's outcome (a quiz's counted attempt, an external score): what its record
    shows. `attempts` None: one more than before."""

    score: float | None
    passed: bool | None
    attempts: int | None


async def open_module(
    session: AsyncSession,
    enrollment: Enrollment,
    module: Module,
    *,
    enrollment_field: str = "enrollmentId",
    module_field: str = "moduleId",
) -> tuple[Course, datetime]:
    """What every learner action in a module passes first (R9–R11): access not revoked nor
    expired, the module available (drip, start date, learning-path prerequisite); then the
    course is started. The refusals name `enrollment_field` and `module_field` of the input."""
    at = now(session)
    _refuse_closed(enrollment, module, at, enrollment_field=enrollment_field, module_field=module_field)
    if await locked_by_prerequisite(session, enrollment):
        raise Failure.one(
            (module_field,), "A prerequisite course of the learning path comes first.", "MODULE_NOT_AVAILABLE"
        )
    course = await session.get_one(Course, enrollment.course_id)
    await _start(session, enrollment, course)
    return course, at


async def record_in(session: AsyncSession, enrollment: Enrollment, module: Module) -> ModuleProgress | None:
    """The learner's record in the module; None before they begin it."""
    return await session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.enrollment_id == enrollment.id, ModuleProgress.module_id == module.id
        )
    )


async def update_module_progress(
    session: AsyncSession,
    *,
    enrollment: Enrollment,
    module: Module,
    course: Course,
    at: datetime,
    complete: bool = False,
    result: ModuleResult | None = None,
    submitted: bool | None = None,
) -> ModuleProgress:
    """The one way a learner's record in a module changes (after `open_module`): begun, scored,
    submitted for grading (`submitted`: True waits for grading, False is sent back to work on),
    completed; then the course's completion (R16), grade and certificate (`_settle`), in the same
    transaction. A completed module stays completed."""
    row = await record_in(session, enrollment, module)
    if row is None:
        row = ModuleProgress(
            portal_id=enrollment.portal_id, enrollment_id=enrollment.id, module_id=module.id, started_at=at
        )
        session.add(row)
    if result is not None:
        row.score, row.passed = result.score, result.passed
        row.attempts = (row.attempts or 0) + 1 if result.attempts is None else result.attempts
    if complete and row.status is not ModuleProgressStatus.COMPLETED:
        row.status, row.completed_at = ModuleProgressStatus.COMPLETED, at
    elif row.status is ModuleProgressStatus.COMPLETED:
        pass
    elif submitted is not None:
        row.status = ModuleProgressStatus.SUBMITTED if submitted else ModuleProgressStatus.IN_PROGRESS
    elif row.status is ModuleProgressStatus.NOT_STARTED:
        row.status = ModuleProgressStatus.IN_PROGRESS
    await session.flush()
    await _settle(session, enrollment, course)
    return row


async def record(
    session: AsyncSession,
    *,
    enrollment: Enrollment,
    module: Module,
    completed: bool = True,
    score: float | None = None,
    passed: bool | None = None,
) -> Completion:
    """A result posted for a module (moduleComplete, an external score in percent): opened and
    recorded in one go; each score counts as one more attempt and replaces the last (003)."""
    course, at = await open_module(session, enrollment, module)
    result = None if score is None else ModuleResult(score=score, passed=passed, attempts=None)
    row = await update_module_progress(
        session, enrollment=enrollment, module=module, course=course, at=at, complete=completed, result=result
    )
    return Completion(row, enrollment, module, at)


async def complete_module(session: AsyncSession, *, actor: Actor, enrollment_id: UUID, module_id: UUID) -> Completion:
    """A learner completes their own modules; their course's staff may mark one for them."""
    enrollment = await visible_row(session, Enrollment, enrollment_id, actor=actor, field="enrollmentId")
    if enrollment.user_id != actor.user_id:
        await visible_row(session, Enrollment, enrollment_id, actor=actor, field="enrollmentId", manage=True)
    module = await module_of(session, enrollment, module_id)
    if module.kind in GRADED_ELSEWHERE:
        raise Failure.one(("moduleId",), f"This module completes by {GRADED_ELSEWHERE[module.kind]}.", "INVALID")
    return await record(session, enrollment=enrollment, module=module)
