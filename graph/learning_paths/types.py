"""Learning paths as the graph shows them; a path's progress is counted from course enrollments."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.certificates.types import CertificateType, Certifies, latest_certificate
from graph.context import Info
from graph.enrollments.types import Progress
from graph.enums import described
from graph.node import Node, make_id, register
from graph.pagination import order_input
from models.courses import Course
from models.enrollments import EnrollmentStatus
from models.learning_paths import LearningPath, LearningPathEnrollment, LearningPathStatus
from models.users import User
from resolvers import enrollments, learning_paths
from resolvers.batches import Children
from resolvers.schedule import Progress as Counted

if TYPE_CHECKING:
    from graph.courses.types import CourseType
    from graph.users.types import UserType

LearningPathOrder = order_input("LearningPathOrder", {"CREATED_AT": "created_at", "NAME": "name"})
PathStatus = described(
    strawberry.enum(LearningPathStatus, name="LearningPathStatus", description="003's draft / publish."),
    {"DRAFT": "Being built; only staff see it.", "PUBLISHED": "Visible to learners; takes enrollments."},
)


async def _courses(info: Info, path_id: UUID) -> list[Any]:
    actor = await info.context.actor()
    spec = Children(learning_paths.path_courses_query, (actor,), "learning_path_id", ("position", "id"))
    return await info.context.loaders.children.load((path_id, spec))


@strawberry.type(name="LearningPathCourse", description="A course's place in a path.")
class LearningPathCourseType:
    position: int = strawberry.field(description="Place in the path, from 0.")
    is_prerequisite: bool = strawberry.field(description="Later courses open once this one is completed.")
    course_id: strawberry.Private[UUID]

    @strawberry.field(description="Null when the viewer may not see the course (a draft, for a learner).")
    async def course(self, info: Info) -> Annotated["CourseType", strawberry.lazy("graph.courses.types")] | None:
        from graph.courses.types import CourseType

        row = await info.context.loaders.row(Course, self.course_id)
        return None if row is None else CourseType.from_row(row)


@strawberry.type(name="LearningPath", description="Ordered courses with prerequisites (003 R27).")
class LearningPathType(Node, Certifies):
    name: str = strawberry.field(description="The path's name.")
    slug: str = strawberry.field(description="URL-friendly name, unique in its portal.")
    description: str = strawberry.field(description="What the path is about; empty when none.")
    status: PathStatus = strawberry.field(description="DRAFT or PUBLISHED; only published paths take enrollments.")  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("LearningPath", row.id),
            name=row.name,
            slug=row.slug,
            description=row.description,
            status=row.status,
            created_at=row.created_at,
            row_id=row.id,
            certificate_expires_after=row.certificate_expires_after,
            certificate_expires_after_grace_period=row.certificate_expires_after_grace_period,
            certificate_template_id=row.certificate_template_id,
        )

    @strawberry.field(description="The path's courses in order.")
    async def courses(self, info: Info) -> list[LearningPathCourseType]:
        return [
            LearningPathCourseType(position=r.position, is_prerequisite=r.is_prerequisite, course_id=r.course_id)
            for r in await _courses(info, self.row_id)
        ]

    @strawberry.field(description="Learners in the path, as the viewer may see them.")
    async def enrollments(self, info: Info) -> list["LearningPathEnrollmentType"]:
        actor = await info.context.actor()
        spec = Children(learning_paths.path_enrollments_query, (actor,), "learning_path_id", ("created_at", "id"))
        rows = await info.context.loaders.children.load((self.row_id, spec))
        return [LearningPathEnrollmentType.from_row(row) for row in rows]


@strawberry.type(name="LearningPathEnrollment", description="A learner in a path; complete when every course is.")
class LearningPathEnrollmentType(Node):
    enrolled_at: datetime = strawberry.field(description="When the learner was enrolled (UTC).")
    completed_at: datetime | None = strawberry.field(
        description="When every course of the path was first completed; it stays if a course is reset later."
    )
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("LearningPathEnrollment", row.id),
            enrolled_at=row.enrolled_at,
            completed_at=row.completed_at,
            row=row,
        )

    @strawberry.field(description="The path's certificate, once the path is completed and has a template.")
    async def certificate(self, info: Info) -> CertificateType | None:
        return await latest_certificate(info, "learning_path_enrollment_id", self.row.id)

    @strawberry.field(description="The path; null when the viewer may not see it.")
    async def learning_path(self, info: Info) -> LearningPathType | None:
        row = await info.context.loaders.row(LearningPath, self.row.learning_path_id)
        return None if row is None else LearningPathType.from_row(row)

    @strawberry.field(description="The learner; null when the viewer may not see them.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        from graph.users.types import UserType

        row = await info.context.loaders.row(User, self.row.user_id)
        return None if row is None else UserType.from_row(row)

    async def _counted(self, info: Info) -> Counted:
        actor = await info.context.actor()
        courses = {r.course_id for r in await _courses(info, self.row.learning_path_id)}
        spec = Children(enrollments.enrollments_by_user_query, (actor,), "user_id", ("created_at", "id"))
        mine = await info.context.loaders.children.load((self.row.user_id, spec))
        done = {e.course_id for e in mine if e.course_id in courses and e.status == EnrollmentStatus.COMPLETED}
        return Counted(completed=len(done), total=len(courses))

    @strawberry.field(description='Completed courses of the path ("2/3").')
    async def progress(self, info: Info) -> Progress:
        counted = await self._counted(info)
        return Progress(
            completed=counted.completed, total=counted.total, percent=counted.percent, display=counted.display
        )

    @strawberry.field(description="Every course of the path completed.")
    async def is_completed(self, info: Info) -> bool:
        counted = await self._counted(info)
        return counted.total > 0 and counted.completed == counted.total


register("LearningPath", LearningPath, LearningPathType.from_row)
register("LearningPathEnrollment", LearningPathEnrollment, LearningPathEnrollmentType.from_row)
