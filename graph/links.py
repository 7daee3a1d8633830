"""To-one fields that several types share: the user, course or enrollment their row points at,
through the request's row loader (null when the viewer may not see it)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from uuid import UUID

import strawberry

from graph.context import Info
from models.courses import Course
from models.enrollments import Enrollment
from models.users import User

if TYPE_CHECKING:
    from graph.courses.types import CourseType
    from graph.enrollments.types import EnrollmentType
    from graph.users.types import UserType

T = TypeVar("T")


async def linked(info: Info, table: type, row_id: UUID | None, show: Callable[[Any], T]) -> T | None:
    """The row `row_id` names, as `show` makes it; null when there is none or the viewer may not see it."""
    if row_id is None:
        return None
    row = await info.context.loaders.row(table, row_id)
    return None if row is None else show(row)


@strawberry.type
class OfUser:
    row: strawberry.Private[Any]

    @strawberry.field(description="The user it belongs to; null when the viewer may not see them.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        return await linked(info, User, self.row.user_id, UserType.from_row)


@strawberry.type
class OfCourse:
    row: strawberry.Private[Any]

    @strawberry.field(description="The course it belongs to; null when the viewer may not see it.")
    async def course(self, info: Info) -> Annotated["CourseType", strawberry.lazy("graph.courses.types")] | None:
        from graph.courses.types import CourseType

        return await linked(info, Course, self.row.course_id, CourseType.from_row)


@strawberry.type
class OfEnrollment:
    row: strawberry.Private[Any]

    @strawberry.field(description="The enrollment it belongs to; null when the viewer may not see it.")
    async def enrollment(
        self, info: Info
    ) -> Annotated["EnrollmentType", strawberry.lazy("graph.enrollments.types")] | None:
        from graph.enrollments.types import EnrollmentType

        return await linked(info, Enrollment, self.row.enrollment_id, EnrollmentType.from_row)
