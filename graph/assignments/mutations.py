"""assignmentSubmit, submissionGrade."""

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload

from graph.assignments.types import AssignmentSubmissionNode
from graph.context import Info
from graph.enrollments.mutations import record_payload
from graph.errors import error_type
from graph.mutation import perform
from graph.node import input_id
from resolvers import assignments

AssignmentError = error_type("AssignmentError", assignments.AssignmentErrorCode)


@strawberry.input(
    description="Work for an ASSIGNMENT module. Files travel as a GraphQL multipart request (`Upload`), "
    "which needs an `Apollo-Require-Preflight` or `X-CourseGraph-Upload` header."
)
class AssignmentSubmitInput:
    module_id: strawberry.ID = strawberry.field(description="An ASSIGNMENT module the viewer is enrolled in.")
    text: str | None = strawberry.field(
        default=None, description=f"A TEXT assignment's answer, or a message with files ({assignments.MAX_TEXT} chars)."
    )
    files: list[Upload] | None = strawberry.field(
        default=None,
        description=f"A FILE assignment's files (1–{assignments.MAX_FILES}), of the module's allowed types, each "
        "within its maxUploadSizeMb.",
    )


@strawberry.input(description="Points on one criterion of the module's rubric.")
class CriterionScoreInput:
    criterion_id: str = strawberry.field(
        description="The rubric criterion's id, as `AssignmentModule.criteria` gives it."
    )
    score: float = strawberry.field(description="From 0 to the criterion's maxScore.")


@strawberry.input(
    description="Grade the latest submission (a percent, or points per criterion when the module has a rubric), "
    "or send it back with `reject`."
)
class SubmissionGradeInput:
    submission_id: strawberry.ID = strawberry.field(description="The submission to grade; it must be SUBMITTED.")
    score: float | None = strawberry.field(default=None, description="Percent 0–100, for a module without criteria.")
    criteria: list[CriterionScoreInput] | None = strawberry.field(
        default=None, description="Every criterion of the rubric, once; the percent is their sum over the total."
    )
    feedback: str | None = strawberry.field(default=None, description="A message to the learner.")
    reject: bool = strawberry.field(
        default=False, description="Send it back: no score, the learner submits again (R25)."
    )


AssignmentSubmissionPayload = record_payload(
    "AssignmentSubmissionPayload",
    "The submission and the learner's record in the module, as the mutation left them.",
    AssignmentError,
    ("submission", AssignmentSubmissionNode),
)


def _incoming(files: list[Any] | None) -> list[assignments.IncomingFile]:
    return [
        assignments.IncomingFile(
            name=getattr(f, "filename", None) or "", content_type=getattr(f, "content_type", None), upload=f
        )
        for f in files or []
    ]


@strawberry.type
class AssignmentMutation:
    @strawberry.mutation(
        description="Submit work to an ASSIGNMENT module (an enrolled learner): its record becomes SUBMITTED until "
        "graded. Again only after a rejection, or after grading where the module allows resubmission."
    )
    async def assignment_submit(
        self,
        info: Info,
        input_: Annotated[
            AssignmentSubmitInput,
            strawberry.argument(name="input", description="The assignment module and the text or files handed in."),
        ],
    ) -> AssignmentSubmissionPayload:  # type: ignore[valid-type]
        staged = assignments.StagedFiles(info.context.storage)
        committed = False
        try:
            payload = await perform(
                info,
                AssignmentSubmissionPayload,
                assignments.submit,
                lambda: {
                    "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                    "text": input_.text,
                    "files": _incoming(input_.files),
                    "staged": staged,
                    "settings": info.context.settings,
                },
            )
            committed = not payload.errors
            return payload
        finally:
            if not committed:  # refused or failed: the files written for it go too
                await staged.discard()

    @strawberry.mutation(
        description="Grade a submission (the course's instructors and admins): the module completes with the score "
        "and the course's grade, completion and certificate follow; or send it back with `reject`."
    )
    async def submission_grade(
        self,
        info: Info,
        input_: Annotated[
            SubmissionGradeInput,
            strawberry.argument(
                name="input", description="The submission, its score or rubric scores, or a rejection."
            ),
        ],
    ) -> AssignmentSubmissionPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            AssignmentSubmissionPayload,
            assignments.grade,
            lambda: {
                "submission_id": input_id(input_.submission_id, "AssignmentSubmission", field=("submissionId",)),
                "score": input_.score,
                "criteria": None
                if input_.criteria is None
                else [assignments.CriterionScore(criterion_id=c.criterion_id, score=c.score) for c in input_.criteria],
                "feedback": input_.feedback,
                "reject": input_.reject,
            },
        )
