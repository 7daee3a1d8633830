"""To-one fields that several types share: the user, course or enrollment their row points at,
through the request's row loader (null when the viewer may not see it)."""

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph.context import Info
from models.courses import Course
from models.enrollments import Enrollment
from models.users import User

if TYPE_CHECKING:
    from graph.courses.types import CourseType
    from graph.enrollments.types import EnrollmentType
    from graph.users.types import UserType


@strawberry.type
class OfUser:
    row: strawberry.Private[Any]

    @strawberry.field
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        row = await info.context.loaders.row(User, self.row.user_id)
        return None if row is None else UserType.from_row(row)


@strawberry.type
class OfCourse:
    row: strawberry.Private[Any]

    @strawberry.field
    async def course(self, info: Info) -> Annotated["CourseType", strawberry.lazy("graph.courses.types")] | None:
        from graph.courses.types import CourseType

        row = await info.context.loaders.row(Course, self.row.course_id)
        return None if row is None else CourseType.from_row(row)


@strawberry.type
class OfEnrollment:
    row: strawberry.Private[Any]

    @strawberry.field
    async def enrollment(
        self, info: Info
    ) -> Annotated["EnrollmentType", strawberry.lazy("graph.enrollments.types")] | None:
        from graph.enrollments.types import EnrollmentType

        row = await info.context.loaders.row(Enrollment, self.row.enrollment_id)
        return None if row is None else EnrollmentType.from_row(row)
