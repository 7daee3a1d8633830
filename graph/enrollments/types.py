"""Enrollments and module progress as the graph shows them; access and progress are computed
per request from the service's clock, so they are right at the moment they are read."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.assignments.types import AssignmentSubmissionNode, submissions_of
from graph.context import Info
from graph.discussions.types import DiscussionEvaluation, evaluation_of
from graph.enums import EnrollmentStatus, ModuleProgressStatus, SubmissionStatus, described
from graph.links import OfCourse, OfUser
from graph.modules.types import Module, SubmissionOrder, module_from_row
from graph.node import Node, make_id, query_id, register
from graph.pagination import Connection, Listed, Paged, order_input
from graph.quizzes.types import QuizAttemptNode, QuizAttemptOrder, attempts_of
from models.enrollments import Enrollment
from models.enrollments import ModuleProgressStatus as ProgressStatus
from resolvers import assignments, enrollments, modules, quizzes
from resolvers.batches import Children
from resolvers.schedule import available_at, progress

if TYPE_CHECKING:
    from graph.certificates.types import CertificateType
    from graph.enrollments.results import EnrollmentResults

EnrollmentOrder = order_input(
    "EnrollmentOrder", {"CREATED_AT": "created_at", "ENROLLED_AT": "enrolled_at", "EXPIRES_AT": "expires_at"}
)


@strawberry.enum(description="Whether the learner may work in the course now (003 access status).")
class EnrollmentAccess(Enum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


described(
    EnrollmentAccess,
    {
        "ACTIVE": "The learner may work in the course.",
        "REVOKED": "An admin or instructor revoked access (enrollmentRevoke); enrollmentGrant restores it.",
        "EXPIRED": "The course's duration rule or the enrollment's `expiresAt` ended access.",
    },
)


@strawberry.type(description="Completed over the modules open to the learner (004 progress).")
class Progress:
    completed: int = strawberry.field(description="Modules completed.")
    total: int = strawberry.field(description="Modules open to the learner.")
    percent: float = strawberry.field(description="0–100, two decimals: 11 of 16 is 68.75.")
    display: str = strawberry.field(description='004\'s "11/16".')


async def _modules(info: Info, course_id: UUID) -> list[Any]:
    actor = await info.context.actor()
    spec = Children(modules.modules_query, (actor,), "course_id", ("position", "id"))
    return await info.context.loaders.children.load((course_id, spec))


async def _progress_rows(info: Info, enrollment_id: UUID) -> list[Any]:
    actor = await info.context.actor()
    spec = Children(enrollments.progress_query, (actor,), "enrollment_id", ("created_at", "id"))
    return await info.context.loaders.children.load((enrollment_id, spec))


def _module_filter(module_id: strawberry.ID | None) -> UUID | None:
    """A `moduleId` argument: None lists every module's; another type's ID finds nothing."""
    if module_id is None:
        return None
    return query_id(module_id, "Module") or UUID(int=0)


@strawberry.type(name="ModuleProgress", description="One learner's record in one module.")
class ModuleProgressType:
    status: ModuleProgressStatus = strawberry.field(description="Where the learner is in the module.")
    score: float | None = strawberry.field(description="The module's score, 0–100; null when unscored.")
    passed: bool | None = strawberry.field(description="Whether the score passes the module; null when not scored yet.")
    attempts: int = strawberry.field(description="Attempts or submissions counted so far.")
    completed_at: datetime | None = strawberry.field(description="When it was completed; null until then.")
    is_available: bool = strawberry.field(description="Open to the learner now (drip, start date).")
    available_at: datetime | None = strawberry.field(description="When it opens; null until the course is started.")
    module_row: strawberry.Private[Any]
    enrollment_id: strawberry.Private[UUID]

    @strawberry.field(description="The module.")
    def module(self) -> Module:
        return module_from_row(self.module_row)

    @strawberry.field(description="A quiz's attempts, first to last; empty for other kinds.")
    async def quiz_attempts(self, info: Info) -> list[QuizAttemptNode]:
        return await attempts_of(info, self.enrollment_id, self.module_row.id)

    @strawberry.field(description="An assignment's submissions, first to last; empty for other kinds.")
    async def assignment_submissions(self, info: Info) -> list[AssignmentSubmissionNode]:
        return await submissions_of(info, self.enrollment_id, self.module_row.id)

    @strawberry.field(description="An evaluated discussion's evaluation; null before it or for other kinds.")
    async def discussion_evaluation(self, info: Info) -> DiscussionEvaluation | None:
        return await evaluation_of(info, self.enrollment_id, self.module_row.id)


@strawberry.type(name="Enrollment", description="One learner in one course (003 registration, 004 subscription).")
class EnrollmentType(Node, OfUser, OfCourse):
    status: EnrollmentStatus = strawberry.field(
        description="NOT_STARTED, IN_PROGRESS or COMPLETED; the first launch or completion starts it."
    )
    enrolled_at: datetime = strawberry.field(description="When the learner was enrolled (UTC).")
    starts_at: datetime | None = strawberry.field(description="Before it the course stays hidden (004).")
    started_at: datetime | None = strawberry.field(description="The first launch or completion.")
    completed_at: datetime | None = strawberry.field(description="When the course was completed; null until then.")
    expires_at: datetime | None = strawberry.field(description="Null is never.")
    grade: float | None = strawberry.field(
        description="0–100 (R20: the mean percent of the counted modules, unscored ones 0); null when the course "
        "is not graded or nothing is scored yet."
    )
    passed: bool | None = strawberry.field(
        description="R21: grade ≥ the course's pass mark; ungraded courses pass by completion (null until then)."
    )
    grade_overridden: bool = strawberry.field(description="Grade and passed were set by hand (gradeOverride).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Enrollment", row.id),
            status=row.status,
            enrolled_at=row.enrolled_at,
            starts_at=row.starts_at,
            started_at=row.started_at,
            completed_at=row.completed_at,
            expires_at=row.expires_at,
            grade=row.grade,
            passed=row.passed,
            grade_overridden=row.grade_overridden,
            row=row,
        )

    @strawberry.field(description="Whether the learner may work in the course now.")
    def access(self, info: Info) -> EnrollmentAccess:
        if self.row.revoked_at is not None:
            return EnrollmentAccess.REVOKED
        if self.row.expires_at is not None and self.row.expires_at <= info.context.db.now():
            return EnrollmentAccess.EXPIRED
        return EnrollmentAccess.ACTIVE

    @strawberry.field(description='The grade as 003 shows it ("67%"), or null.')
    def grade_display(self) -> str | None:
        return None if self.grade is None else f"{round(self.grade)}%"

    @strawberry.field(description="Modules completed out of those open to the learner.")
    async def progress(self, info: Info) -> Progress:
        course_modules = await _modules(info, self.row.course_id)
        done = {r.module_id for r in await _progress_rows(info, self.row.id) if r.status == ProgressStatus.COMPLETED}
        counted = progress(self.row, course_modules, done, info.context.db.now())
        return Progress(
            completed=counted.completed, total=counted.total, percent=counted.percent, display=counted.display
        )

    @strawberry.field(
        description="The learner's results in 004 getResults' shape: parts with attempts, criteria and terms, "
        "objectives, progress, grade and completion."
    )
    async def results(self, info: Info) -> Annotated["EnrollmentResults", strawberry.lazy("graph.enrollments.results")]:
        from graph.enrollments.results import results_of

        return await results_of(info, self.row)

    @strawberry.field(description="The latest certificate of this enrollment (revoked ones stay in the history).")
    async def certificate(
        self, info: Info
    ) -> Annotated["CertificateType", strawberry.lazy("graph.certificates.types")] | None:
        from graph.certificates.types import latest_certificate

        return await latest_certificate(info, "enrollment_id", self.row.id)

    @strawberry.field(
        description="The learner's quiz attempts, optionally of one quiz.", extensions=[Paged(QuizAttemptOrder)]
    )
    async def quiz_attempts(
        self,
        info: Info,
        module_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only attempts at this quiz module.")
        ] = None,
    ) -> Connection[Annotated["QuizAttemptNode", strawberry.lazy("graph.quizzes.types")]]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            quizzes.attempts_query,
            (actor, _module_filter(module_id)),
            QuizAttemptNode.from_row,
            partition="enrollment_id",
            parent=self.row.id,
        )

    @strawberry.field(
        description="The learner's assignment submissions, optionally of one module.",
        extensions=[Paged(SubmissionOrder)],
    )
    async def assignment_submissions(
        self,
        info: Info,
        module_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only submissions to this assignment module.")
        ] = None,
        status: Annotated[
            SubmissionStatus | None, strawberry.argument(description="Only submissions in this status.")
        ] = None,
    ) -> Connection[AssignmentSubmissionNode]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            assignments.submissions_query,
            (actor, _module_filter(module_id), status),
            AssignmentSubmissionNode.from_row,
            partition="enrollment_id",
            parent=self.row.id,
        )

    @strawberry.field(description="Every module of the course with the learner's record in it.")
    async def module_progress(self, info: Info) -> list[ModuleProgressType]:
        records = {r.module_id: r for r in await _progress_rows(info, self.row.id)}
        now = info.context.db.now()
        return [progress_of(records.get(m.id), m, self.row, now) for m in await _modules(info, self.row.course_id)]


def recorded(done: Any) -> dict[str, Any]:
    """The payload fields of a learner action (a `progress.Completion`, a post, a response): their
    record in the module and the enrollment, as the action left them."""
    return {
        "module_progress": progress_of(done.progress, done.module, done.enrollment, done.at),
        "enrollment": EnrollmentType.from_row(done.enrollment),
    }


def progress_of(record: Any, module: Any, enrollment: Any, now: datetime) -> ModuleProgressType:
    """A learner's record in a module (or the blank one of a module not begun)."""
    opens = available_at(module, enrolled_at=enrollment.enrolled_at, started_at=enrollment.started_at)
    return ModuleProgressType(
        status=record.status if record else ProgressStatus.NOT_STARTED,
        score=record.score if record else None,
        passed=record.passed if record else None,
        attempts=record.attempts if record else 0,
        completed_at=record.completed_at if record else None,
        is_available=opens is not None and opens <= now,
        available_at=opens,
        module_row=module,
        enrollment_id=enrollment.id,
    )


register("Enrollment", Enrollment, EnrollmentType.from_row)
