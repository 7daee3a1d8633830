"""moduleLaunch (seed 001) and coursesApiSecretRotate, the portal's secret for completion reports."""

from typing import Annotated
from urllib.parse import urlsplit

import strawberry

from graph.context import Info
from graph.enrollments.subscriptions import progress_topic
from graph.enrollments.types import EnrollmentType, ModuleProgressType, recorded
from graph.errors import error_type
from graph.events import TOPICS
from graph.mutation import perform
from graph.node import input_id
from resolvers import launch
from resolvers.errors import Problem

LaunchError = error_type("LaunchError", launch.LaunchErrorCode)
TOPICS[launch.Launched] = lambda done: [
    (progress_topic(done.completion.enrollment.course_id), done.completion.enrollment.id)
]


@strawberry.input(description="The learner's enrollment and an EXTERNAL module of its course.")
class ModuleLaunchInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The launching learner's own enrollment.")
    module_id: strawberry.ID = strawberry.field(description="An EXTERNAL module of that enrollment's course.")


@strawberry.type(description="Where to send the learner, and their record in the module (now in progress).")
class ModuleLaunchPayload:
    url: str | None = strawberry.field(
        default=None,
        description="The module's launchUrl with `/#/?reg=…&em=…&fn=…&dom=…&lmsId=…` (seed 001), percent-encoded.",
    )
    registration_id: str | None = strawberry.field(
        default=None, description="The `reg` UUID: made at the first launch, the same at every later one."
    )
    module_progress: ModuleProgressType | None = strawberry.field(
        default=None, description="The learner's record in the module, in progress from the first launch."
    )
    enrollment: EnrollmentType | None = strawberry.field(default=None, description="The enrollment, started.")
    errors: list[LaunchError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why the launch was refused; empty on success."
    )

    @classmethod
    def of(cls, done: launch.Launched) -> "ModuleLaunchPayload":
        return cls(url=done.url, registration_id=str(done.registration.id), **recorded(done.completion))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "ModuleLaunchPayload":
        return cls(errors=LaunchError.of(problems))


@strawberry.input(description="The acting portal's Courses API secret; a new one is generated when left out.")
class CoursesApiSecretRotateInput:
    secret: str | None = strawberry.field(default=None, description="16–200 characters, if you choose it.")


@strawberry.type(description="The secret that signs completion reports; shown now and never again.")
class CoursesApiSecretRotatePayload:
    secret: str | None = strawberry.field(
        default=None,
        description="Completion reports sign with it: X-CourseGraph-Signature = sha256=HMAC-SHA256 of "
        "`<timestamp>.<raw body>`.",
    )
    errors: list[LaunchError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why the secret was refused; empty on success."
    )

    @classmethod
    def of(cls, done: launch.SecretSet) -> "CoursesApiSecretRotatePayload":
        return cls(secret=done.secret)

    @classmethod
    def failed(cls, problems: list[Problem]) -> "CoursesApiSecretRotatePayload":
        return cls(errors=LaunchError.of(problems))


def launching_domain(info: Info) -> str:
    """Seed 001 `dom`: the host the learner launches from (the front end's Origin), else ours."""
    headers = info.context.request.headers
    origin = headers.get("origin")
    host = urlsplit(origin).hostname if origin and origin != "null" else None
    return host or urlsplit(f"//{headers.get('host', '')}").hostname or ""


@strawberry.type
class LaunchMutation:
    @strawberry.mutation(
        description="Launch an EXTERNAL module (seed 001): its URL with the learner's registration, which "
        "later launches reuse. Counts as the module's first launch (the course starts)."
    )
    async def module_launch(
        self,
        info: Info,
        input_: Annotated[
            ModuleLaunchInput,
            strawberry.argument(name="input", description="The enrollment and the external module to launch."),
        ],
    ) -> ModuleLaunchPayload:
        return await perform(
            info,
            ModuleLaunchPayload,
            launch.launch_module,
            lambda: {
                "enrollment_id": input_id(input_.enrollment_id, "Enrollment", field=("enrollmentId",)),
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "domain": launching_domain(info),
            },
        )

    @strawberry.mutation(
        description="Set or generate the acting portal's secret for Courses API completion reports (admins)."
    )
    async def courses_api_secret_rotate(
        self,
        info: Info,
        input_: Annotated[
            CoursesApiSecretRotateInput,
            strawberry.argument(name="input", description="The new secret, or none to have one generated."),
        ],
    ) -> CoursesApiSecretRotatePayload:
        return await perform(
            info, CoursesApiSecretRotatePayload, launch.rotate_secret, lambda: {"secret": input_.secret}
        )
