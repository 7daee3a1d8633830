"""000's virtual-classroom callbacks (contract §9, DOMAIN §6.1, R47–R49). LearnCube asks us;
every answer is a JSON object with `status`, and a `message` when it is false:

- connect_lesson {token, user_id}: the token names a session that is neither cancelled nor over;
  the host is the tutor; a participant needs an enrollment with access; anyone else is refused.
  A connection within 60 s of a crash rejoins the class; later, the class is over.
- start_lesson {token} (also `start_class`): from 15 minutes before the start until the planned
  end; the session is STARTED (once: a later start after a crash keeps the first time).
- end_lesson / crash_lesson {token, time[, user_id]}: only after a start; every `time` adds to the
  session's attended seconds (and the participant's, when `user_id` names one), no
  de-duplication. end_lesson finishes the session; crash_lesson opens the 60 s rejoin window.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.live_sessions import (
    ClassroomSegment,
    LiveSession,
    LiveSessionParticipant,
    LiveSessionStatus,
    SegmentKind,
)
from models.session import now
from models.users import User
from resolvers.live_sessions.sessions import attendees

ALPHANUMERIC = re.compile(r"[A-Za-z0-9]{1,64}")
REJOIN = timedelta(seconds=60)
EARLY_START = timedelta(minutes=15)
MAX_SEGMENT_SECONDS = 24 * 60 * 60
REQUESTS = {"connect_lesson", "start_lesson", "start_class", "end_lesson", "crash_lesson"}


@dataclass(frozen=True, slots=True)
class Answer:
    """What LearnCube is told, and the session whose status it changed (for subscribers)."""

    body: dict[str, Any]
    changed: UUID | None = None


def refused(message: str) -> Answer:
    return Answer({"status": False, "message": message})


def _text(params: Mapping[str, Any], key: str) -> str | None:
    """Ids are alphanumeric (000); a number sent for one (JSON `"id":111`) is read as its digits."""
    value = params.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and ALPHANUMERIC.fullmatch(value) else None


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= MAX_SEGMENT_SECONDS else None


async def callback(session: AsyncSession, *, params: Mapping[str, Any]) -> Answer:
    """One request of LearnCube's; never raises for bad input (HTTP 200 either way)."""
    request = params.get("request")
    if not isinstance(request, str) or request not in REQUESTS:
        return refused("Unknown request: expected connect_lesson, start_lesson, end_lesson or crash_lesson.")
    token = _text(params, "token")
    if token is None:
        return refused("token is required (letters and digits).")
    live_session = await session.scalar(
        select(LiveSession).where(LiveSession.classroom_token == token).with_for_update()
    )
    if live_session is None:
        return refused("Class not found.")
    if request == "connect_lesson":
        return await _connect(session, live_session, params)
    if request in ("start_lesson", "start_class"):
        return _start(session, live_session)
    return await _segment(session, live_session, params, SegmentKind(request))


def _closed(session: AsyncSession, live_session: LiveSession) -> str | None:
    """Why nobody may join any more, or None."""
    if live_session.status is LiveSessionStatus.CANCELLED:
        return "Class not allowed: it was cancelled."
    if live_session.ended_at is not None:
        return "Class not allowed: it has ended."
    if live_session.crashed_at is not None and now(session) > live_session.crashed_at + REJOIN:
        return "Class not allowed: it was interrupted more than 60 seconds ago."
    return None


async def _connect(session: AsyncSession, live_session: LiveSession, params: Mapping[str, Any]) -> Answer:
    closed = _closed(session, live_session)
    if closed is not None:
        return refused(closed)
    user_id = _text(params, "user_id")
    if user_id is None:
        return refused("user_id is required (letters and digits).")
    user = await session.scalar(select(User).where(User.classroom_user_id == user_id, User.is_active))
    if user is None:
        return refused("Class not allowed for this user.")
    is_tutor = user.id == live_session.host_id
    if not is_tutor and not await _may_attend(session, live_session, user.id):
        return refused("Class not allowed for this user.")
    if live_session.crashed_at is not None:
        live_session.crashed_at = None  # rejoined within the window: the class goes on
    return Answer(
        {
            "status": True,
            "is_tutor": is_tutor,
            "id": user.classroom_user_id,
            "full_name": user.full_name,
            "avatar": user.avatar_url or "",
            "record": live_session.record,
        }
    )


async def _may_attend(session: AsyncSession, live_session: LiveSession, user_id: UUID) -> bool:
    """A participant of the session who may still join its course's sessions."""
    found = await session.scalar(
        attendees(live_session.course_id, now(session))
        .with_only_columns(User.id)
        .join(
            LiveSessionParticipant,
            (LiveSessionParticipant.user_id == User.id) & (LiveSessionParticipant.live_session_id == live_session.id),
        )
        .where(User.id == user_id)
    )
    return found is not None


def _start(session: AsyncSession, live_session: LiveSession) -> Answer:
    closed = _closed(session, live_session)
    if closed is not None:
        return refused(closed)
    if live_session.started_at is not None:
        live_session.crashed_at = None
        return Answer({"status": True})
    at = now(session)
    end = live_session.starts_at + timedelta(minutes=live_session.duration_minutes)
    if not live_session.starts_at - EARLY_START <= at <= end:
        return refused("Class not allowed: it starts 15 minutes before its time at the earliest and not after its end.")
    live_session.started_at = at
    live_session.status = LiveSessionStatus.STARTED
    return Answer({"status": True}, changed=live_session.id)


async def _segment(
    session: AsyncSession, live_session: LiveSession, params: Mapping[str, Any], kind: SegmentKind
) -> Answer:
    seconds = _seconds(params.get("time"))
    if seconds is None:
        return refused(f"time is required: whole seconds, 0 to {MAX_SEGMENT_SECONDS}.")
    if live_session.status is LiveSessionStatus.CANCELLED:
        return refused("Class not allowed: it was cancelled.")
    if live_session.started_at is None:
        return refused(f"{kind.value} needs a start_lesson first.")
    at = now(session)
    user_id = await _attendee(session, live_session, _text(params, "user_id"))
    session.add(
        ClassroomSegment(
            portal_id=live_session.portal_id,
            live_session_id=live_session.id,
            user_id=user_id,
            request=kind,
            seconds=seconds,
            received_at=at,
        )
    )
    await session.execute(  # in SQL: concurrent reports of one class add up, none is lost
        update(LiveSession)
        .where(LiveSession.id == live_session.id)
        .values(attended_seconds=LiveSession.attended_seconds + seconds)
    )
    if user_id is not None:
        await session.execute(
            update(LiveSessionParticipant)
            .where(LiveSessionParticipant.live_session_id == live_session.id, LiveSessionParticipant.user_id == user_id)
            .values(attended_seconds=LiveSessionParticipant.attended_seconds + seconds)
        )
    changed = None
    if kind is SegmentKind.END_LESSON:
        live_session.crashed_at = None
        if live_session.status is not LiveSessionStatus.FINISHED:
            live_session.status, live_session.ended_at, changed = LiveSessionStatus.FINISHED, at, live_session.id
    else:
        live_session.crashed_at = at
    return Answer({"status": True}, changed=changed)


async def _attendee(session: AsyncSession, live_session: LiveSession, classroom_user_id: str | None) -> UUID | None:
    """The host or a participant named by `user_id`; anyone else's time is the session's only."""
    if classroom_user_id is None:
        return None
    user_id = await session.scalar(select(User.id).where(User.classroom_user_id == classroom_user_id))
    if user_id is None or user_id == live_session.host_id:
        return user_id
    taking_part = await session.scalar(
        select(LiveSessionParticipant.id).where(
            LiveSessionParticipant.live_session_id == live_session.id, LiveSessionParticipant.user_id == user_id
        )
    )
    return user_id if taking_part is not None else None
