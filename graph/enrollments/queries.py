"""enrollment, enrollments, isEnrolled."""

from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.enrollments.types import EnrollmentOrder, EnrollmentType
from graph.enums import EnrollmentStatus
from graph.node import filter_id, query_id
from graph.pagination import Connection, Listed, Paged
from models.enrollments import Enrollment
from resolvers import enrollments


@strawberry.input(description="Narrows a list of enrollments; all given conditions apply.")
class EnrollmentFilter:
    course_id: strawberry.ID | None = strawberry.field(default=None, description="Only enrollments in this course.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Only this user's enrollments.")
    status: EnrollmentStatus | None = strawberry.field(default=None, description="Only enrollments in this status.")
    expires_before: datetime | None = strawberry.field(default=None, description="Ending before this moment.")
    expires_after: datetime | None = strawberry.field(default=None, description="Ending at or after this moment.")

    def arguments(self) -> tuple[object, ...]:
        return (
            None if self.course_id is None else filter_id(self.course_id, "Course"),
            None if self.user_id is None else filter_id(self.user_id, "User"),
            self.status,
            self.expires_before,
            self.expires_after,
        )


@strawberry.type
class EnrollmentQuery:
    @strawberry.field(description="An enrollment by id; null when missing or hidden.")
    async def enrollment(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The enrollment's global ID.")]
    ) -> EnrollmentType | None:
        row_id = query_id(id, "Enrollment")
        row = None if row_id is None else await info.context.loaders.row(Enrollment, row_id)
        return None if row is None else EnrollmentType.from_row(row)

    @strawberry.field(
        description="Enrollments the viewer may see: admins their portals', instructors their courses', "
        "learners their own.",
        extensions=[Paged(EnrollmentOrder)],
    )
    async def enrollments(
        self,
        info: Info,
        filter: Annotated[
            EnrollmentFilter | None,
            strawberry.argument(description="Narrows the list; every enrollment the viewer may see when left out."),
        ] = None,
    ) -> Connection[EnrollmentType]:
        actor = await info.context.actor()
        args = (filter or EnrollmentFilter()).arguments()
        return Listed(enrollments.enrollments_query, (actor, *args), EnrollmentType.from_row)  # type: ignore[return-value]

    @strawberry.field(description="Whether the user has an enrollment in the course (004 isSubscribed).")
    async def is_enrolled(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The user.")],
        course_id: Annotated[strawberry.ID, strawberry.argument(description="The course.")],
    ) -> bool:
        user, course = query_id(user_id, "User"), query_id(course_id, "Course")
        if user is None or course is None:
            return False
        actor = await info.context.actor()
        return await info.context.db.run(enrollments.is_enrolled, actor=actor, user_id=user, course_id=course)
