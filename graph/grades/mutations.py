"""externalActivityScore (004 scoreExternalActivity), gradeOverride."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.enrollments.mutations import record_payload
from graph.enrollments.types import EnrollmentType
from graph.errors import error_type
from graph.mutation import payload_type, perform
from graph.node import input_id
from resolvers import external_scores, grades

GradeError = error_type("GradeError", grades.GradeErrorCode)


@strawberry.input(description="A score for an EXTERNAL module (004 scoreExternalActivity).")
class ExternalActivityScoreInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The learner's enrollment.")
    module_id: strawberry.ID = strawberry.field(description="An EXTERNAL module of that course.")
    score: float = strawberry.field(description="A percent, 0–100.")
    passed: bool | None = strawberry.field(default=None, description="As the activity judged it; null: no verdict.")
    completed: bool = strawberry.field(default=True, description="False records the score, leaves it unfinished.")

    def to_command(self) -> external_scores.ExternalScore:
        return external_scores.ExternalScore(
            enrollment_id=input_id(self.enrollment_id, "Enrollment", field=("enrollmentId",)),
            module_id=input_id(self.module_id, "Module", field=("moduleId",)),
            score=self.score,
            passed=self.passed,
            completed=self.completed,
        )


@strawberry.input(
    description="Set a course grade by hand, with the reason the audit trail keeps; it stays through "
    "recomputation until `clear` returns to the computed grade."
)
class GradeOverrideInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment whose course grade is set.")
    reason: str = strawberry.field(description="Why: kept in the audit trail (required, also to clear).")
    grade: float | None = strawberry.field(default=None, description="0–100; required unless clearing.")
    passed: bool | None = strawberry.field(default=None, description="Left out: grade ≥ the course's pass mark.")
    clear: bool = strawberry.field(default=False, description="Drop the override and recompute.")

    def to_command(self) -> grades.GradeOverride:
        return grades.GradeOverride(
            enrollment_id=input_id(self.enrollment_id, "Enrollment", field=("enrollmentId",)),
            reason=self.reason,
            grade=self.grade,
            passed=self.passed,
            clear=self.clear,
        )


ExternalActivityScorePayload = record_payload(
    "ExternalActivityScorePayload", "The module's record and the enrollment, after the score.", GradeError
)


GradeOverridePayload = payload_type("GradeOverridePayload", "enrollment", EnrollmentType, GradeError)


@strawberry.type
class GradeMutation:
    @strawberry.mutation(description="Post a score for an EXTERNAL module; the course grade follows (004).")
    async def external_activity_score(
        self,
        info: Info,
        input_: Annotated[
            ExternalActivityScoreInput,
            strawberry.argument(name="input", description="The learner, the module and the reported score."),
        ],
    ) -> ExternalActivityScorePayload:
        return await perform(
            info, ExternalActivityScorePayload, external_scores.score_external, lambda: {"command": input_.to_command()}
        )

    @strawberry.mutation(description="Override an enrollment's course grade and passed, with a reason.")
    async def grade_override(
        self,
        info: Info,
        input_: Annotated[
            GradeOverrideInput,
            strawberry.argument(name="input", description="The enrollment and the grade to set or clear."),
        ],
    ) -> GradeOverridePayload:  # type: ignore[valid-type]
        return await perform(info, GradeOverridePayload, grades.override, lambda: {"command": input_.to_command()})
