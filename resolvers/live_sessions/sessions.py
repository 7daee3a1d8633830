"""Live sessions of a course and who takes part (002 createMeeting, addParticipant,
cancelParticipant, cancelMeeting; contract liveSession*). The rules, as docs/live_sessions.md
tells clients:

- liveSessionCreate: the course's staff (admins, its instructors) schedule a session of a course,
  or of one of its LIVE_SESSION modules; the host is a staff member of the course's portal or an
  instructor of the course (default: the caller). The provider is asked first: if it refuses,
  nothing is saved. The classroom token (000) is 160 random bits in hex.
- liveSessionParticipantAdd: bulk; learners enrolled in the course with access (not revoked, not
  expired) become participants with their own join URL; anyone else is reported by index. Someone
  already in is no error. Refused as a whole once the session is cancelled or finished.
- liveSessionParticipantRemove: bulk; a user who is no participant is reported by index.
- liveSessionCancel: a scheduled or running session is cancelled with its provider; a finished
  one cannot be; cancelling twice is no error.
"""

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseInstructor
from models.enrollments import Enrollment
from models.live_sessions import ClassroomSegment, LiveSession, LiveSessionParticipant, LiveSessionStatus
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.session import now
from models.users import Membership, User
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, Problem, error_codes
from resolvers.live_sessions.providers import MeetingRequest, ProviderFailed
from resolvers.live_sessions.registry import Providers
from resolvers.policy import STAFF

LiveSessionErrorCode = error_codes("LiveSessionErrorCode", "NOT_ENROLLED", "PROVIDER_FAILED")
MAX_TITLE = 200
MAX_MINUTES = 24 * 60
DEFAULT_MINUTES = 60
CLOSED = (LiveSessionStatus.CANCELLED, LiveSessionStatus.FINISHED)
PROVIDER_CONCURRENCY = 8  # provider calls of one mutation in flight at once
T = TypeVar("T")


def classroom_token() -> str:
    """000's `token`: alphanumeric, and the credential of the callbacks (contract §9: ≥ 128 bits)."""
    return secrets.token_hex(20)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSessionCommand:
    module_id: UUID | None = None
    course_id: UUID | None = None
    title: str
    starts_at: datetime
    duration_minutes: int | None = None
    host_id: UUID | None = None
    record: bool = False


@dataclass(frozen=True, slots=True)
class Changed:
    """A session a mutation touched, the participants it added, and the items it refused."""

    live_session: LiveSession
    participants: list[LiveSessionParticipant] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    status_changed: bool = False

    @property
    def audit_target(self) -> LiveSession:
        return self.live_session


def _refused(error: ProviderFailed, path: tuple[str, ...] | None = None) -> Problem:
    return Problem(path, str(error), "PROVIDER_FAILED")


async def _course_of(session: AsyncSession, actor: Actor, command: LiveSessionCommand) -> tuple[Course, UUID | None]:
    if command.module_id is not None:
        module = await visible_row(session, Module, command.module_id, actor=actor, field="moduleId")
        if module.kind is not ModuleKind.LIVE_SESSION:
            raise Failure.one(("moduleId",), "A live session belongs to a LIVE_SESSION module.", "INVALID")
        if command.course_id is not None and command.course_id != module.course_id:
            raise Failure.one(("courseId",), "The module belongs to another course.", "INVALID")
        course_id = module.course_id
    elif command.course_id is not None:
        course_id = command.course_id
    else:
        raise Failure.one(("courseId",), "Give moduleId or courseId.", "REQUIRED")
    field_name = "courseId" if command.module_id is None else "moduleId"
    course = await visible_row(session, Course, course_id, actor=actor, field=field_name, manage=True)
    return course, command.module_id


async def _host(session: AsyncSession, actor: Actor, course: Course, host: User | None) -> User:
    """The host runs the class: staff of the course's portal, or one of the course's instructors."""
    if host is None:
        if actor.user_id is None:
            raise Failure.one(("hostId",), "An API key names the host.", "REQUIRED")
        host = await visible_row(session, User, actor.user_id, actor=actor, field="hostId")
    staff = select(Membership.id).where(
        Membership.user_id == host.id,
        Membership.portal_id == course.portal_id,
        Membership.role.in_(STAFF),
    )
    teaches = select(CourseInstructor.id).where(
        CourseInstructor.user_id == host.id, CourseInstructor.course_id == course.id
    )
    if await session.scalar(staff.union(teaches).limit(1)) is None:
        raise Failure.one(("hostId",), "The host must be staff of the course's portal.", "INVALID")
    return host


async def create(session: AsyncSession, *, actor: Actor, command: LiveSessionCommand, providers: Providers) -> Changed:
    named_host = None  # every id first: a hidden one is NOT_FOUND whatever else is wrong
    if command.host_id is not None:
        named_host = await visible_row(session, User, command.host_id, actor=actor, field="hostId")
    course, module_id = await _course_of(session, actor, command)
    module_minutes = None
    if module_id is not None:
        module_minutes = (await session.get(Module, module_id)).details.get("duration_minutes")  # type: ignore[union-attr]
    minutes = command.duration_minutes if command.duration_minutes is not None else module_minutes or DEFAULT_MINUTES
    checks = Checks()
    checks.text(("title",), command.title, max_length=MAX_TITLE, required=True)
    if not 1 <= minutes <= MAX_MINUTES:
        checks.add(("durationMinutes",), f"durationMinutes is 1 to {MAX_MINUTES}.", "INVALID")
    checks.done()
    host = await _host(session, actor, course, named_host)
    portal = await session.get(Portal, course.portal_id)
    assert portal is not None
    token = classroom_token()
    provider_name = providers.name_for(portal.slug)
    try:
        meeting = await providers.named(provider_name).create_meeting(
            MeetingRequest(
                meeting_key=token,
                host_puid=host.classroom_user_id,
                title=command.title.strip(),
                local_time=command.starts_at.astimezone(ZoneInfo(portal.time_zone)),
                duration_minutes=minutes,
                host_nickname=host.full_name,
                host_email=host.email,
            )
        )
    except ProviderFailed as error:
        raise Failure([_refused(error)]) from None
    row = LiveSession(
        portal_id=course.portal_id,
        course_id=course.id,
        module_id=module_id,
        host_id=host.id,
        title=command.title.strip(),
        starts_at=command.starts_at,
        duration_minutes=minutes,
        provider=provider_name,
        meeting_key=meeting.meeting_key,
        meeting_url=meeting.meeting_url,
        host_url=meeting.host_url,
        classroom_token=token,
        record=command.record,
    )
    session.add(row)
    await session.flush()
    return Changed(row, status_changed=True)


async def _asked(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T | ProviderFailed]:
    """Each call's answer or its `ProviderFailed`, in order, at most PROVIDER_CONCURRENCY at once: a
    class of 200 is not 200 provider round trips one after another while the transaction waits."""
    gate = asyncio.Semaphore(PROVIDER_CONCURRENCY)

    async def one(call: Callable[[], Awaitable[T]]) -> T | ProviderFailed:
        async with gate:
            try:
                return await call()
            except ProviderFailed as error:
                return error

    return list(await asyncio.gather(*(one(call) for call in calls)))


def _by_index(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: int(problem.field[-1]) if problem.field else -1)


async def _managed(session: AsyncSession, actor: Actor, live_session_id: UUID) -> LiveSession:
    return await visible_row(session, LiveSession, live_session_id, actor=actor, field="liveSessionId", manage=True)


def _open(live_session: LiveSession) -> None:
    if live_session.status in CLOSED:
        raise Failure.one(
            ("liveSessionId",), f"This session is {live_session.status.name.lower()}.", "NOT_ALLOWED_IN_STATE"
        )


def attendees(course_id: UUID, at: datetime) -> Select[tuple[User]]:
    """Who may join the course's live sessions: active users whose enrollment in it is neither
    revoked nor expired at `at`. Adding participants and the classroom's callbacks (learncube.py)
    judge by this one rule."""
    return (
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(
            Enrollment.course_id == course_id,
            User.is_active,
            Enrollment.revoked_at.is_(None),
            or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > at),
        )
    )


async def _with_access(session: AsyncSession, course_id: UUID, user_ids: set[UUID]) -> dict[UUID, User]:
    rows = await session.scalars(attendees(course_id, now(session)).where(User.id.in_(user_ids)))
    return {user.id: user for user in rows}


async def add_participants(
    session: AsyncSession, *, actor: Actor, live_session_id: UUID, user_ids: Sequence[UUID | None], providers: Providers
) -> Changed:
    live_session = await _managed(session, actor, live_session_id)
    _open(live_session)
    decoded = [uid for uid in user_ids if uid is not None]
    wanted = set(await session.scalars(select(User.id).where(User.id.in_(decoded), actor.visible(User))))
    learners = await _with_access(session, live_session.course_id, wanted)
    present = {
        p.user_id: p
        for p in await session.scalars(
            select(LiveSessionParticipant).where(
                LiveSessionParticipant.live_session_id == live_session.id, LiveSessionParticipant.user_id.in_(wanted)
            )
        )
    }
    problems: list[Problem] = []
    touched: dict[UUID | None, LiveSessionParticipant | None] = {}  # in the order asked; None: joining
    joining: list[tuple[tuple[str, str], User]] = []
    for index, user_id in enumerate(user_ids):
        at = ("userIds", str(index))
        if user_id in present or user_id in touched:
            touched[user_id] = present.get(user_id) or touched[user_id]
            continue
        if user_id not in wanted:
            problems.append(Problem(at, "No user with this id.", "NOT_FOUND"))
            continue
        if user_id not in learners:
            problems.append(Problem(at, "No learner with access to this course has this id.", "NOT_ENROLLED"))
            continue
        if user_id == live_session.host_id:
            problems.append(Problem(at, "The host joins with the host URL.", "INVALID"))
            continue
        touched[user_id] = None
        joining.append((at, learners[user_id]))
    if joining:
        provider = providers.named(live_session.provider)
        urls = await _asked(
            [
                lambda user=user: provider.add_participant(
                    live_session.meeting_key, puid=user.classroom_user_id, nickname=user.full_name, email=user.email
                )
                for _, user in joining
            ]
        )
        for (at, user), url in zip(joining, urls, strict=True):
            if isinstance(url, ProviderFailed):
                problems.append(_refused(url, at))
                del touched[user.id]
                continue
            row = LiveSessionParticipant(
                portal_id=live_session.portal_id, live_session_id=live_session.id, user_id=user.id, join_url=url
            )
            session.add(row)
            touched[user.id] = row
    await session.flush()
    return Changed(live_session, list(touched.values()), _by_index(problems))


async def remove_participants(
    session: AsyncSession, *, actor: Actor, live_session_id: UUID, user_ids: Sequence[UUID | None], providers: Providers
) -> Changed:
    live_session = await _managed(session, actor, live_session_id)
    rows = {
        p.user_id: p
        for p in await session.scalars(
            select(LiveSessionParticipant).where(LiveSessionParticipant.live_session_id == live_session.id)
        )
    }
    named = {user_id for user_id in user_ids if user_id in rows}
    found = await session.execute(select(User.id, User.classroom_user_id).where(User.id.in_(named)))
    puids = dict(found.all())  # rows, not the Result: it has keys(), which dict() would read as a mapping
    problems, leaving, seen = [], [], set()
    for index, user_id in enumerate(user_ids):
        at = ("userIds", str(index))
        if user_id not in rows:
            problems.append(Problem(at, "No participant of this session has this id.", "NOT_FOUND"))
        elif user_id not in seen:
            seen.add(user_id)
            leaving.append((at, user_id))
    provider = providers.named(live_session.provider) if leaving else None
    answers = await _asked(
        [
            lambda user_id=user_id: provider.cancel_participant(live_session.meeting_key, puid=puids[user_id])  # type: ignore[union-attr]
            for _, user_id in leaving
        ]
    )
    gone = []
    for (at, user_id), answer in zip(leaving, answers, strict=True):
        if isinstance(answer, ProviderFailed):
            problems.append(_refused(answer, at))
        else:
            gone.append(user_id)
    if gone:
        await session.execute(
            delete(LiveSessionParticipant).where(
                LiveSessionParticipant.live_session_id == live_session.id, LiveSessionParticipant.user_id.in_(gone)
            )
        )
    return Changed(live_session, [], _by_index(problems))


async def cancel(session: AsyncSession, *, actor: Actor, live_session_id: UUID, providers: Providers) -> Changed:
    live_session = await _managed(session, actor, live_session_id)
    if live_session.status is LiveSessionStatus.CANCELLED:
        return Changed(live_session)
    _open(live_session)
    try:
        await providers.named(live_session.provider).cancel_meeting(live_session.meeting_key)
    except ProviderFailed as error:
        raise Failure([_refused(error)]) from None
    live_session.status = LiveSessionStatus.CANCELLED
    live_session.cancelled_at = now(session)
    await session.flush()
    return Changed(live_session, status_changed=True)


async def refresh(session: AsyncSession, *, actor: Actor, live_session_id: UUID, providers: Providers) -> Changed:
    """002 getMeetingStatus and getParticipantStatus into the session and its participants (the
    built-in provider has no say: its statuses come from the classroom's callbacks)."""
    live_session = await _managed(session, actor, live_session_id)
    if live_session.status is LiveSessionStatus.CANCELLED:
        return Changed(live_session)
    provider = providers.named(live_session.provider)
    rows = list(
        await session.execute(
            select(LiveSessionParticipant, User.classroom_user_id)
            .join(User, User.id == LiveSessionParticipant.user_id)
            .where(LiveSessionParticipant.live_session_id == live_session.id)
            .order_by(LiveSessionParticipant.created_at, LiveSessionParticipant.id)
        )
    )
    status, *statuses = await _asked(
        [
            lambda: provider.meeting_status(live_session.meeting_key),
            *(lambda puid=puid: provider.participant_status(live_session.meeting_key, puid=puid) for _, puid in rows),
        ]
    )
    failed = next((answer for answer in (status, *statuses) if isinstance(answer, ProviderFailed)), None)
    if failed is not None:
        raise Failure([_refused(failed)])
    for (participant, _), participant_status in zip(rows, statuses, strict=True):
        participant.status = participant_status or participant.status
    changed = status is not None and status is not live_session.status
    if changed:
        at = now(session)
        live_session.status = status  # type: ignore[assignment]
        if status in (LiveSessionStatus.STARTED, LiveSessionStatus.IN_PROGRESS) and live_session.started_at is None:
            live_session.started_at = at
        if status in (LiveSessionStatus.FINISHED, LiveSessionStatus.HOST_QUIT) and live_session.ended_at is None:
            live_session.ended_at = at
    await session.flush()
    return Changed(live_session, [participant for participant, _ in rows], status_changed=changed)


# ---- reads ---------------------------------------------------------------------------------------


def live_sessions_query(
    actor: Actor, course_id: UUID | None = None, status: LiveSessionStatus | None = None
) -> Select[Any]:
    stmt = select(LiveSession.__table__).where(actor.visible(LiveSession))
    if course_id is not None:
        stmt = stmt.where(LiveSession.course_id == course_id)
    if status is not None:
        stmt = stmt.where(LiveSession.status == status)
    return stmt


def managed_query(actor: Actor) -> Select[Any]:
    """The sessions the actor may change: they see the classroom token and the host URL."""
    return select(LiveSession.__table__).where(actor.manageable(LiveSession))


def participants_query(actor: Actor) -> Select[Any]:
    return select(LiveSessionParticipant.__table__).where(actor.visible(LiveSessionParticipant))


def own_participation_query(actor: Actor) -> Select[Any]:
    """The actor's own participant rows: their join URL."""
    mine = LiveSessionParticipant.user_id == actor.user_id if actor.user_id is not None else false()
    return participants_query(actor).where(mine)


def segments_query(actor: Actor) -> Select[Any]:
    return select(ClassroomSegment.__table__).where(actor.visible(ClassroomSegment))
