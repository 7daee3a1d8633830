"""moduleCreate, moduleUpdate, moduleReorder, moduleDelete."""

from dataclasses import asdict, fields
from datetime import datetime
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.courses.types import CourseType
from graph.enums import (
    DripIntervalUnit,
    DripReference,
    DripRule,
    FlashcardOrientation,
    ModuleKind,
    PresentationViewer,
    ShowCorrectAnswers,
    SubmissionType,
    SurveyFieldType,
    VideoProvider,
)
from graph.errors import error_type
from graph.modules.types import Module, module_from_row
from graph.mutation import payload_type, perform
from graph.node import input_id, input_ids, make_id
from resolvers import modules
from resolvers.errors import Problem

ModuleError = error_type("ModuleError", modules.ModuleErrorCode)


@strawberry.input(description="When the module becomes available; see the DripRule values.")
class DripInput:
    rule: DripRule
    date: datetime | None = None
    interval: int | None = None
    unit: DripIntervalUnit | None = None
    reference: DripReference | None = None

    def to_drip(self) -> modules.Drip:
        return modules.Drip(
            rule=self.rule, date=self.date, interval=self.interval, unit=self.unit, reference=self.reference
        )


@strawberry.input
class FlashcardInput:
    front: str
    back: str


@strawberry.input
class SurveyFieldInput:
    type: SurveyFieldType
    label: str
    is_required: bool = False
    options: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="A criterion of an assignment's rubric; the whole list replaces the module's.")
class AssignmentCriterionInput:
    criterion_id: str = strawberry.field(description="Your id for it (1–40 letters, digits, - or _), unique here.")
    title: str
    max_score: float = strawberry.field(description="Points it is worth, above 0.")


@strawberry.input(description="Module fields; a field of another kind than the module's is refused.")
class ModuleFieldsInput:
    content: str | None = strawberry.field(default=None, description="TEXT: HTML.")
    url: str | None = strawberry.field(default=None, description="VIDEO, PDF, PRESENTATION.")
    provider: VideoProvider | None = None
    cover_url: str | None = None
    disable_forward_seek: bool | None = None
    duration_seconds: int | None = None
    allow_download: bool | None = None
    default_zoom: str | None = None
    viewer: PresentationViewer | None = None
    orientation: FlashcardOrientation | None = None
    cards: list[FlashcardInput] | None = None
    launch_url: str | None = strawberry.field(default=None, description="SCORM, EXTERNAL.")
    scorm_version: str | None = None
    launch_new_window: bool | None = None
    retakes_allowed: int | None = strawberry.field(default=None, description="QUIZ: 0 means unlimited.")
    passing_percentage: float | None = None
    time_limit_minutes: int | None = None
    show_correct_answers: ShowCorrectAnswers | None = None
    shuffle_questions: bool | None = None
    submission_type: SubmissionType | None = None
    total_points: int | None = None
    allowed_file_types: list[str] | None = None
    max_upload_size_mb: int | None = strawberry.field(default=None, description="ASSIGNMENT: per file, 10 if unset.")
    allow_resubmission: bool | None = strawberry.field(
        default=None, description="ASSIGNMENT: a graded submission may be followed by another."
    )
    criteria: list[AssignmentCriterionInput] | None = strawberry.field(
        default=None, description="ASSIGNMENT: the rubric; graded per criterion instead of by a percent."
    )
    is_evaluated: bool | None = None
    min_comments: int | None = None
    submit_button_text: str | None = None
    survey_fields: list[SurveyFieldInput] | None = None
    duration_minutes: int | None = strawberry.field(default=None, description="LIVE_SESSION.")
    staging_url: str | None = None
    lms_id: str | None = None
    provider_name: str | None = None
    external_id: str | None = None
    max_score: float | None = None
    title: str | None = None
    section_id: strawberry.ID | None = None
    position: int | None = strawberry.field(default=None, description="From 0 in the course's curriculum.")
    is_required: bool | None = None
    drip: DripInput | None = None

    def to_fields(self) -> modules.ModuleFields:
        common = {"title", "section_id", "position", "is_required", "drip", "course_id", "kind", "module_id"}
        given = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in common}  # type: ignore[arg-type]
        details = {
            name: [asdict(v) for v in value] if name in ("cards", "survey_fields", "criteria") else value
            for name, value in given.items()
            if value is not None
        }
        section = input_id(self.section_id, "Section", field=("sectionId",)) if self.section_id else None
        return modules.ModuleFields(
            title=self.title,
            section_id=section,
            position=self.position,
            is_required=self.is_required,
            drip=self.drip.to_drip() if self.drip else None,
            details=details,
        )


@strawberry.input(description="A new module: the common fields plus those of its kind.")
class ModuleCreateInput(ModuleFieldsInput):
    course_id: strawberry.ID
    kind: ModuleKind
    # a field of its own, or it inherits `title = None` as its default, which introspection refuses
    title: str = strawberry.field()


@strawberry.input(description="Changes to a module; fields left out stay as they are.")
class ModuleUpdateInput(ModuleFieldsInput):
    module_id: strawberry.ID


@strawberry.input(description="The course's modules in their new order, every one exactly once.")
class ModuleReorderInput:
    course_id: strawberry.ID
    module_ids: list[strawberry.ID]


@strawberry.input
class ModuleDeleteInput:
    module_id: strawberry.ID


ModulePayload = payload_type("ModulePayload", "module", Module, ModuleError, module_from_row)
ModuleReorderPayload = payload_type("ModuleReorderPayload", "course", CourseType, ModuleError)


@strawberry.type(description="The id of the deleted module, or why it was kept.")
class ModuleDeletePayload:
    deleted_module_id: strawberry.ID | None = None
    errors: list[ModuleError] = strawberry.field(default_factory=list)  # type: ignore[valid-type]

    @classmethod
    def of(cls, row: Any) -> "ModuleDeletePayload":
        return cls(deleted_module_id=make_id("Module", row.id))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "ModuleDeletePayload":
        return cls(errors=ModuleError.of(problems))


@strawberry.type
class ModuleMutation:
    @strawberry.mutation(description="Add a module of any kind to a course.")
    async def module_create(
        self, info: Info, input_: Annotated[ModuleCreateInput, strawberry.argument(name="input")]
    ) -> ModulePayload:  # type: ignore[valid-type]
        return await perform(
            info,
            ModulePayload,
            modules.create_module,
            lambda: {
                "course_id": input_id(input_.course_id, "Course", field=("courseId",)),
                "kind": input_.kind,
                "fields": input_.to_fields(),
            },
        )

    @strawberry.mutation(description="Change a module's common or kind fields, or move it.")
    async def module_update(
        self, info: Info, input_: Annotated[ModuleUpdateInput, strawberry.argument(name="input")]
    ) -> ModulePayload:  # type: ignore[valid-type]
        return await perform(
            info,
            ModulePayload,
            modules.update_module,
            lambda: {
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "fields": input_.to_fields(),
            },
        )

    @strawberry.mutation(description="Put a course's modules in a new order.")
    async def module_reorder(
        self, info: Info, input_: Annotated[ModuleReorderInput, strawberry.argument(name="input")]
    ) -> ModuleReorderPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            ModuleReorderPayload,
            modules.reorder_modules,
            lambda: {
                "course_id": input_id(input_.course_id, "Course", field=("courseId",)),
                "module_ids": input_ids(input_.module_ids, "Module", field="moduleIds"),
            },
        )

    @strawberry.mutation(description="Delete a module; the others close the gap.")
    async def module_delete(
        self, info: Info, input_: Annotated[ModuleDeleteInput, strawberry.argument(name="input")]
    ) -> ModuleDeletePayload:
        return await perform(
            info,
            ModuleDeletePayload,
            modules.delete_module,
            lambda: {"module_id": input_id(input_.module_id, "Module", field=("moduleId",))},
        )
