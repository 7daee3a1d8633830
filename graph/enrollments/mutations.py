"""enrollmentCreate, enrollmentGroupCreate, enrollmentUpdate, enrollmentRemove,
enrollmentResetProgress, enrollmentRevoke, enrollmentGrant, enrollmentAssignCertificate, moduleComplete."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.enrollments.types import EnrollmentType, ModuleProgressType, recorded
from graph.errors import error_type
from graph.mutation import errors_field, name_of, payload_type, perform, result_field
from graph.node import input_id, maybe_input_id
from resolvers import enrollments as enrolling
from resolvers import progress
from resolvers.errors import Problem

EnrollmentError = error_type("EnrollmentError", enrolling.EnrollmentErrorCode)


@strawberry.input(description="Enroll users in one course; each refused id is reported with its index.")
class EnrollmentCreateInput:
    course_id: strawberry.ID = strawberry.field(description="A published course the acting portal may enrol in.")
    user_ids: list[strawberry.ID] = strawberry.field(
        description="The learners to enrol; already enrolled ones are returned as they are."
    )


@strawberry.input(description="Enroll every member of a group (004 subscribeGroups).")
class EnrollmentGroupCreateInput:
    course_id: strawberry.ID = strawberry.field(description="A published course the acting portal may enrol in.")
    group_id: strawberry.ID = strawberry.field(description="The group whose members are enrolled.")


@strawberry.input(description="Enrollments to change; each refused id is reported with its index.")
class EnrollmentIdsInput:
    enrollment_ids: list[strawberry.ID] = strawberry.field(description="The enrollments to change.")


@strawberry.input(description="Set Expiry (003) / updateSubscription (004).")
class EnrollmentUpdateInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment to change.")
    starts_at: datetime | None = strawberry.field(default=None, description="Hidden from the learner before it.")
    expires_at: datetime | None = strawberry.field(default=None, description="A new end, overriding the duration rule.")
    expired: bool | None = strawberry.field(default=None, description="True ends access now.")


@strawberry.input(description="Marks a module complete in a learner's enrollment.")
class ModuleCompleteInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The learner's enrollment in the module's course.")
    module_id: strawberry.ID = strawberry.field(
        description="The module to mark complete; it must be available to the learner."
    )


@strawberry.type(description="The enrollments a bulk mutation touched, and each id it refused.")
class EnrollmentsPayload:
    enrollments: list[EnrollmentType] = strawberry.field(
        default_factory=list, description="Every enrollment applied or already in the wanted state."
    )
    errors: list[EnrollmentError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, result: enrolling.Enrollments) -> "EnrollmentsPayload":
        return cls(
            enrollments=[EnrollmentType.from_row(row) for row in result.enrollments],
            errors=EnrollmentError.of(result.problems),
        )

    @classmethod
    def failed(cls, problems: list[Problem]) -> "EnrollmentsPayload":
        return cls(errors=EnrollmentError.of(problems))


EnrollmentPayload = payload_type("EnrollmentPayload", "enrollment", EnrollmentType, EnrollmentError)


def record_payload(name: str, description: str, error: Any, subject: tuple[str, Any] | None = None) -> Any:
    """`<name> { moduleProgress, enrollment, errors }` for a mutation that records a `Completion`;
    `subject` (field, node type) adds what the mutation made, the result's attribute of that name."""
    field, node = subject or ("", None)

    def of(cls: Any, done: Any) -> Any:
        made = {field: node.from_row(getattr(done, field))} if node is not None else {}
        return cls(**made, **recorded(done))

    annotations = {field: node | None} if node is not None else {}
    namespace = {
        "__annotations__": {
            **annotations,
            "module_progress": ModuleProgressType | None,
            "enrollment": EnrollmentType | None,
            "errors": list[error],
        },
        **{name: result_field(name_of(name)) for name in annotations},
        "module_progress": strawberry.field(
            default=None, description="The learner's record in the module after the change; null when refused."
        ),
        "enrollment": strawberry.field(
            default=None, description="The enrollment with its new progress, grade and status; null when refused."
        ),
        "errors": errors_field(),
        "of": classmethod(of),
        "failed": classmethod(lambda cls, problems: cls(errors=error.of(problems))),
    }
    return strawberry.type(type(name, (), namespace), name=name, description=description)


ModuleCompletePayload = record_payload(
    "ModuleCompletePayload", "The module's record and the enrollment, after the completion.", EnrollmentError
)


def _ids(input_: EnrollmentIdsInput) -> dict[str, Any]:
    return {"enrollment_ids": [maybe_input_id(value, "Enrollment") for value in input_.enrollment_ids]}


def _bulk(fn: Callable[..., Awaitable[Any]], description: str) -> Any:
    """One of the 003 operations on `enrollmentIds`: they differ only in what they do."""

    async def resolve(
        info: Info,
        input_: Annotated[
            EnrollmentIdsInput, strawberry.argument(name="input", description="The enrollments to change.")
        ],
    ) -> EnrollmentsPayload:
        return await perform(info, EnrollmentsPayload, fn, lambda: _ids(input_))

    return strawberry.mutation(resolver=resolve, description=description)


@strawberry.type
class EnrollmentMutation:
    @strawberry.mutation(description="Enroll learners (003) / subscribe (004); an enrolled user is returned as is.")
    async def enrollment_create(
        self,
        info: Info,
        input_: Annotated[
            EnrollmentCreateInput, strawberry.argument(name="input", description="The course and the users to enrol.")
        ],
    ) -> EnrollmentsPayload:
        return await perform(
            info,
            EnrollmentsPayload,
            enrolling.enroll,
            lambda: {
                "course_id": input_id(input_.course_id, "Course", field=("courseId",)),
                "user_ids": [maybe_input_id(value, "User") for value in input_.user_ids],
            },
        )

    @strawberry.mutation(description="Enroll a group's members (004 subscribeGroups).")
    async def enrollment_group_create(
        self,
        info: Info,
        input_: Annotated[
            EnrollmentGroupCreateInput,
            strawberry.argument(name="input", description="The course and the group to enrol."),
        ],
    ) -> EnrollmentsPayload:
        return await perform(
            info,
            EnrollmentsPayload,
            enrolling.enroll_group,
            lambda: {
                "course_id": input_id(input_.course_id, "Course", field=("courseId",)),
                "group_id": input_id(input_.group_id, "Group", field=("groupId",)),
            },
        )

    @strawberry.mutation(description="Move the start or the end of an enrollment, or end its access now.")
    async def enrollment_update(
        self,
        info: Info,
        input_: Annotated[
            EnrollmentUpdateInput, strawberry.argument(name="input", description="The enrollment and its new dates.")
        ],
    ) -> EnrollmentPayload:  # type: ignore[valid-type]
        command = lambda: {  # noqa: E731
            "command": enrolling.EnrollmentUpdate(
                enrollment_id=input_id(input_.enrollment_id, "Enrollment", field=("enrollmentId",)),
                starts_at=input_.starts_at,
                expires_at=input_.expires_at,
                expired=input_.expired,
            )
        }
        return await perform(info, EnrollmentPayload, enrolling.update_enrollment, command)

    enrollment_remove = _bulk(
        enrolling.remove, "Remove learners (003): enrollment and progress go; the audit trail keeps it."
    )
    enrollment_reset_progress = _bulk(
        enrolling.reset, "Reset progress (003): records, dates and grade cleared; access kept."
    )
    enrollment_revoke = _bulk(enrolling.revoke, "Revoke access (003); progress stays.")
    enrollment_grant = _bulk(enrolling.grant, "Grant access again (003).")
    enrollment_assign_certificate = _bulk(
        enrolling.assign_certificate,
        "Assign certificate (003), whatever the completion; the course needs a certificate template.",
    )

    @strawberry.mutation(description="Mark a module complete (003 Mark Complete); may complete the course.")
    async def module_complete(
        self,
        info: Info,
        input_: Annotated[
            ModuleCompleteInput,
            strawberry.argument(name="input", description="The enrollment and the module completed."),
        ],
    ) -> ModuleCompletePayload:
        return await perform(
            info,
            ModuleCompletePayload,
            progress.complete_module,
            lambda: {
                "enrollment_id": input_id(input_.enrollment_id, "Enrollment", field=("enrollmentId",)),
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
            },
        )
