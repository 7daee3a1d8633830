"""Course grades (R19–R21) and their overrides.

`recompute` is the one place a course grade is computed: set-based, one UPDATE whatever the number
of enrollments, called in the transaction of every change that can move a grade (the progress
path of `resolvers/progress.py`, course settings, overrides being cleared).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Float, Numeric, and_, case, cast, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, GradeModule, GradingRule
from models.enrollments import Enrollment, EnrollmentStatus, ModuleProgress
from models.modules import Module, ModuleKind
from models.session import now
from resolvers import certificates
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, error_codes

GradeErrorCode = error_codes(
    "GradeErrorCode",
    "WRONG_MODULE_KIND",
    "SCORE_OUT_OF_RANGE",
    "ACCESS_REVOKED",
    "ENROLLMENT_EXPIRED",
    "MODULE_NOT_AVAILABLE",
    "COURSE_NOT_GRADED",
)

# R20 names quiz, assignment, discussion and SCORM; 004's external activities carry scores too.
GRADABLE = (ModuleKind.QUIZ, ModuleKind.ASSIGNMENT, ModuleKind.DISCUSSION, ModuleKind.SCORM, ModuleKind.EXTERNAL)
MAX_REASON = 1_000


def grade_of(enrollment: Any = Enrollment) -> Any:
    """R20 as SQL, correlated to `enrollment`: the mean module percent, unscored modules counting 0,
    two decimals; null while no counted module has a score (nothing graded yet) or none is counted.

    One level of correlation only (the course is joined, not looked up in a nested subquery):
    SQLAlchemy correlates a subquery to the statement directly around it, not further out."""
    score = ModuleProgress.score
    counted = or_(
        and_(Course.grading_rule == GradingRule.AVG_ALL_MODULES, Module.kind.in_(GRADABLE)),
        and_(Course.grading_rule == GradingRule.AVG_SPECIFIC_MODULES, Module.id.in_(select(GradeModule.module_id))),
    )  # a module belongs to one course, so its grade-module row is its own course's
    rows = (
        select(func.round(cast(func.avg(func.coalesce(score, 0.0)), Numeric(12, 4)), 2))
        .select_from(Module)
        .join(Course, Course.id == Module.course_id)
        .outerjoin(
            ModuleProgress, and_(ModuleProgress.module_id == Module.id, ModuleProgress.enrollment_id == enrollment.id)
        )
        .where(Module.course_id == enrollment.course_id, counted)
        .having(func.count(score) > 0)
    )
    return cast(rows.scalar_subquery(), Float)


def _passed(grade: Any) -> Any:
    """R21: graded courses pass at the pass mark (none: any grade); ungraded ones by completion."""
    course = select(Course.grading_rule, Course.min_passing_percentage).where(Course.id == Enrollment.course_id)
    rule = course.with_only_columns(Course.grading_rule).scalar_subquery()
    mark = course.with_only_columns(func.coalesce(Course.min_passing_percentage, 0.0)).scalar_subquery()
    return case(
        (rule == GradingRule.NO_GRADING, case((Enrollment.status == EnrollmentStatus.COMPLETED, true()), else_=None)),
        (grade.is_(None), None),
        (grade >= mark, true()),
        else_=false(),
    )


async def recompute(session: AsyncSession, enrollment_ids: Sequence[UUID]) -> None:
    """Grade and passed of these enrollments, in one statement for 1 or 1,000 of them. A grade set
    by hand (`gradeOverride`) stays until the override is cleared."""
    if not enrollment_ids:
        return
    grade = grade_of()
    await session.execute(
        update(Enrollment)
        .where(Enrollment.id.in_(enrollment_ids), Enrollment.grade_overridden.is_(False))
        .values(grade=grade, passed=_passed(grade))
        .execution_options(synchronize_session=False)
    )


async def recompute_course(session: AsyncSession, course_id: UUID) -> None:
    """Every enrollment of a course, after a change to what its grade counts (rule, pass mark,
    grade modules, a scored module added or deleted); a certificate that became due is issued."""
    ids = list(await session.scalars(select(Enrollment.id).where(Enrollment.course_id == course_id)))
    await recompute(session, ids)
    await certificates.issue_due(session, ids)


def check_score(checks: Checks, path: tuple[str, ...], value: float | None) -> None:
    if value is not None and not 0 <= value <= 100:
        checks.add(path, f"{path[-1]} is a percent: between 0 and 100.", "SCORE_OUT_OF_RANGE")


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeOverride:
    enrollment_id: UUID
    reason: str
    grade: float | None = None
    passed: bool | None = None
    clear: bool = False


def _check_override(command: GradeOverride) -> None:
    checks = Checks()
    checks.text(("reason",), command.reason, max_length=MAX_REASON, required=True)
    if command.clear and (command.grade is not None or command.passed is not None):
        checks.add(("clear",), "Clear the override, or give a grade: not both.", "INVALID")
    elif not command.clear and command.grade is None:
        checks.add(("grade",), "grade is required (or clear: true to go back to the computed grade).", "REQUIRED")
    check_score(checks, ("grade",), command.grade)
    checks.done()


async def override(session: AsyncSession, *, actor: Actor, command: GradeOverride) -> Enrollment:
    """An instructor or admin sets the course grade (and passed) by hand, with a reason that the
    audit trail keeps. Recomputation leaves it until `clear`, which returns to the computed grade."""
    _check_override(command)
    enrollment = await visible_row(
        session, Enrollment, command.enrollment_id, actor=actor, field="enrollmentId", manage=True
    )
    course = await session.get_one(Course, enrollment.course_id)
    if course.grading_rule is GradingRule.NO_GRADING and not command.clear:
        raise Failure.one(("enrollmentId",), "This course is not graded (NO_GRADING).", "COURSE_NOT_GRADED")
    if command.clear:
        enrollment.grade_overridden = False
        await session.flush()
        await recompute(session, [enrollment.id])
    else:
        assert command.grade is not None  # checked above
        grade = round(command.grade, 2)
        mark = course.min_passing_percentage or 0.0
        enrollment.grade, enrollment.grade_overridden = grade, True
        enrollment.passed = grade >= mark if command.passed is None else command.passed
        enrollment.updated_at = now(session)
        await session.flush()
    await certificates.issue_due(session, [enrollment.id])
    await session.refresh(enrollment)
    return enrollment
