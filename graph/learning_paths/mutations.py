"""learningPathCreate, learningPathUpdate, learningPathEnroll."""

from typing import Annotated, Any

import strawberry

from graph.certificates.mutations import CertifyingInput
from graph.context import Info
from graph.errors import error_type
from graph.learning_paths.types import LearningPathEnrollmentType, LearningPathType, PathStatus
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id, maybe_input_id
from resolvers import learning_paths
from resolvers.errors import Problem

LearningPathError = error_type("LearningPathError", learning_paths.LearningPathErrorCode)


@strawberry.input(description="A course in a path, in the order given.")
class LearningPathCourseInput:
    course_id: strawberry.ID = strawberry.field(description="A course of the acting portal.")
    is_prerequisite: bool = strawberry.field(default=False, description="Later courses wait for this one.")


@strawberry.input(description="A path of at least two courses in the acting portal.")
class LearningPathCreateInput(CertifyingInput):
    name: str = strawberry.field(description="The path's name.")
    courses: list[LearningPathCourseInput] = strawberry.field(description="Its courses in order.")
    slug: str | None = strawberry.field(
        default=None, description="URL-friendly name; generated from the name when left out."
    )
    description: str | None = strawberry.field(default=None, description="What the path is about.")
    status: PathStatus | None = strawberry.field(default=None, description="DRAFT when left out.")  # type: ignore[valid-type]


@strawberry.input(description="Changes to a path; `courses` replaces the whole list.")
class LearningPathUpdateInput(CertifyingInput):
    learning_path_id: strawberry.ID = strawberry.field(description="The path to change.")
    name: str | None = strawberry.field(default=None, description="A new name; left out: unchanged.")
    slug: str | None = strawberry.field(default=None, description="A new slug; left out: unchanged.")
    description: str | None = strawberry.field(default=None, description="A new description; left out: unchanged.")
    status: PathStatus | None = strawberry.field(default=None, description="A new status; left out: unchanged.")  # type: ignore[valid-type]
    courses: list[LearningPathCourseInput] | None = strawberry.field(
        default=None, description="Its courses in order, replacing them; left out: unchanged."
    )


@strawberry.input(description="Enroll users in a path and each of its courses.")
class LearningPathEnrollInput:
    learning_path_id: strawberry.ID = strawberry.field(description="A published learning path.")
    user_ids: list[strawberry.ID] = strawberry.field(
        description="The learners to enrol in the path and each of its courses."
    )


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
    learning_path: LearningPathType | None = strawberry.field(default=None, description="The path; null when refused.")
    enrollments: list[LearningPathEnrollmentType] = strawberry.field(
        default_factory=list, description="Every path enrollment applied or already there."
    )
    errors: list[LearningPathError] = errors_field()  # type: ignore[valid-type]

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
        self,
        info: Info,
        input_: Annotated[
            LearningPathCreateInput, strawberry.argument(name="input", description="The path's name and courses.")
        ],
    ) -> LearningPathPayload:  # type: ignore[valid-type]
        return await perform(info, LearningPathPayload, learning_paths.create_path, lambda: {"fields": _fields(input_)})

    @strawberry.mutation(description="Change a learning path (003 Update LP).")
    async def learning_path_update(
        self,
        info: Info,
        input_: Annotated[
            LearningPathUpdateInput, strawberry.argument(name="input", description="The path and the fields to change.")
        ],
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
        self,
        info: Info,
        input_: Annotated[
            LearningPathEnrollInput, strawberry.argument(name="input", description="The path and the users to enrol.")
        ],
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
