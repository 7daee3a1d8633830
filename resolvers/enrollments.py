"""Enrollment operations of 003 (Enroll, Remove, Reset Progress, Revoke, Grant, Set Expiry) and
004 (subscribe, subscribeGroups, updateSubscription), set-based: 1,000 ids cost a few statements.

Bulk commands apply what they can and report each refused id with its index; an id already in the
wanted state (already enrolled, already revoked) is not an error (contract §4).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseStatus, DurationRule
from models.discussions import DiscussionEvaluation, DiscussionPost, SurveyResponse
from models.enrollments import Enrollment, EnrollmentSource, EnrollmentStatus, ModuleProgress
from models.portals import Portal
from models.quizzes import QuizAttempt
from models.session import INSERT, now
from models.users import Group, GroupMember, Membership, User
from resolvers import certificates
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, Problem, error_codes
from resolvers.outbox import outbox
from resolvers.schedule import expiry

EnrollmentErrorCode = error_codes(
    "EnrollmentErrorCode",
    "COURSE_NOT_PUBLISHED",
    "NO_SEATS_LEFT",
    "MODULE_NOT_AVAILABLE",
    "ENROLLMENT_EXPIRED",
    "ACCESS_REVOKED",
    "NO_CERTIFICATE_TEMPLATE",
)


@dataclass(frozen=True, slots=True)
class Enrollments:
    """What a bulk command leaves: the enrollments it touched (input order) and the refused ids."""

    enrollments: list[Enrollment]
    problems: list[Problem]
    course: Course | None = None

    @property
    def audit_target(self) -> Any:
        return self.course


def _missing(field: str, index: int, what: str) -> Problem:
    return Problem((field, str(index)), f"No {what} with this id.", "NOT_FOUND")


async def _learners(session: AsyncSession, actor: Actor, course: Course, wanted: set[UUID]) -> set[UUID]:
    """Active members of the course's portal (or, for a shared course, of its sub-portals) the actor sees."""
    portal = await session.get_one(Portal, course.portal_id)
    scope = Membership.portal_id == course.portal_id
    if course.shared_with_sub_portals:
        scope = Membership.portal_id.in_(select(Portal.id).where(Portal.path.startswith(portal.path)))
    stmt = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id.in_(wanted), User.is_active, scope, actor.visible(User))
    )
    return set((await session.execute(stmt)).scalars())


async def _seats_left(session: AsyncSession, portal: Portal, newcomers: list[UUID]) -> set[UUID]:
    """003 R3: each learner with an enrollment in the portal holds a seat; returns who gets one."""
    if portal.total_seats is None or not newcomers:
        return set(newcomers)
    in_portal = (Enrollment.portal_id == portal.id, Enrollment.revoked_at.is_(None))
    used = await session.scalar(select(func.count(func.distinct(Enrollment.user_id))).where(*in_portal))
    holding = set(
        await session.scalars(select(Enrollment.user_id).where(*in_portal, Enrollment.user_id.in_(newcomers)))
    )
    free = max(portal.total_seats - (used or 0), 0)
    granted = {user for user in newcomers if user in holding}
    for user in newcomers:
        if user not in holding and free > 0:
            granted.add(user)
            free -= 1
    return granted


async def enroll(
    session: AsyncSession,
    *,
    actor: Actor,
    course_id: UUID,
    user_ids: Sequence[UUID | None],
    source: EnrollmentSource = EnrollmentSource.MANUAL,
) -> Enrollments:
    """003 Enroll learners / 004 subscribe. Concurrent calls for one user leave exactly one enrollment."""
    course = await visible_row(session, Course, course_id, actor=actor, field="courseId", manage=True)
    if course.status is not CourseStatus.PUBLISHED:
        raise Failure.one(("courseId",), "Only a published course takes enrollments.", "COURSE_NOT_PUBLISHED")
    wanted = {user for user in user_ids if user is not None}
    learners = await _learners(session, actor, course, wanted)
    existing = set(
        await session.scalars(
            select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.user_id.in_(learners))
        )
    )
    newcomers = list(dict.fromkeys(u for u in user_ids if u in learners and u not in existing))
    portal = await session.get_one(Portal, course.portal_id)
    seated = await _seats_left(session, portal, newcomers)
    unseated = set(newcomers) - seated
    problems = []
    for index, user in enumerate(user_ids):
        if user not in learners:
            problems.append(_missing("userIds", index, "member of this course's portal"))
        elif user in unseated:
            problems.append(Problem(("userIds", str(index)), "The portal has no seat left.", "NO_SEATS_LEFT"))
    at = now(session)
    rows = [
        {
            "id": uuid4(),
            "portal_id": course.portal_id,
            "course_id": course.id,
            "user_id": user,
            "source": source,
            "status": EnrollmentStatus.NOT_STARTED,
            "enrolled_at": at,
            "expires_at": expiry(course, enrolled_at=at, started_at=None, time_zone=portal.time_zone),
            "expiry_set": False,
            "created_at": at,
            "updated_at": at,
        }
        for user in newcomers
        if user in seated
    ]
    if rows:
        # executemany: one statement text, however many rows (SQLAlchemy batches the VALUES)
        insert = INSERT[session.bind.dialect.name](Enrollment.__table__)
        stmt = insert.on_conflict_do_nothing(index_elements=["user_id", "course_id"])
        created = (await session.execute(stmt.returning(Enrollment.id, Enrollment.user_id), rows)).all()
        await outbox(
            session,
            "course_enrolled",
            [
                {
                    "portal_id": course.portal_id,
                    "data": {"enrollmentId": str(r.id), "userId": str(r.user_id), "courseId": str(course.id)},
                }
                for r in created
            ],
        )
    chosen = [u for u in dict.fromkeys(user_ids) if u in learners]
    found = {
        row.user_id: row
        for row in await session.scalars(
            select(Enrollment)
            .where(Enrollment.course_id == course.id, Enrollment.user_id.in_(chosen))
            .execution_options(populate_existing=True)
        )
    }
    return Enrollments([found[u] for u in chosen if u in found], problems, course)


async def enroll_group(session: AsyncSession, *, actor: Actor, course_id: UUID, group_id: UUID) -> Enrollments:
    """004 subscribeGroups: every member of the group, as one bulk enrollment."""
    await visible_row(session, Group, group_id, actor=actor, field="groupId")
    members = list(
        (await session.execute(select(GroupMember.user_id).where(GroupMember.group_id == group_id))).scalars()
    )
    return await enroll(session, actor=actor, course_id=course_id, user_ids=members, source=EnrollmentSource.GROUP)


async def _manageable(
    session: AsyncSession, actor: Actor, enrollment_ids: Sequence[UUID | None]
) -> tuple[dict[UUID, Enrollment], list[Problem]]:
    wanted = [e for e in enrollment_ids if e is not None]
    stmt = select(Enrollment).where(Enrollment.id.in_(wanted), actor.manageable(Enrollment))
    found = {row.id: row for row in await session.scalars(stmt)}
    problems = [_missing("enrollmentIds", i, "enrollment") for i, e in enumerate(enrollment_ids) if e not in found]
    return found, problems


async def _changed(
    session: AsyncSession, ids: Sequence[UUID], problems: list[Problem], values: dict[str, Any]
) -> Enrollments:
    """One UPDATE for every found enrollment, then the rows as they now are."""
    unique = list(dict.fromkeys(ids))
    if unique:
        await session.execute(
            update(Enrollment).where(Enrollment.id.in_(unique)).values(updated_at=now(session), **values)
        )
    rows = {
        row.id: row
        for row in await session.scalars(
            select(Enrollment).where(Enrollment.id.in_(unique)).execution_options(populate_existing=True)
        )
    }
    return Enrollments([rows[i] for i in unique], problems)


async def revoke(session: AsyncSession, *, actor: Actor, enrollment_ids: Sequence[UUID | None]) -> Enrollments:
    """003 Revoke Access: progress untouched; an already revoked enrollment stays as it is. The
    certificates the enrollment earned are revoked with it (kept, marked revoked)."""
    found, problems = await _manageable(session, actor, enrollment_ids)
    ids = [e for e in enrollment_ids if e in found]
    revoked_at = func.coalesce(Enrollment.revoked_at, now(session))  # the first revocation's time stays
    await certificates.revoke_for(session, list(dict.fromkeys(ids)))
    return await _changed(session, ids, problems, {"revoked_at": revoked_at})


async def grant(session: AsyncSession, *, actor: Actor, enrollment_ids: Sequence[UUID | None]) -> Enrollments:
    """003 Grant Access. A completed (and passed) enrollment gets a new certificate: the revoked
    one stays revoked, in the history."""
    found, problems = await _manageable(session, actor, enrollment_ids)
    ids = [e for e in enrollment_ids if e in found]
    changed = await _changed(session, ids, problems, {"revoked_at": None})
    await certificates.issue_due(session, list(dict.fromkeys(ids)))
    return changed


async def assign_certificate(
    session: AsyncSession, *, actor: Actor, enrollment_ids: Sequence[UUID | None]
) -> Enrollments:
    """003 Assign Certificate: issued whatever the completion. Refused per item: no template in
    the course, revoked access; an enrollment holding a certificate keeps it (no error)."""
    found, problems = await _manageable(session, actor, enrollment_ids)
    ids = [e for e in enrollment_ids if e in found]
    refused = await certificates.assign(session, ids)
    positions = [i for i, e in enumerate(enrollment_ids) if e in found]  # the caller's indexes
    problems += [
        Problem(("enrollmentIds", str(positions[int(p.field[1])])), p.message, p.code) if p.field else p
        for p in refused
    ]
    problems.sort(key=lambda p: int(p.field[1]) if p.field else -1)
    return await _changed(session, ids, problems, {})


async def _clear_discussions_and_surveys(session: AsyncSession, ids: Sequence[UUID]) -> None:
    """Survey responses and discussion evaluations go; posts stay in their discussion (author
    kept) but no longer count toward the enrollment's `minComments`, so a reset learner posts again
    to complete."""
    await session.execute(delete(SurveyResponse).where(SurveyResponse.enrollment_id.in_(ids)))
    await session.execute(delete(DiscussionEvaluation).where(DiscussionEvaluation.enrollment_id.in_(ids)))
    await session.execute(
        update(DiscussionPost).where(DiscussionPost.enrollment_id.in_(ids)).values(enrollment_id=None)
    )


async def remove(session: AsyncSession, *, actor: Actor, enrollment_ids: Sequence[UUID | None]) -> Enrollments:
    """003 Remove Learners: the enrollment and its progress go; the audit trail keeps the record."""
    found, problems = await _manageable(session, actor, enrollment_ids)
    ids = list(dict.fromkeys(e for e in enrollment_ids if e in found))
    removed = [found[e] for e in ids]
    if ids:
        await session.execute(delete(QuizAttempt).where(QuizAttempt.enrollment_id.in_(ids)))
        await _clear_discussions_and_surveys(session, ids)
        await session.execute(delete(ModuleProgress).where(ModuleProgress.enrollment_id.in_(ids)))
        await session.execute(delete(Enrollment).where(Enrollment.id.in_(ids)))
    for row in removed:
        session.expunge(row)
    return Enrollments(removed, problems)


async def reset(session: AsyncSession, *, actor: Actor, enrollment_ids: Sequence[UUID | None]) -> Enrollments:
    """003 Reset Progress (R12): progress, attempts, grade and dates cleared; enrollment date,
    access and a hand-set expiry kept; an expiry counted from the start waits for a new start."""
    found, problems = await _manageable(session, actor, enrollment_ids)
    ids = [e for e in enrollment_ids if e in found]
    if ids:
        await session.execute(delete(QuizAttempt).where(QuizAttempt.enrollment_id.in_(ids)))
        await _clear_discussions_and_surveys(session, ids)
        await session.execute(delete(ModuleProgress).where(ModuleProgress.enrollment_id.in_(ids)))
        from_start = select(Course.id).where(Course.duration_rule == DurationRule.X_DAYS_AFTER_START)
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(ids), Enrollment.expiry_set.is_(False), Enrollment.course_id.in_(from_start))
            .values(expires_at=None)
        )
    values = {
        "status": EnrollmentStatus.NOT_STARTED,
        "started_at": None,
        "completed_at": None,
        "grade": None,
        "passed": None,
        "grade_overridden": False,
    }
    return await _changed(session, ids, problems, values)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrollmentUpdate:
    enrollment_id: UUID
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    expired: bool | None = None


async def update_enrollment(session: AsyncSession, *, actor: Actor, command: EnrollmentUpdate) -> Enrollment:
    """003 Set Expiry / 004 updateSubscription: move the start or the end, or end access now."""
    enrollment = await visible_row(
        session, Enrollment, command.enrollment_id, actor=actor, field="enrollmentId", manage=True
    )
    checks = Checks()
    if command.expired and command.expires_at is not None:
        checks.add(("expired",), "Give either expired or expiresAt, not both.", "INVALID")
    if command.expires_at is not None and command.expires_at <= enrollment.enrolled_at:
        checks.add(("expiresAt",), "expiresAt must be after the enrollment date.", "INVALID")
    checks.done()
    if command.starts_at is not None:
        enrollment.starts_at = command.starts_at
    if command.expired:
        enrollment.expires_at, enrollment.expiry_set = now(session), True
    elif command.expires_at is not None:
        enrollment.expires_at, enrollment.expiry_set = command.expires_at, True
    await session.flush()
    return enrollment


def enrollments_query(
    actor: Actor,
    course_id: UUID | None,
    user_id: UUID | None,
    status: EnrollmentStatus | None,
    expires_before: datetime | None,
    expires_after: datetime | None,
) -> Select[Any]:
    stmt = select(Enrollment.__table__).where(actor.visible(Enrollment))
    if course_id is not None:
        stmt = stmt.where(Enrollment.course_id == course_id)
    if user_id is not None:
        stmt = stmt.where(Enrollment.user_id == user_id)
    if status is not None:
        stmt = stmt.where(Enrollment.status == status)
    if expires_before is not None:
        stmt = stmt.where(Enrollment.expires_at < expires_before)
    if expires_after is not None:
        stmt = stmt.where(Enrollment.expires_at >= expires_after)
    return stmt


def progress_query(actor: Actor) -> Select[Any]:
    return select(ModuleProgress.__table__).where(actor.visible(ModuleProgress))


async def is_enrolled(session: AsyncSession, *, actor: Actor, user_id: UUID, course_id: UUID) -> bool:
    """004 isSubscribed: an enrollment the viewer may see, whatever its access."""
    stmt = select(Enrollment.id).where(
        Enrollment.user_id == user_id, Enrollment.course_id == course_id, actor.visible(Enrollment)
    )
    return await session.scalar(stmt) is not None


def enrollments_by_user_query(actor: Actor) -> Select[Any]:
    return select(Enrollment.__table__).where(actor.visible(Enrollment))
