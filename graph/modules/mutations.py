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
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id, input_ids, make_id
from resolvers import modules
from resolvers.errors import Problem

ModuleError = error_type("ModuleError", modules.ModuleErrorCode)


@strawberry.input(description="When the module becomes available; see the DripRule values.")
class DripInput:
    rule: DripRule = strawberry.field(description="When the module becomes available.")
    date: datetime | None = strawberry.field(default=None, description="For FIXED_DATE: the instant it opens.")
    interval: int | None = strawberry.field(
        default=None, description="For SPECIFIC_INTERVAL: how many `unit`s after `reference`."
    )
    unit: DripIntervalUnit | None = strawberry.field(
        default=None, description="For SPECIFIC_INTERVAL: what `interval` counts."
    )
    reference: DripReference | None = strawberry.field(
        default=None, description="For SPECIFIC_INTERVAL: what the interval counts from."
    )

    def to_drip(self) -> modules.Drip:
        return modules.Drip(
            rule=self.rule, date=self.date, interval=self.interval, unit=self.unit, reference=self.reference
        )


@strawberry.input(description="One flashcard of a FLASHCARDS module.")
class FlashcardInput:
    front: str = strawberry.field(description="The prompt side.")
    back: str = strawberry.field(description="The answer side.")


@strawberry.input(description="One question of a SURVEY module.")
class SurveyFieldInput:
    type: SurveyFieldType = strawberry.field(description="How the question is answered.")
    label: str = strawberry.field(description="The question as learners read it.")
    is_required: bool = strawberry.field(default=False, description="An answer is required.")
    options: list[str] = strawberry.field(default_factory=list, description="The choices, for choice-type fields.")


@strawberry.input(description="A criterion of an assignment's rubric; the whole list replaces the module's.")
class AssignmentCriterionInput:
    criterion_id: str = strawberry.field(description="Your id for it (1–40 letters, digits, - or _), unique here.")
    title: str = strawberry.field(description="What the criterion judges.")
    max_score: float = strawberry.field(description="Points it is worth, above 0.")


@strawberry.input(description="Module fields; a field of another kind than the module's is refused.")
class ModuleFieldsInput:
    content: str | None = strawberry.field(default=None, description="TEXT: HTML.")
    url: str | None = strawberry.field(default=None, description="VIDEO, PDF, PRESENTATION.")
    provider: VideoProvider | None = strawberry.field(default=None, description="VIDEO: who hosts the video.")
    cover_url: str | None = strawberry.field(default=None, description="VIDEO: a poster image.")
    disable_forward_seek: bool | None = strawberry.field(default=None, description="VIDEO: forbid skipping ahead.")
    duration_seconds: int | None = strawberry.field(default=None, description="VIDEO: length in seconds.")
    allow_download: bool | None = strawberry.field(default=None, description="PDF: learners may download it.")
    default_zoom: str | None = strawberry.field(default=None, description="PDF: the viewer's zoom when opened.")
    viewer: PresentationViewer | None = strawberry.field(
        default=None, description="PRESENTATION: which online viewer shows it."
    )
    orientation: FlashcardOrientation | None = strawberry.field(default=None, description="FLASHCARDS: card layout.")
    cards: list[FlashcardInput] | None = strawberry.field(
        default=None, description="FLASHCARDS: the cards in order; replaces them on update."
    )
    launch_url: str | None = strawberry.field(default=None, description="SCORM, EXTERNAL.")
    scorm_version: str | None = strawberry.field(default=None, description="SCORM: the package's version.")
    launch_new_window: bool | None = strawberry.field(default=None, description="SCORM: open in a new window.")
    retakes_allowed: int | None = strawberry.field(default=None, description="QUIZ: 0 means unlimited.")
    passing_percentage: float | None = strawberry.field(default=None, description="QUIZ: score (0–100) needed to pass.")
    time_limit_minutes: int | None = strawberry.field(
        default=None, description="QUIZ: minutes per attempt; none: no limit."
    )
    show_correct_answers: ShowCorrectAnswers | None = strawberry.field(
        default=None, description="QUIZ: when learners see the answers."
    )
    shuffle_questions: bool | None = strawberry.field(
        default=None, description="QUIZ: random question order per attempt."
    )
    submission_type: SubmissionType | None = strawberry.field(default=None, description="ASSIGNMENT: TEXT or FILE.")
    total_points: int | None = strawberry.field(
        default=None, description="ASSIGNMENT or DISCUSSION: points for a full score."
    )
    allowed_file_types: list[str] | None = strawberry.field(
        default=None, description="ASSIGNMENT: accepted file extensions; none: any."
    )
    max_upload_size_mb: int | None = strawberry.field(default=None, description="ASSIGNMENT: per file, 10 if unset.")
    allow_resubmission: bool | None = strawberry.field(
        default=None, description="ASSIGNMENT: a graded submission may be followed by another."
    )
    criteria: list[AssignmentCriterionInput] | None = strawberry.field(
        default=None, description="ASSIGNMENT: the rubric; graded per criterion instead of by a percent."
    )
    is_evaluated: bool | None = strawberry.field(
        default=None, description="DISCUSSION: an instructor grades participation."
    )
    min_comments: int | None = strawberry.field(default=None, description="DISCUSSION: posts needed to complete it.")
    submit_button_text: str | None = strawberry.field(default=None, description="SURVEY: the submit button's label.")
    survey_fields: list[SurveyFieldInput] | None = strawberry.field(
        default=None, description="SURVEY: the questions in order; replaces them on update."
    )
    duration_minutes: int | None = strawberry.field(default=None, description="LIVE_SESSION.")
    staging_url: str | None = strawberry.field(default=None, description="EXTERNAL: a test address of the course.")
    lms_id: str | None = strawberry.field(default=None, description="EXTERNAL: the `lmsId` sent at launch (001).")
    provider_name: str | None = strawberry.field(default=None, description="EXTERNAL: who provides the course.")
    external_id: str | None = strawberry.field(default=None, description="EXTERNAL: the course's id over there.")
    max_score: float | None = strawberry.field(default=None, description="EXTERNAL: points a reported score is out of.")
    title: str | None = strawberry.field(default=None, description="The module's title, up to 300 characters.")
    section_id: strawberry.ID | None = strawberry.field(
        default=None, description="A section of the same course to place it in; none: outside any section."
    )
    position: int | None = strawberry.field(default=None, description="From 0 in the course's curriculum.")
    is_required: bool | None = strawberry.field(default=None, description="Counts toward course completion.")
    drip: DripInput | None = strawberry.field(
        default=None, description="When it becomes available; IMMEDIATELY when left out."
    )

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
    course_id: strawberry.ID = strawberry.field(description="The course it is added to.")
    kind: ModuleKind = strawberry.field(
        description="Which of the 12 kinds; only that kind's fields apply, others are INVALID."
    )
    # a field of its own, or it inherits `title = None` as its default, which introspection refuses
    title: str = strawberry.field(description="The module's title, up to 300 characters.")


@strawberry.input(description="Changes to a module; fields left out stay as they are.")
class ModuleUpdateInput(ModuleFieldsInput):
    module_id: strawberry.ID = strawberry.field(description="The module to change; its kind stays.")


@strawberry.input(description="The course's modules in their new order, every one exactly once.")
class ModuleReorderInput:
    course_id: strawberry.ID = strawberry.field(description="The course whose modules are reordered.")
    module_ids: list[strawberry.ID] = strawberry.field(description="Every module of the course, in the new order.")


@strawberry.input(description="The module to delete.")
class ModuleDeleteInput:
    module_id: strawberry.ID = strawberry.field(description="The module to delete; learners' records in it go too.")


ModulePayload = payload_type("ModulePayload", "module", Module, ModuleError, module_from_row)
ModuleReorderPayload = payload_type("ModuleReorderPayload", "course", CourseType, ModuleError)


@strawberry.type(description="The id of the deleted module, or why it was kept.")
class ModuleDeletePayload:
    deleted_module_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted module, to evict from caches; null when refused."
    )
    errors: list[ModuleError] = errors_field()  # type: ignore[valid-type]

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
        self,
        info: Info,
        input_: Annotated[
            ModuleCreateInput,
            strawberry.argument(name="input", description="The new module: course, kind, title and the kind's fields."),
        ],
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
        self,
        info: Info,
        input_: Annotated[
            ModuleUpdateInput, strawberry.argument(name="input", description="The module and the fields to change.")
        ],
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
        self,
        info: Info,
        input_: Annotated[
            ModuleReorderInput,
            strawberry.argument(name="input", description="The course and its modules in the new order."),
        ],
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
        self,
        info: Info,
        input_: Annotated[ModuleDeleteInput, strawberry.argument(name="input", description="The module to delete.")],
    ) -> ModuleDeletePayload:
        return await perform(
            info,
            ModuleDeletePayload,
            modules.delete_module,
            lambda: {"module_id": input_id(input_.module_id, "Module", field=("moduleId",))},
        )
