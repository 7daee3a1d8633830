"""Live sessions and their participants as the graph shows them, through the request's loaders.
Who sees which session is the policy's; the credentials within it are narrower still: the
classroom token and host URL only for those who may change the session, a join URL only for its
host (the host URL) and each participant (their own)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import ClassroomRequest, LiveSessionStatus, ParticipantStatus
from graph.modules.types import Module, module_from_row
from graph.node import Node, make_id, register
from graph.pagination import Connection, Listed, Paged, order_input
from models.courses import Course
from models.live_sessions import LiveSession, LiveSessionParticipant
from models.modules import Module as ModuleRow
from models.portals import Portal
from models.users import User
from resolvers.batches import Children
from resolvers.live_sessions import sessions

if TYPE_CHECKING:
    from graph.courses.types import CourseType
    from graph.portals.types import PortalType
    from graph.users.types import UserType

LiveSessionOrder = order_input("LiveSessionOrder", {"CREATED_AT": "created_at", "STARTS_AT": "starts_at"})
ParticipantOrder = order_input("LiveSessionParticipantOrder", {"CREATED_AT": "created_at"})
UserRef = Annotated["UserType", strawberry.lazy("graph.users.types")]


async def _user(info: Info, user_id: UUID | None) -> "UserType | None":
    from graph.users.types import UserType

    row = None if user_id is None else await info.context.loaders.row(User, user_id)
    return None if row is None else UserType.from_row(row)


async def _one(info: Info, query: Any, partition: str, key: UUID) -> Any:
    """The actor's row of `query` for `key`, batched with every other session of the answer."""
    actor = await info.context.actor()
    rows = await info.context.loaders.children.load((key, Children(query, (actor,), partition, ("id",))))
    return rows[0] if rows else None


async def _segments(info: Info, live_session_id: UUID, user_id: UUID | None = None) -> list["ClassroomSegmentType"]:
    """A session's segments in one load for every session of the answer; a participant's are theirs."""
    actor = await info.context.actor()
    spec = Children(sessions.segments_query, (actor,), "live_session_id", ("created_at", "id"))
    rows = await info.context.loaders.children.load((live_session_id, spec))
    return [ClassroomSegmentType(row=row) for row in rows if user_id is None or row.user_id == user_id]


@strawberry.type(name="LiveSession", description="A live class of a course (002 meeting, 000 virtual classroom).")
class LiveSessionNode(Node):
    title: str = strawberry.field(description="The session's title.")
    starts_at: datetime = strawberry.field(description="When it is planned to start (UTC).")
    duration_minutes: int = strawberry.field(description="Planned length in minutes.")
    status: LiveSessionStatus = strawberry.field(description="Where the session is.")  # type: ignore[valid-type]
    provider: str = strawberry.field(description='Where it happens: "builtin" (000 links) or "liveminutes" (002).')
    record: bool = strawberry.field(description="The classroom records it (000 `record`).")
    attended_seconds: int = strawberry.field(description="Σ of every `time` the classroom reported (000, R47).")
    started_at: datetime | None = strawberry.field(description="When the classroom started it (start_lesson).")
    ended_at: datetime | None = strawberry.field(description="When the classroom ended it (end_lesson).")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled; null unless CANCELLED.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("LiveSession", row.id),
            title=row.title,
            starts_at=row.starts_at,
            duration_minutes=row.duration_minutes,
            status=row.status,
            provider=row.provider,
            record=row.record,
            attended_seconds=row.attended_seconds,
            started_at=row.started_at,
            ended_at=row.ended_at,
            cancelled_at=row.cancelled_at,
            created_at=row.created_at,
            row=row,
        )

    async def _manages(self, info: Info) -> bool:
        return await _one(info, sessions.managed_query, "id", self.row.id) is not None

    @strawberry.field(
        description="000's `token`: the classroom's credential (160 random bits). Null unless the viewer may "
        "change the session."
    )
    async def classroom_token(self, info: Info) -> str | None:
        return self.row.classroom_token if await self._manages(info) else None

    @strawberry.field(description="The host's link into the class. Null unless the viewer hosts or may change it.")
    async def host_url(self, info: Info) -> str | None:
        actor = await info.context.actor()
        host = actor.user_id is not None and actor.user_id == self.row.host_id
        return self.row.host_url if host or await self._manages(info) else None

    @strawberry.field(description="The viewer's own link: the host URL for the host, a participant's own URL.")
    async def join_url(self, info: Info) -> str | None:
        actor = await info.context.actor()
        if actor.user_id is not None and actor.user_id == self.row.host_id:
            return self.row.host_url
        mine = await _one(info, sessions.own_participation_query, "live_session_id", self.row.id)
        return None if mine is None else mine.join_url

    @strawberry.field(description="The meeting's own page at the provider (002 meetingUrl).")
    async def meeting_url(self, info: Info) -> str | None:
        return self.row.meeting_url if await self._manages(info) else None

    @strawberry.field(description="The portal it belongs to.")
    async def portal(self, info: Info) -> Annotated["PortalType", strawberry.lazy("graph.portals.types")]:
        from graph.portals.types import PortalType

        return PortalType.from_row(await info.context.loaders.row(Portal, self.row.portal_id))

    @strawberry.field(description="Who hosts it; null when the viewer may not see them.")
    async def host(self, info: Info) -> UserRef | None:
        return await _user(info, self.row.host_id)

    @strawberry.field(description="The course it belongs to; null when the viewer may not see it.")
    async def course(self, info: Info) -> Annotated["CourseType", strawberry.lazy("graph.courses.types")] | None:
        from graph.courses.types import CourseType

        row = await info.context.loaders.row(Course, self.row.course_id)
        return None if row is None else CourseType.from_row(row)

    @strawberry.field(description="The LIVE_SESSION module it belongs to, if any.")
    async def module(self, info: Info) -> Module | None:
        if self.row.module_id is None:
            return None
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)

    @strawberry.field(
        description="Participants, as the viewer may see them (a learner: themselves).",
        extensions=[Paged(ParticipantOrder)],
    )
    async def participants(self, info: Info) -> Connection["LiveSessionParticipantNode"]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            sessions.participants_query,
            (actor,),
            LiveSessionParticipantNode.from_row,
            partition="live_session_id",
            parent=self.row.id,
        )

    @strawberry.field(description="Every time segment the classroom reported (000 end_lesson, crash_lesson).")
    async def attendance(self, info: Info) -> list["ClassroomSegmentType"]:
        return await _segments(info, self.row.id)


@strawberry.type(name="LiveSessionParticipant", description="A learner invited to a live session (002 participant).")
class LiveSessionParticipantNode(Node):
    status: ParticipantStatus = strawberry.field(description="Where the participant is.")  # type: ignore[valid-type]
    attended_seconds: int = strawberry.field(description="Σ of the `time` the classroom reported for this user.")
    created_at: datetime = strawberry.field(description="When they were invited (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("LiveSessionParticipant", row.id),
            status=row.status,
            attended_seconds=row.attended_seconds,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="This participant's own link into the class; null for anyone else but staff.")
    async def join_url(self, info: Info) -> str | None:
        actor = await info.context.actor()
        own = actor.user_id is not None and actor.user_id == self.row.user_id
        staff = await _one(info, sessions.managed_query, "id", self.row.live_session_id) is not None
        return self.row.join_url if own or staff else None

    @strawberry.field(description="Who it is; null when the viewer may not see them.")
    async def user(self, info: Info) -> UserRef | None:
        return await _user(info, self.row.user_id)

    @strawberry.field(description="The segments the classroom reported for this participant (000 `user_id`).")
    async def attendance(self, info: Info) -> list["ClassroomSegmentType"]:
        return await _segments(info, self.row.live_session_id, self.row.user_id)

    @strawberry.field(description="The session; null when the viewer may not see it.")
    async def live_session(self, info: Info) -> LiveSessionNode | None:
        row = await info.context.loaders.row(LiveSession, self.row.live_session_id)
        return None if row is None else LiveSessionNode.from_row(row)


@strawberry.type(name="ClassroomSegment", description="One `time` the virtual classroom reported (000).")
class ClassroomSegmentType:
    row: strawberry.Private[Any]

    @strawberry.field(description="Which callback reported it.")
    def request(self) -> ClassroomRequest:  # type: ignore[valid-type]
        return self.row.request

    @strawberry.field(description="The segment's length in seconds.")
    def seconds(self) -> int:
        return self.row.seconds

    @strawberry.field(description="When the callback arrived (UTC).")
    def received_at(self) -> datetime:
        return self.row.received_at

    @strawberry.field(description="Whom it was reported for (000 `user_id`), when that was the host or a participant.")
    async def user(self, info: Info) -> UserRef | None:
        return await _user(info, self.row.user_id)


register("LiveSession", LiveSession, LiveSessionNode.from_row)
register("LiveSessionParticipant", LiveSessionParticipant, LiveSessionParticipantNode.from_row)
