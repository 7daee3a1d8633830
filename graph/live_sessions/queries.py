"""liveSessions, and liveSessionStatusChanged: a session, each time its status changes."""

from collections.abc import AsyncGenerator, Hashable
from typing import Annotated
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import LiveSessionStatus
from graph.errors import NotFoundError
from graph.events import TOPICS, follow
from graph.live_sessions.types import LiveSessionNode, LiveSessionOrder
from graph.node import filter_id, query_id
from graph.pagination import Connection, Listed, Paged
from models.live_sessions import LiveSession
from resolvers.live_sessions import learncube, sessions


def status_topic(live_session_id: UUID) -> str:
    return f"live-session-status:{live_session_id}"


TOPICS[sessions.Changed] = lambda done: (
    [(status_topic(done.live_session.id), done.live_session.id)] if done.status_changed else []
)
TOPICS[learncube.Answer] = lambda answer: (
    [] if answer.changed is None else [(status_topic(answer.changed), answer.changed)]
)


@strawberry.input(description="Narrows a list of live sessions; all given conditions apply.")
class LiveSessionFilter:
    course_id: strawberry.ID | None = strawberry.field(default=None, description="Only sessions of this course.")
    status: LiveSessionStatus | None = strawberry.field(default=None, description="Only sessions in this status.")  # type: ignore[valid-type]


@strawberry.type
class LiveSessionQuery:
    @strawberry.field(
        description="Live sessions: admins see their portals'; others the sessions they run, are invited to, or "
        "that belong to courses they are enrolled in.",
        extensions=[Paged(LiveSessionOrder)],
    )
    async def live_sessions(
        self,
        info: Info,
        filter: Annotated[LiveSessionFilter | None, strawberry.argument(description="Narrows the list.")] = None,
    ) -> Connection[LiveSessionNode]:
        actor = await info.context.actor()
        course_id = None if filter is None or filter.course_id is None else filter_id(filter.course_id, "Course")
        status = None if filter is None else filter.status
        return Listed(sessions.live_sessions_query, (actor, course_id, status), LiveSessionNode.from_row)  # type: ignore[return-value]


@strawberry.type
class LiveSessionSubscription:
    @strawberry.subscription(
        description="A live session each time its status changes (cancelled, started or ended by the classroom), "
        "after the change commits; for those who may read the session."
    )
    async def live_session_status_changed(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The live session to follow.")]
    ) -> AsyncGenerator[LiveSessionNode, None]:
        row_id = query_id(id, "LiveSession")
        try:
            if row_id is None or await info.context.loaders.row(LiveSession, row_id) is None:
                raise NotFoundError("No live session with this id.")  # hidden looks the same
        finally:
            await info.context.db.close()

        async def load(message: Hashable) -> LiveSessionNode | None:
            row = await info.context.loaders.row(LiveSession, message)
            return None if row is None else LiveSessionNode.from_row(row)

        async for changed in follow(info.context, status_topic(row_id), load):
            yield changed
