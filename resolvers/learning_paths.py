"""Learning paths (003 R27): at least two ordered courses; a prerequisite must be completed before
the courses after it open; enrolling in a path enrolls in every course of it. A path enrollment is
completed, and earns the path's certificate, in the transaction that completes its last course."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import ColumnElement, Select, and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course
from models.enrollments import Enrollment, EnrollmentSource, EnrollmentStatus
from models.learning_paths import LearningPath, LearningPathCourse, LearningPathEnrollment, LearningPathStatus
from models.session import INSERT, now
from resolvers import certificates
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.enrollments import enroll
from resolvers.errors import Checks, Failure, Problem, error_codes
from resolvers.slugs import check_slug, free_slug

LearningPathErrorCode = error_codes("LearningPathErrorCode", "COURSE_NOT_PUBLISHED", "NO_SEATS_LEFT")
MIN_COURSES = 2


@dataclass(frozen=True, slots=True)
class PathCourse:
    course_id: UUID
    is_prerequisite: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LearningPathFields:
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    status: LearningPathStatus | None = None
    courses: Sequence[PathCourse] | None = None
    certificate_template_id: UUID | None = None
    certificate_expires_after: int | None = None
    certificate_expires_after_grace_period: int | None = None


def _check(fields: LearningPathFields, *, creating: bool) -> Checks:
    """The input's own problems; the caller adds unknown courses and reports them all at once."""
    checks = Checks()
    checks.text(("name",), fields.name, max_length=300, required=creating)
    checks.text(("description",), fields.description, max_length=100_000)
    if fields.slug is not None:
        check_slug(checks, ("slug",), fields.slug)
    certificates.check_validity(checks, fields.certificate_expires_after, fields.certificate_expires_after_grace_period)
    if fields.courses is not None or creating:
        ids = [c.course_id for c in fields.courses or ()]
        if len(set(ids)) < MIN_COURSES:
            checks.add(("courses",), f"A learning path needs at least {MIN_COURSES} different courses.", "INVALID")
        elif len(set(ids)) != len(ids):
            checks.add(("courses",), "Each course appears once in a path.", "INVALID")
    return checks


async def _check_courses(
    session: AsyncSession, actor: Actor, portal_id: UUID, courses: Sequence[PathCourse] | None, checks: Checks
) -> None:
    """Every course must be one the actor sees in the path's portal."""
    wanted = [c.course_id for c in courses or ()]
    stmt = select(Course.id).where(Course.id.in_(wanted), Course.portal_id == portal_id, actor.visible(Course))
    found = set(await session.scalars(stmt))
    for i, course in enumerate(wanted):
        if course not in found:
            checks.add(("courses", str(i), "courseId"), "No course with this id in the path's portal.", "NOT_FOUND")
    checks.done()


async def _set_courses(session: AsyncSession, path: LearningPath, courses: Sequence[PathCourse]) -> None:
    """The order is the list's."""
    await session.execute(delete(LearningPathCourse).where(LearningPathCourse.learning_path_id == path.id))
    session.add_all(
        LearningPathCourse(
            portal_id=path.portal_id,
            learning_path_id=path.id,
            course_id=c.course_id,
            position=i,
            is_prerequisite=c.is_prerequisite,
        )
        for i, c in enumerate(courses)
    )


async def create_path(session: AsyncSession, *, actor: Actor, fields: LearningPathFields) -> LearningPath:
    portal_id = acting_portal(actor)
    await _template(session, fields, portal_id)
    await _check_courses(session, actor, portal_id, fields.courses, _check(fields, creating=True))
    assert fields.name is not None and fields.courses is not None  # checked above
    slug = await free_slug(
        session,
        LearningPath.slug,
        wanted=fields.slug,
        title=fields.name,
        where=LearningPath.portal_id == portal_id,
        path=("slug",),
    )
    path = LearningPath(
        portal_id=portal_id,
        name=fields.name.strip(),
        slug=slug,
        description=fields.description or "",
        status=fields.status or LearningPathStatus.DRAFT,
    )
    _certify(path, fields)
    session.add(path)
    await session.flush()
    await _set_courses(session, path, fields.courses)
    await session.flush()
    return path


async def _template(session: AsyncSession, fields: LearningPathFields, portal_id: UUID) -> None:
    """A template of another portal is refused before anything else, like an unknown course."""
    if fields.certificate_template_id is not None:
        await certificates.template_in(session, fields.certificate_template_id, portal_id)


def _certify(path: LearningPath, fields: LearningPathFields) -> None:
    for name in ("certificate_template_id", "certificate_expires_after", "certificate_expires_after_grace_period"):
        if (value := getattr(fields, name)) is not None:
            setattr(path, name, value)


async def update_path(
    session: AsyncSession, *, actor: Actor, path_id: UUID, fields: LearningPathFields
) -> LearningPath:
    checks = _check(fields, creating=False)
    path = await visible_row(session, LearningPath, path_id, actor=actor, field="learningPathId", manage=True)
    await _template(session, fields, path.portal_id)
    await _check_courses(session, actor, path.portal_id, fields.courses, checks)
    if fields.slug is not None and fields.slug != path.slug:
        where = and_(LearningPath.portal_id == path.portal_id, LearningPath.id != path.id)
        path.slug = await free_slug(
            session, LearningPath.slug, wanted=fields.slug, title=path.name, where=where, path=("slug",)
        )
    if fields.name is not None:
        path.name = fields.name.strip()
    if fields.description is not None:
        path.description = fields.description
    if fields.status is not None:
        path.status = fields.status
    _certify(path, fields)
    if fields.courses is not None:
        await _set_courses(session, path, fields.courses)
    await session.flush()
    if fields.courses is not None or fields.certificate_template_id is not None:
        await complete_due(session, LearningPathEnrollment.learning_path_id == path.id)
    return path


@dataclass(frozen=True, slots=True)
class PathEnrolled:
    path: LearningPath
    enrollments: list[LearningPathEnrollment]
    problems: list[Problem]

    @property
    def audit_target(self) -> LearningPath:
        return self.path


async def enroll_in_path(
    session: AsyncSession, *, actor: Actor, learning_path_id: UUID, user_ids: Sequence[UUID | None]
) -> PathEnrolled:
    """Enrolls in the path and in each of its courses (one bulk enrollment per course)."""
    path = await visible_row(session, LearningPath, learning_path_id, actor=actor, field="learningPathId", manage=True)
    if path.status is not LearningPathStatus.PUBLISHED:
        raise Failure.one(
            ("learningPathId",), "Only a published learning path takes enrollments.", "NOT_ALLOWED_IN_STATE"
        )
    course_ids = list(
        await session.scalars(
            select(LearningPathCourse.course_id)
            .where(LearningPathCourse.learning_path_id == path.id)
            .order_by(LearningPathCourse.position)
        )
    )
    refused: dict[int, Problem] = {}
    for course_id in course_ids:
        outcome = await enroll(
            session, actor=actor, course_id=course_id, user_ids=user_ids, source=EnrollmentSource.LEARNING_PATH
        )
        for problem in outcome.problems:
            refused.setdefault(int(problem.field[-1]) if problem.field else -1, problem)
    accepted = list(dict.fromkeys(u for i, u in enumerate(user_ids) if u is not None and i not in refused))
    if accepted:
        at = now(session)
        rows = [
            {"id": uuid4(), "portal_id": path.portal_id, "learning_path_id": path.id, "user_id": u,
             "enrolled_at": at, "created_at": at, "updated_at": at}
            for u in accepted
        ]  # fmt: skip
        insert = INSERT[session.bind.dialect.name](LearningPathEnrollment.__table__)
        await session.execute(insert.on_conflict_do_nothing(index_elements=["learning_path_id", "user_id"]), rows)
        mine = and_(LearningPathEnrollment.learning_path_id == path.id, LearningPathEnrollment.user_id.in_(accepted))
        await complete_due(session, mine)
    found = {
        row.user_id: row
        for row in await session.scalars(
            select(LearningPathEnrollment).where(
                LearningPathEnrollment.learning_path_id == path.id, LearningPathEnrollment.user_id.in_(accepted)
            )
        )
    }
    return PathEnrolled(path, [found[u] for u in accepted if u in found], [refused[i] for i in sorted(refused)])


async def complete_due(session: AsyncSession, among: ColumnElement[bool]) -> None:
    """R27: the path enrollments `among` selects whose learner completed every course of the path
    are completed now (once: `completedAt` keeps the first time), and earn the path's certificate
    (also those completed before the path had a template)."""
    completed = select(Enrollment.course_id).where(
        Enrollment.user_id == LearningPathEnrollment.user_id, Enrollment.status == EnrollmentStatus.COMPLETED
    )
    missing = exists().where(
        LearningPathCourse.learning_path_id == LearningPathEnrollment.learning_path_id,
        LearningPathCourse.course_id.not_in(completed),
    )
    at = now(session)
    await session.execute(
        update(LearningPathEnrollment)
        .where(among, LearningPathEnrollment.completed_at.is_(None), ~missing)
        .values(completed_at=at, updated_at=at)
    )
    await certificates.issue_for_paths(
        session, list(await session.scalars(select(LearningPathEnrollment.id).where(among)))
    )


async def course_completed(session: AsyncSession, enrollment: Enrollment) -> None:
    """The learner's paths through this course may be complete now."""
    paths = select(LearningPathCourse.learning_path_id).where(LearningPathCourse.course_id == enrollment.course_id)
    await complete_due(
        session,
        and_(
            LearningPathEnrollment.user_id == enrollment.user_id,
            LearningPathEnrollment.learning_path_id.in_(paths),
        ),
    )


async def locked_by_prerequisite(session: AsyncSession, enrollment: Enrollment) -> bool:
    """R27: in a path the learner follows, an earlier prerequisite course is not completed yet."""
    this = LearningPathCourse.__table__.alias("this")
    earlier = LearningPathCourse.__table__.alias("earlier")
    done = select(Enrollment.course_id).where(
        Enrollment.user_id == enrollment.user_id, Enrollment.status == EnrollmentStatus.COMPLETED
    )
    stmt = (
        select(earlier.c.course_id)
        .join(this, this.c.learning_path_id == earlier.c.learning_path_id)
        .join(
            LearningPathEnrollment,
            and_(
                LearningPathEnrollment.learning_path_id == this.c.learning_path_id,
                LearningPathEnrollment.user_id == enrollment.user_id,
            ),
        )
        .where(
            this.c.course_id == enrollment.course_id,
            earlier.c.position < this.c.position,
            earlier.c.is_prerequisite,
            earlier.c.course_id.not_in(done),
        )
        .limit(1)
    )
    return await session.scalar(stmt) is not None


def paths_query(actor: Actor, search: str | None) -> Select[Any]:
    stmt = select(LearningPath.__table__).where(actor.visible(LearningPath))
    return stmt if not search else stmt.where(LearningPath.name.icontains(search, autoescape=True))


def path_courses_query(actor: Actor) -> Select[Any]:
    return select(LearningPathCourse.__table__).where(actor.visible(LearningPathCourse))


def path_enrollments_query(actor: Actor) -> Select[Any]:
    return select(LearningPathEnrollment.__table__).where(actor.visible(LearningPathEnrollment))


def course_paths_query(actor: Actor) -> Select[Any]:
    """The paths a course belongs to, partitioned by the course (Course.learningPaths)."""
    return (
        select(LearningPath.__table__, LearningPathCourse.course_id)
        .join(LearningPathCourse, LearningPathCourse.learning_path_id == LearningPath.id)
        .where(actor.visible(LearningPath))
    )
