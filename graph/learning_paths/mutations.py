"""learningPathCreate, learningPathUpdate, learningPathEnroll."""

from typing import Annotated, Any

import strawberry

from graph.certificates.mutations import CertifyingInput
from graph.context import Info
from graph.errors import error_type
from graph.learning_paths.types import LearningPathEnrollmentType, LearningPathType, PathStatus
from graph.mutation import payload_type, perform
from graph.node import input_id, maybe_input_id
from resolvers import learning_paths
from resolvers.errors import Problem

LearningPathError = error_type("LearningPathError", learning_paths.LearningPathErrorCode)


@strawberry.input(description="A course in a path, in the order given.")
class LearningPathCourseInput:
    course_id: strawberry.ID
    is_prerequisite: bool = strawberry.field(default=False, description="Later courses wait for this one.")


@strawberry.input(description="A path of at least two courses in the acting portal.")
class LearningPathCreateInput(CertifyingInput):
    name: str
    courses: list[LearningPathCourseInput]
    slug: str | None = None
    description: str | None = None
    status: PathStatus | None = None  # type: ignore[valid-type]


@strawberry.input(description="Changes to a path; `courses` replaces the whole list.")
class LearningPathUpdateInput(CertifyingInput):
    learning_path_id: strawberry.ID
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    status: PathStatus | None = None  # type: ignore[valid-type]
    courses: list[LearningPathCourseInput] | None = None


@strawberry.input(description="Enroll users in a path and each of its courses.")
class LearningPathEnrollInput:
    learning_path_id: strawberry.ID
    user_ids: list[strawberry.ID]


def _fields(input_: Any) -> learning_paths.LearningPathFields:
    courses = None
    if input_.courses is not None:
        courses = [
            learning_paths.PathCourse(
                input_id(c.course_id, "Course", field=("courses", str(i), "courseId")), c.is_prerequisite
            )
            for i, c in enumerate(input_.courses)
        ]
    return learning_paths.LearningPathFields(
        name=input_.name,
        slug=input_.slug,
        description=input_.description,
        status=input_.status,
        courses=courses,
        **input_.certifying(),
    )


LearningPathPayload = payload_type("LearningPathPayload", "learningPath", LearningPathType, LearningPathError)


@strawberry.type(description="The path's enrollments, and each user id that was refused.")
class LearningPathEnrollPayload:
    learning_path: LearningPathType | None = None
    enrollments: list[LearningPathEnrollmentType] = strawberry.field(default_factory=list)
    errors: list[LearningPathError] = strawberry.field(default_factory=list)  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: learning_paths.PathEnrolled) -> "LearningPathEnrollPayload":
        return cls(
            learning_path=LearningPathType.from_row(done.path),
            enrollments=[LearningPathEnrollmentType.from_row(row) for row in done.enrollments],
            errors=LearningPathError.of(done.problems),
        )

    @classmethod
    def failed(cls, problems: list[Problem]) -> "LearningPathEnrollPayload":
        return cls(errors=LearningPathError.of(problems))


@strawberry.type
class LearningPathMutation:
    @strawberry.mutation(description="Create a learning path (003 Create LP).")
    async def learning_path_create(
        self, info: Info, input_: Annotated[LearningPathCreateInput, strawberry.argument(name="input")]
    ) -> LearningPathPayload:  # type: ignore[valid-type]
        return await perform(info, LearningPathPayload, learning_paths.create_path, lambda: {"fields": _fields(input_)})

    @strawberry.mutation(description="Change a learning path (003 Update LP).")
    async def learning_path_update(
        self, info: Info, input_: Annotated[LearningPathUpdateInput, strawberry.argument(name="input")]
    ) -> LearningPathPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            LearningPathPayload,
            learning_paths.update_path,
            lambda: {
                "path_id": input_id(input_.learning_path_id, "LearningPath", field=("learningPathId",)),
                "fields": _fields(input_),
            },
        )

    @strawberry.mutation(description="Enroll users in a path and every course of it (003 Enroll Students, LP).")
    async def learning_path_enroll(
        self, info: Info, input_: Annotated[LearningPathEnrollInput, strawberry.argument(name="input")]
    ) -> LearningPathEnrollPayload:
        return await perform(
            info,
            LearningPathEnrollPayload,
            learning_paths.enroll_in_path,
            lambda: {
                "learning_path_id": input_id(input_.learning_path_id, "LearningPath", field=("learningPathId",)),
                "user_ids": [maybe_input_id(value, "User") for value in input_.user_ids],
            },
        )
