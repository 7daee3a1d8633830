"""Discussion posts and survey responses as the graph shows them, read through the request's
loaders (a list of modules costs one statement for all their posts). Who sees what is the
policy's (`DiscussionPost`, `SurveyResponse` in resolvers/policy.py)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import SurveyFieldType
from graph.links import linked
from graph.modules.types import Module, module_from_row
from graph.node import Node, make_id, register
from models.discussions import DiscussionPost, SurveyResponse
from models.enrollments import Enrollment
from models.modules import Module as ModuleRow
from models.users import User
from resolvers import discussions
from resolvers.batches import Children

if TYPE_CHECKING:
    from graph.enrollments.types import EnrollmentType
    from graph.users.types import UserType


@strawberry.type(name="DiscussionPost", description="A post in a discussion, or a reply to one (003 comment).")
class DiscussionPostNode(Node):
    body: str = strawberry.field(description="The post's text.")
    created_at: datetime = strawberry.field(description="When it was posted (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("DiscussionPost", row.id), body=row.body, created_at=row.created_at, row=row)

    @strawberry.field(description="Null where the viewer may not see the author's account.")
    async def author(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        row = await info.context.loaders.row(User, self.row.author_id)
        return None if row is None else UserType.from_row(row)

    @strawberry.field(description="The post this one answers; null for a post that starts a thread.")
    async def reply_to(self, info: Info) -> "DiscussionPostNode | None":
        if self.row.reply_to_id is None:
            return None
        row = await info.context.loaders.row(DiscussionPost, self.row.reply_to_id)
        return None if row is None else DiscussionPostNode.from_row(row)

    @strawberry.field(description="The discussion module; null when the viewer may not see it.")
    async def module(self, info: Info) -> Module | None:
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)


@strawberry.type(description="An instructor's evaluation of a learner's participation in a discussion (003, R26).")
class DiscussionEvaluation:
    points_awarded: float = strawberry.field(description="From 0 to the discussion's totalPoints.")
    score: float = strawberry.field(description="The points as a percent: the module's score (R19).")
    instructor_message: str | None = strawberry.field(description="The instructor's words to the learner; null: none.")
    evaluated_at: datetime = strawberry.field(description="When it was evaluated (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            points_awarded=row.points_awarded,
            score=row.score,
            instructor_message=row.instructor_message,
            evaluated_at=row.evaluated_at,
            row=row,
        )

    @strawberry.field(description="Null where the viewer may not see the evaluator's account.")
    async def evaluated_by(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        return await linked(info, User, self.row.evaluated_by_id, UserType.from_row)


async def evaluation_of(info: Info, enrollment_id: UUID, module_id: UUID) -> DiscussionEvaluation | None:
    """A learner's evaluation in one discussion, batched over every record of the request."""
    actor = await info.context.actor()
    spec = Children(discussions.evaluations_query, (actor,), "enrollment_id", ("module_id",))
    rows = await info.context.loaders.children.load((enrollment_id, spec))
    return next((DiscussionEvaluation.from_row(row) for row in rows if row.module_id == module_id), None)


@strawberry.type(description="One answer of a survey response, with the field's label as it was.")
class SurveyAnswer:
    field_index: int = strawberry.field(description="The field's place in `surveyFields`, from 0.")
    type: SurveyFieldType = strawberry.field(description="How the question was answered.")
    label: str = strawberry.field(description="The question as it read when answered.")
    value: str | None = strawberry.field(description="TEXT, TEXTAREA, RATING (1–5).")
    choices: list[str] = strawberry.field(description="RADIO, DROPDOWN (one), CHECKBOX (any).")


@strawberry.type(name="SurveyResponse", description="A learner's answers to a survey (003 survey submission).")
class SurveyResponseNode(Node):
    submitted_at: datetime = strawberry.field(description="When it was submitted (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("SurveyResponse", row.id), submitted_at=row.submitted_at, row=row)

    @strawberry.field(description="The answers, each with its question's label.")
    def answers(self) -> list[SurveyAnswer]:
        return [
            SurveyAnswer(
                field_index=a["field_index"],
                type=SurveyFieldType(a["type"]),
                label=a["label"],
                value=a.get("value"),
                choices=list(a.get("choices") or []),
            )
            for a in self.row.answers or []
        ]

    @strawberry.field(description="The survey module; null when the viewer may not see it.")
    async def module(self, info: Info) -> Module | None:
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)

    @strawberry.field(description="The enrollment it belongs to; null when the viewer may not see it.")
    async def enrollment(
        self, info: Info
    ) -> Annotated["EnrollmentType", strawberry.lazy("graph.enrollments.types")] | None:
        from graph.enrollments.types import EnrollmentType

        row = await info.context.loaders.row(Enrollment, self.row.enrollment_id)
        return None if row is None else EnrollmentType.from_row(row)

    @strawberry.field(description="Who responded; null when the viewer may not see them.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        row = await info.context.loaders.row(User, self.row.user_id)
        return None if row is None else UserType.from_row(row)


async def posts_of(info: Info, module_id: UUID) -> list[DiscussionPostNode]:
    actor = await info.context.actor()
    spec = Children(discussions.posts_query, (actor,), "module_id", ("created_at", "id"))
    return [DiscussionPostNode.from_row(row) for row in await info.context.loaders.children.load((module_id, spec))]


async def responses_of(info: Info, module_id: UUID) -> list[SurveyResponseNode]:
    actor = await info.context.actor()
    spec = Children(discussions.responses_query, (actor,), "module_id", ("created_at", "id"))
    return [SurveyResponseNode.from_row(row) for row in await info.context.loaders.children.load((module_id, spec))]


register("DiscussionPost", DiscussionPost, DiscussionPostNode.from_row)
register("SurveyResponse", SurveyResponse, SurveyResponseNode.from_row)
