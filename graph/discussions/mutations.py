"""discussionPost, discussionEvaluate, surveySubmit."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.discussions.types import DiscussionEvaluation, DiscussionPostNode, SurveyResponseNode
from graph.enrollments.mutations import record_payload
from graph.enrollments.types import EnrollmentType, ModuleProgressType, recorded
from graph.errors import error_type
from graph.mutation import errors_field, perform
from graph.node import input_id
from resolvers import discussions
from resolvers.errors import Problem

DiscussionError = error_type("DiscussionError", discussions.DiscussionErrorCode)


@strawberry.input(description="A learner's post in a discussion module.")
class DiscussionPostInput:
    module_id: strawberry.ID = strawberry.field(description="A DISCUSSION module the viewer is enrolled in.")
    body: str = strawberry.field(description=f"Plain text, at most {discussions.MAX_BODY} characters.")
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="A post of the same discussion this one answers."
    )


@strawberry.type(description="The post and, for a learner, their record in the module it moved on.")
class DiscussionPostPayload:
    post: DiscussionPostNode | None = strawberry.field(default=None, description="The new post; null when refused.")
    module_progress: ModuleProgressType | None = strawberry.field(
        default=None, description="Null for staff, who post without an enrollment."
    )
    enrollment: EnrollmentType | None = strawberry.field(
        default=None, description="The learner's enrollment with its new progress; null when refused."
    )
    errors: list[DiscussionError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: discussions.Posted) -> "DiscussionPostPayload":
        if done.enrollment is None:
            return cls(post=DiscussionPostNode.from_row(done.post))
        return cls(post=DiscussionPostNode.from_row(done.post), **recorded(done))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "DiscussionPostPayload":
        return cls(errors=DiscussionError.of(problems))


@strawberry.input(description="Points for a learner's participation in an evaluated discussion (003 Evaluate).")
class DiscussionEvaluateInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The learner's enrollment.")
    module_id: strawberry.ID = strawberry.field(description="An evaluated DISCUSSION module of that course.")
    points_awarded: float = strawberry.field(description="0 to the discussion's totalPoints (a percent without it).")
    instructor_message: str | None = strawberry.field(default=None, description="Feedback the learner reads.")


DiscussionEvaluatePayload = record_payload(
    "DiscussionEvaluatePayload",
    "The evaluation, the learner's record in the discussion it completed, and the enrollment.",
    DiscussionError,
    ("evaluation", DiscussionEvaluation),
)


@strawberry.input(
    description="The answer to one field of the survey, named by its place in `surveyFields`: `value` for "
    "TEXT, TEXTAREA and RATING (a whole number 1–5), `choices` (options of the field) for RADIO and DROPDOWN "
    "(one) and CHECKBOX (any)."
)
class SurveyAnswerInput:
    field_index: int = strawberry.field(description="Which question, by its index in `surveyFields` (from 0).")
    value: str | None = strawberry.field(default=None, description="The answer to a text or single-choice question.")
    choices: list[str] | None = strawberry.field(
        default=None, description="The answers to a multiple-choice question, from its options."
    )


@strawberry.input(description="A learner's answers to a survey.")
class SurveySubmitInput:
    module_id: strawberry.ID = strawberry.field(description="A SURVEY module the viewer is enrolled in.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="The answers; every required question needs one.")


@strawberry.type(description="The stored response and the module's record it completed.")
class SurveySubmitPayload:
    response: SurveyResponseNode | None = strawberry.field(
        default=None, description="The stored response; null when refused."
    )
    module_progress: ModuleProgressType | None = strawberry.field(
        default=None, description="The learner's record in the survey, completed; null when refused."
    )
    enrollment: EnrollmentType | None = strawberry.field(
        default=None, description="The learner's enrollment with its new progress; null when refused."
    )
    errors: list[DiscussionError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: discussions.Surveyed) -> "SurveySubmitPayload":
        return cls(response=SurveyResponseNode.from_row(done.response), **recorded(done))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "SurveySubmitPayload":
        return cls(errors=DiscussionError.of(problems))


@strawberry.type
class DiscussionMutation:
    @strawberry.mutation(
        description="Post in a DISCUSSION module (an enrolled learner, or the course's staff); a learner's "
        "module completes when their posts reach its minComments (an evaluated discussion is then SUBMITTED)."
    )
    async def discussion_post(
        self,
        info: Info,
        input_: Annotated[
            DiscussionPostInput, strawberry.argument(name="input", description="The discussion and the post.")
        ],
    ) -> DiscussionPostPayload:
        return await perform(
            info,
            DiscussionPostPayload,
            discussions.post,
            lambda: {
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "body": input_.body,
                "reply_to_id": None
                if input_.reply_to_id is None
                else input_id(input_.reply_to_id, "DiscussionPost", field=("replyToId",)),
            },
        )

    @strawberry.mutation(
        description="Evaluate a learner's participation in an evaluated discussion (003 Evaluate, R26): the "
        "course's instructor or an admin; completes the module with the points as its score."
    )
    async def discussion_evaluate(
        self,
        info: Info,
        input_: Annotated[
            DiscussionEvaluateInput,
            strawberry.argument(name="input", description="The learner, the discussion and the evaluation."),
        ],
    ) -> DiscussionEvaluatePayload:  # type: ignore[valid-type]
        return await perform(
            info,
            DiscussionEvaluatePayload,
            discussions.evaluate,
            lambda: {
                "enrollment_id": input_id(input_.enrollment_id, "Enrollment", field=("enrollmentId",)),
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "points_awarded": input_.points_awarded,
                "instructor_message": input_.instructor_message,
            },
        )

    @strawberry.mutation(
        description="Answer a SURVEY module, once (ALREADY_SUBMITTED after); completes the module (R14)."
    )
    async def survey_submit(
        self,
        info: Info,
        input_: Annotated[
            SurveySubmitInput, strawberry.argument(name="input", description="The survey and the answers.")
        ],
    ) -> SurveySubmitPayload:
        return await perform(
            info,
            SurveySubmitPayload,
            discussions.submit_survey,
            lambda: {
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "answers": [
                    discussions.SurveyAnswer(field_index=a.field_index, value=a.value, choices=a.choices)
                    for a in input_.answers
                ],
            },
        )
