"""Assignment submissions as the graph shows them, read through the request's loaders. Who sees
which is the policy's (`AssignmentSubmission`: the learner their own, the course's staff all)."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import SubmissionStatus
from graph.links import OfEnrollment, OfUser
from graph.modules.types import Module, module_from_row
from graph.node import Node, make_id, register
from models.assignments import AssignmentSubmission
from models.modules import Module as ModuleRow
from models.users import User
from resolvers import assignments, file_links, tokens
from resolvers.batches import Children

if TYPE_CHECKING:
    from graph.users.types import UserType


@strawberry.type(description="A file of a submission; its bytes are fetched from `url`.")
class SubmissionFile:
    name: str = strawberry.field(description="The file's name as the learner uploaded it.")
    content_type: str | None = strawberry.field(description="The media type the upload declared.")
    size: int = strawberry.field(description="Bytes.")
    submission_id: strawberry.Private[UUID]
    index: strawberry.Private[int]

    @strawberry.field(
        description="A signed link to download the file, valid for DOWNLOAD_URL_TTL_SECONDS (15 minutes by "
        "default); only viewers who may see the submission get one."
    )
    async def url(self, info: Info) -> str | None:
        key = await tokens.verification_key(info.context.db, info.context.settings)
        if key is None:
            return None
        expires = info.context.db.now() + timedelta(seconds=info.context.settings.download_url_ttl_seconds)
        token = file_links.download_token(key, self.submission_id, self.index, expires)
        return str(info.context.request.url_for("assignment_file", token=token))


@strawberry.type(name="AssignmentCriterionScore", description="Points given on one criterion of the rubric.")
class CriterionScore:
    criterion_id: str = strawberry.field(description="The criterion's id in the module's rubric.")
    title: str = strawberry.field(description="The rubric criterion.")
    score: float = strawberry.field(description="Points given, from 0 to maxScore.")
    max_score: float = strawberry.field(description="The most points the criterion can give.")


@strawberry.type(
    name="AssignmentSubmission", description="A learner's work on an assignment, and its grading (003 submission)."
)
class AssignmentSubmissionNode(Node, OfEnrollment, OfUser):
    number: int = strawberry.field(description="1 for the learner's first submission to the module, then 2, …")
    status: SubmissionStatus = strawberry.field(description="SUBMITTED, GRADED or REJECTED.")
    text: str | None = strawberry.field(description="The learner's text (a TEXT assignment) or message.")
    score: float | None = strawberry.field(description="Percent 0–100 once graded; null otherwise.")
    points: float | None = strawberry.field(
        description="The sum of the criteria's points, or score × totalPoints / 100; null without either."
    )
    feedback: str | None = strawberry.field(description="The grader's message to the learner.")
    submitted_at: datetime = strawberry.field(description="When the learner handed it in (UTC).")
    graded_at: datetime | None = strawberry.field(description="When it was graded or sent back.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("AssignmentSubmission", row.id),
            number=row.number,
            status=row.status,
            text=row.text,
            score=row.score,
            points=row.points,
            feedback=row.feedback,
            submitted_at=row.submitted_at,
            graded_at=row.graded_at,
            row=row,
        )

    @strawberry.field(description="The uploaded files, in the order they were sent.")
    def files(self) -> list[SubmissionFile]:
        return [
            SubmissionFile(
                name=f["name"], content_type=f.get("content_type"), size=f["size"], submission_id=self.row.id, index=i
            )
            for i, f in enumerate(self.row.files or [])
        ]

    @strawberry.field(description="Points per criterion of the module's rubric; empty without one.")
    def criteria(self) -> list[CriterionScore]:
        return [
            CriterionScore(criterion_id=c["criterion_id"], title=c["title"], score=c["score"], max_score=c["max_score"])
            for c in self.row.criteria or []
        ]

    @strawberry.field(description="The assignment module; null when the viewer may not see it.")
    async def module(self, info: Info) -> Module | None:
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)

    @strawberry.field(description="Who graded it or sent it back; null before, or where the viewer may not see them.")
    async def graded_by(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        if self.row.graded_by_id is None:
            return None
        row = await info.context.loaders.row(User, self.row.graded_by_id)
        return None if row is None else UserType.from_row(row)


async def submission_rows(info: Info, enrollment_id: UUID) -> list[Any]:
    """A learner's submissions, first to last: one statement for every enrollment of the page."""
    actor = await info.context.actor()
    spec = Children(assignments.submissions_query, (actor,), "enrollment_id", ("number", "id"))
    return await info.context.loaders.children.load((enrollment_id, spec))


async def submissions_of(info: Info, enrollment_id: UUID, module_id: UUID) -> list[AssignmentSubmissionNode]:
    rows = await submission_rows(info, enrollment_id)
    return [AssignmentSubmissionNode.from_row(row) for row in rows if row.module_id == module_id]


register("AssignmentSubmission", AssignmentSubmission, AssignmentSubmissionNode.from_row)
