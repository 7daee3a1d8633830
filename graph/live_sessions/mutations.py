"""liveSessionCreate, liveSessionParticipantAdd, liveSessionParticipantRemove, liveSessionCancel."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.errors import error_type
from graph.live_sessions.types import LiveSessionNode, LiveSessionParticipantNode
from graph.mutation import errors_field, perform
from graph.node import input_id, maybe_input_id
from resolvers.errors import Problem
from resolvers.live_sessions import sessions
from resolvers.live_sessions.registry import Providers

LiveSessionError = error_type("LiveSessionError", sessions.LiveSessionErrorCode)


@strawberry.input(description="A live session of a course, or of one of its LIVE_SESSION modules (give one).")
class LiveSessionCreateInput:
    module_id: strawberry.ID | None = strawberry.field(default=None, description="A LIVE_SESSION module.")
    course_id: strawberry.ID | None = strawberry.field(default=None, description="When no module is given.")
    title: str = strawberry.field(description="The session's title.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    duration_minutes: int | None = strawberry.field(
        default=None, description="1–1440; default the module's durationMinutes, else 60."
    )
    host_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff of the course's portal or an instructor of the course; default the caller."
    )
    record: bool = strawberry.field(default=False, description="Ask the classroom to record (000 `record`).")


@strawberry.input(description="Users of a live session; each refused id is reported with its index.")
class LiveSessionParticipantsInput:
    live_session_id: strawberry.ID = strawberry.field(description="The live session.")
    user_ids: list[strawberry.ID] = strawberry.field(
        description="The users to add or remove; each refused one is reported by index."
    )


@strawberry.input(description="One live session.")
class LiveSessionInput:
    live_session_id: strawberry.ID = strawberry.field(description="The live session.")


@strawberry.type(description="The live session a mutation changed, the participants it added, or why not.")
class LiveSessionPayload:
    live_session: LiveSessionNode | None = strawberry.field(
        default=None, description="The session as it is now; null when refused."
    )
    participants: list[LiveSessionParticipantNode] = strawberry.field(
        default_factory=list,
        description="Those the mutation touched: every participant named (add), every participant (refresh).",
    )
    errors: list[LiveSessionError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: sessions.Changed) -> "LiveSessionPayload":
        return cls(
            live_session=LiveSessionNode.from_row(done.live_session),
            participants=[LiveSessionParticipantNode.from_row(p) for p in done.participants],
            errors=LiveSessionError.of(done.problems),
        )

    @classmethod
    def failed(cls, problems: list[Problem]) -> "LiveSessionPayload":
        return cls(errors=LiveSessionError.of(problems))


def _participants(info: Info, input_: LiveSessionParticipantsInput) -> dict[str, Any]:
    return {
        "live_session_id": input_id(input_.live_session_id, "LiveSession", field=("liveSessionId",)),
        "user_ids": [maybe_input_id(value, "User") for value in input_.user_ids],
        "providers": Providers(info.context.settings),
    }


def _session(info: Info, input_: LiveSessionInput) -> dict[str, Any]:
    return {
        "live_session_id": input_id(input_.live_session_id, "LiveSession", field=("liveSessionId",)),
        "providers": Providers(info.context.settings),
    }


@strawberry.type
class LiveSessionMutation:
    @strawberry.mutation(
        description="Schedule a live session with the portal's provider (002 createMeeting); the payload "
        "shows its classroomToken and hostUrl. Nothing is saved when the provider refuses (PROVIDER_FAILED)."
    )
    async def live_session_create(
        self,
        info: Info,
        input_: Annotated[
            LiveSessionCreateInput,
            strawberry.argument(name="input", description="The course or module, title and start."),
        ],
    ) -> LiveSessionPayload:
        def arguments() -> dict[str, Any]:
            command = sessions.LiveSessionCommand(
                module_id=None
                if input_.module_id is None
                else input_id(input_.module_id, "Module", field=("moduleId",)),
                course_id=None
                if input_.course_id is None
                else input_id(input_.course_id, "Course", field=("courseId",)),
                title=input_.title,
                starts_at=input_.starts_at,
                duration_minutes=input_.duration_minutes,
                host_id=None if input_.host_id is None else input_id(input_.host_id, "User", field=("hostId",)),
                record=input_.record,
            )
            return {"command": command, "providers": Providers(info.context.settings)}

        return await perform(info, LiveSessionPayload, sessions.create, arguments)

    @strawberry.mutation(
        description="Invite learners enrolled in the session's course (002 addParticipant); each gets their own "
        "join URL. Anyone else is reported by index (NOT_ENROLLED); someone already in is no error."
    )
    async def live_session_participant_add(
        self,
        info: Info,
        input_: Annotated[
            LiveSessionParticipantsInput,
            strawberry.argument(name="input", description="The session and the users to invite."),
        ],
    ) -> LiveSessionPayload:
        return await perform(info, LiveSessionPayload, sessions.add_participants, lambda: _participants(info, input_))

    @strawberry.mutation(description="Remove participants (002 cancelParticipant); unknown ones are reported by index.")
    async def live_session_participant_remove(
        self,
        info: Info,
        input_: Annotated[
            LiveSessionParticipantsInput,
            strawberry.argument(name="input", description="The session and the users to remove."),
        ],
    ) -> LiveSessionPayload:
        return await perform(
            info, LiveSessionPayload, sessions.remove_participants, lambda: _participants(info, input_)
        )

    @strawberry.mutation(description="Cancel a session that has not finished (002 cancelMeeting); twice is no error.")
    async def live_session_cancel(
        self,
        info: Info,
        input_: Annotated[LiveSessionInput, strawberry.argument(name="input", description="The session to cancel.")],
    ) -> LiveSessionPayload:
        return await perform(info, LiveSessionPayload, sessions.cancel, lambda: _session(info, input_))

    @strawberry.mutation(
        description="Read the session's and its participants' statuses from the provider (002 getMeetingStatus, "
        "getParticipantStatus); the built-in provider's come from the classroom instead."
    )
    async def live_session_status_refresh(
        self,
        info: Info,
        input_: Annotated[
            LiveSessionInput,
            strawberry.argument(name="input", description="The session whose status to ask the provider for."),
        ],
    ) -> LiveSessionPayload:
        return await perform(info, LiveSessionPayload, sessions.refresh, lambda: _session(info, input_))
