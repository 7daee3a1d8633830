"""enrollmentProgressUpdated: an enrollment of a course, each time its progress changes."""

from collections.abc import AsyncGenerator, Hashable
from typing import Annotated, Any
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enrollments.types import EnrollmentType
from graph.errors import NotFoundError
from graph.events import TOPICS, follow
from graph.node import query_id
from models.courses import Course
from models.enrollments import Enrollment
from resolvers import assignments, discussions, enrollments, progress, quizzes


def progress_topic(course_id: UUID) -> str:
    return f"enrollment-progress:{course_id}"


def _learner_action(done: Any) -> list[tuple[str, Hashable]]:
    """A learner's record changed (a completion, an attempt, a submission or its grading)."""
    return [(progress_topic(done.enrollment.course_id), done.enrollment.id)]


for _action in (
    progress.Completion, quizzes.Attempted, discussions.Surveyed, discussions.Evaluated, assignments.Submitted
):  # fmt: skip
    TOPICS[_action] = _learner_action
TOPICS[discussions.Posted] = lambda done: [] if done.enrollment is None else _learner_action(done)
TOPICS[enrollments.Enrollments] = lambda changed: [(progress_topic(e.course_id), e.id) for e in changed.enrollments]


@strawberry.type
class EnrollmentSubscription:
    @strawberry.subscription(
        description="Enrollments of a course as their progress changes (completions, enrollments, resets), "
        "after the change commits; each subscriber sees only the enrollments it may read."
    )
    async def enrollment_progress_updated(
        self,
        info: Info,
        course_id: Annotated[strawberry.ID, strawberry.argument(description="The course whose enrollments to follow.")],
    ) -> AsyncGenerator[EnrollmentType, None]:
        course = query_id(course_id, "Course")
        try:
            if course is None or await info.context.loaders.row(Course, course) is None:
                raise NotFoundError("No course with this id.")  # hidden looks the same
        finally:
            await info.context.db.close()

        async def load(message: Hashable) -> EnrollmentType | None:
            row = await info.context.loaders.row(Enrollment, message)
            return None if row is None else EnrollmentType.from_row(row)

        async for changed in follow(info.context, progress_topic(course), load):
            yield changed
