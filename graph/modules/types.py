"""The `Module` interface and one type per kind, each with the fields of its kind."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import (
    DripIntervalUnit,
    DripReference,
    DripRule,
    FlashcardOrientation,
    ModuleKind,
    PresentationViewer,
    ShowCorrectAnswers,
    SubmissionStatus,
    SubmissionType,
    SurveyFieldType,
    VideoProvider,
)
from graph.node import Node, make_id, register
from graph.pagination import Connection, Listed, Paged, order_input
from models import modules as tables
from models.courses import Course, Section

if TYPE_CHECKING:
    from graph.assignments.types import AssignmentSubmissionNode
    from graph.courses.types import CourseType, SectionType
    from graph.discussions.types import DiscussionPostNode, SurveyResponseNode
    from graph.quizzes.types import QuestionNode


@strawberry.type(description="When a module becomes available to a learner (003 drip).")
class Drip:
    rule: DripRule = strawberry.field(
        description="Which drip rule applies; IMMEDIATELY needs none of the other fields."
    )
    date: datetime | None = strawberry.field(description="For FIXED_DATE.")
    interval: int | None = strawberry.field(description="For SPECIFIC_INTERVAL, in `unit`s.")
    unit: DripIntervalUnit | None = strawberry.field(description="For SPECIFIC_INTERVAL: what `interval` counts.")
    reference: DripReference | None = strawberry.field(description="What the interval counts from.")


@strawberry.interface(description="A lesson or activity of a course; one type per kind.")
class Module(Node):
    title: str = strawberry.field(description="The module's title as learners see it.")
    kind: ModuleKind = strawberry.field(description="Which of the 12 kinds it is; the concrete type says the same.")
    position: int = strawberry.field(description="Place in the course's curriculum, from 0.")
    is_required: bool = strawberry.field(description="Counts toward course completion.")
    drip: Drip = strawberry.field(description="When it becomes available to a learner.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    row_id: strawberry.Private[UUID]
    course_id: strawberry.Private[UUID]
    section_id: strawberry.Private[UUID | None]
    details: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Module", row.id),
            title=row.title,
            kind=row.kind,
            position=row.position,
            is_required=row.is_required,
            drip=Drip(
                rule=row.drip_rule,
                date=row.drip_date,
                interval=row.drip_interval,
                unit=row.drip_interval_unit,
                reference=row.drip_reference,
            ),
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
            course_id=row.course_id,
            section_id=row.section_id,
            details=row.details or {},
        )

    @strawberry.field(description="The course it belongs to.")
    async def course(self, info: Info) -> Annotated["CourseType", strawberry.lazy("graph.courses.types")]:
        from graph.courses.types import CourseType

        return CourseType.from_row(await info.context.loaders.row(Course, self.course_id))

    @strawberry.field(description="The section it sits in; null for a module outside any section.")
    async def section(self, info: Info) -> Annotated["SectionType", strawberry.lazy("graph.courses.types")] | None:
        from graph.courses.types import SectionType

        if self.section_id is None:
            return None
        row = await info.context.loaders.row(Section, self.section_id)
        return None if row is None else SectionType.from_row(row)


def detail(name: str, default: Any = None, *, enum: Any = None, description: str) -> Any:
    """A kind field read from the module's `details`."""

    def resolve(root: Module) -> Any:
        value = root.details.get(name, default)
        return enum(value) if enum is not None and value is not None else value

    return strawberry.field(resolver=resolve, description=description)


@strawberry.type(description="A flashcard: a prompt and its answer.")
class Flashcard:
    front: str = strawberry.field(description="The prompt side.")
    back: str = strawberry.field(description="The answer side.")


@strawberry.type(description="A question of a survey form.")
class SurveyField:
    type: SurveyFieldType = strawberry.field(description="How the question is answered.")
    label: str = strawberry.field(description="The question as learners read it.")
    is_required: bool = strawberry.field(description="An answer is required to submit the survey.")
    options: list[str] = strawberry.field(description="The choices for choice-type fields; empty for the others.")


@strawberry.type(description="Rich text (HTML) to read.")
class TextModule(Module):
    content: str = detail("content", "", description="The text as HTML.")


@strawberry.type(description="A video from a provider or uploaded.")
class VideoModule(Module):
    url: str = detail("url", "", description="Where the video plays from.")
    provider: VideoProvider = detail(
        "provider", "in-house", enum=VideoProvider, description="Which player or host serves the video."
    )
    cover_url: str | None = detail("cover_url", description="A poster image shown before playing; null: none.")
    disable_forward_seek: bool = detail(
        "disable_forward_seek", False, description="Learners may not skip ahead of what they have watched."
    )
    duration_seconds: int | None = detail(
        "duration_seconds", description="The video's length in seconds; null: unknown."
    )


@strawberry.type(description="A PDF document.")
class PdfModule(Module):
    url: str = detail("url", "", description="Where the PDF is.")
    allow_download: bool = detail("allow_download", False, description="Whether learners may download the file.")
    default_zoom: str | None = detail(
        "default_zoom",
        description="The viewer's zoom when opened, e.g. `page-width` or `100`; null: the viewer's default.",
    )


@strawberry.type(description="A slide deck (003 powerpoint).")
class PresentationModule(Module):
    url: str = detail("url", "", description="Where the presentation is.")
    viewer: PresentationViewer = detail(
        "viewer", "microsoft_office", enum=PresentationViewer, description="Which online viewer shows it."
    )


def _cards(root: Module) -> list[Flashcard]:
    return [Flashcard(front=c["front"], back=c["back"]) for c in root.details.get("cards", [])]


@strawberry.type(description="A deck of flashcards.")
class FlashcardsModule(Module):
    orientation: FlashcardOrientation = detail(
        "orientation", "landscape", enum=FlashcardOrientation, description="How the cards are laid out."
    )
    cards: list[Flashcard] = strawberry.field(resolver=_cards, description="The cards in order.")


@strawberry.type(description="A SCORM or xAPI package.")
class ScormModule(Module):
    launch_url: str = detail("launch_url", "", description="The SCORM package's entry point.")
    scorm_version: str | None = detail(
        "scorm_version", description="The package's SCORM version, e.g. `1.2` or `2004`."
    )
    launch_new_window: bool = detail(
        "launch_new_window", False, description="Whether the package opens in a new window."
    )


@strawberry.type(description="A quiz; the latest attempt counts unless the course says BEST.")
class QuizModule(Module):
    retakes_allowed: int = detail(
        "retakes_allowed", 0, description="Attempts allowed after the first; 0: one attempt only."
    )
    passing_percentage: float | None = detail(
        "passing_percentage", description="Score (0–100) needed to pass; null: any submitted attempt passes."
    )
    time_limit_minutes: int | None = detail(
        "time_limit_minutes", description="Minutes an attempt may last; null: no limit."
    )
    show_correct_answers: ShowCorrectAnswers = detail(
        "show_correct_answers",
        "never",
        enum=ShowCorrectAnswers,
        description="When learners see the correct answers of their attempts.",
    )
    shuffle_questions: bool = detail(
        "shuffle_questions", False, description="Whether each attempt shows the questions in a random order."
    )

    @strawberry.field(description="The questions in order; answers hidden from learners until allowed.")
    async def questions(self, info: Info) -> list[Annotated["QuestionNode", strawberry.lazy("graph.quizzes.types")]]:
        from graph.quizzes.types import questions_of

        return await questions_of(info, self.row_id)


SubmissionOrder = order_input(
    "AssignmentSubmissionOrder", {"CREATED_AT": "created_at", "SUBMITTED_AT": "submitted_at", "NUMBER": "number"}
)


@strawberry.type(description="A criterion of an assignment's rubric: graders give it 0 to maxScore points.")
class AssignmentCriterion:
    criterion_id: str = strawberry.field(description="Chosen by the module's author; what grading names.")
    title: str = strawberry.field(description="What the criterion judges.")
    max_score: float = strawberry.field(description="The most points this criterion can give.")


def _criteria(root: Module) -> list[AssignmentCriterion]:
    return [
        AssignmentCriterion(criterion_id=c["criterion_id"], title=c["title"], max_score=c["max_score"])
        for c in root.details.get("criteria", [])
    ]


@strawberry.type(description="Work a learner submits and an instructor grades.")
class AssignmentModule(Module):
    submission_type: SubmissionType = detail(
        "submission_type", "text", enum=SubmissionType, description="What a learner hands in: TEXT or FILE."
    )
    total_points: int | None = detail(
        "total_points",
        description="Without a rubric: the points a 100% grade is worth; null: the grade is a percent only.",
    )
    allowed_file_types: list[str] = detail(
        "allowed_file_types", [], description="File extensions accepted for FILE submissions; empty: any type."
    )
    max_upload_size_mb: int | None = detail(
        "max_upload_size_mb", description="Largest file accepted, in MB; null: the service's upload limit."
    )
    allow_resubmission: bool = detail(
        "allow_resubmission", False, description="Whether a learner may submit again after a submission."
    )
    criteria: list[AssignmentCriterion] = strawberry.field(
        resolver=_criteria, description="The rubric; empty when graded by a percent."
    )

    @strawberry.field(
        description="Submissions to this module: all of them for the course's staff, a learner's own for them.",
        extensions=[Paged(SubmissionOrder)],
    )
    async def submissions(
        self,
        info: Info,
        status: Annotated[
            SubmissionStatus | None,
            strawberry.argument(description="Only submissions in this status; all when left out."),
        ] = None,
    ) -> Connection[Annotated["AssignmentSubmissionNode", strawberry.lazy("graph.assignments.types")]]:
        from graph.assignments.types import AssignmentSubmissionNode
        from resolvers.assignments import submissions_query

        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            submissions_query,
            (actor, None, status),
            AssignmentSubmissionNode.from_row,
            partition="module_id",
            parent=self.row_id,
        )


@strawberry.type(description="A discussion; complete at `minComments` posts unless evaluated.")
class DiscussionModule(Module):
    is_evaluated: bool = detail(
        "is_evaluated", False, description="An instructor grades the learner's participation (discussionEvaluate)."
    )
    total_points: int | None = detail(
        "total_points", description="Points an evaluation is out of; null: its points are a percent."
    )
    min_comments: int = detail("min_comments", 1, description="Posts a learner must write to complete the module.")

    @strawberry.field(
        description="The posts, oldest first: all of them for the course's staff; for a learner those of "
        "a course they are enrolled in."
    )
    async def posts(
        self, info: Info
    ) -> list[Annotated["DiscussionPostNode", strawberry.lazy("graph.discussions.types")]]:
        from graph.discussions.types import posts_of

        return await posts_of(info, self.row_id)


def _survey_fields(root: Module) -> list[SurveyField]:
    return [
        SurveyField(
            type=SurveyFieldType(f["type"]),
            label=f["label"],
            is_required=f.get("is_required", False),
            options=f.get("options", []),
        )
        for f in root.details.get("survey_fields", [])
    ]


@strawberry.type(description="A form of questions without right answers.")
class SurveyModule(Module):
    submit_button_text: str = detail(
        "submit_button_text", "Submit", description="The label of the survey's submit button."
    )
    survey_fields: list[SurveyField] = strawberry.field(
        resolver=_survey_fields, description="The survey's questions in order; answers refer to them by index."
    )

    @strawberry.field(description="The responses, oldest first: every learner's for staff, a learner's own.")
    async def responses(
        self, info: Info
    ) -> list[Annotated["SurveyResponseNode", strawberry.lazy("graph.discussions.types")]]:
        from graph.discussions.types import responses_of

        return await responses_of(info, self.row_id)


@strawberry.type(description="A live class (003 webinar; seeds 000 and 002).")
class LiveSessionModule(Module):
    duration_minutes: int | None = detail(
        "duration_minutes", description="Planned length of its sessions in minutes; null: not set."
    )


@strawberry.type(description="A course hosted elsewhere and launched by URL (seeds 001, 004).")
class ExternalModule(Module):
    launch_url: str = detail(
        "launch_url",
        "",
        description="The external course's address; `moduleLaunch` adds the learner's query string (001).",
    )
    staging_url: str | None = detail(
        "staging_url", description="A test address of the external course; null when it has none."
    )
    lms_id: str | None = detail("lms_id", description="The `lmsId` the launch sends the external system (001).")
    provider_name: str | None = detail("provider_name", description="Who provides the external course, for display.")
    external_id: str | None = detail("external_id", description="The course's id in the external system.")
    max_score: float | None = detail("max_score", description="Points a reported score is out of.")


KIND_TYPES: dict[tables.ModuleKind, type[Module]] = {
    tables.ModuleKind.TEXT: TextModule,
    tables.ModuleKind.VIDEO: VideoModule,
    tables.ModuleKind.PDF: PdfModule,
    tables.ModuleKind.PRESENTATION: PresentationModule,
    tables.ModuleKind.FLASHCARDS: FlashcardsModule,
    tables.ModuleKind.SCORM: ScormModule,
    tables.ModuleKind.QUIZ: QuizModule,
    tables.ModuleKind.ASSIGNMENT: AssignmentModule,
    tables.ModuleKind.DISCUSSION: DiscussionModule,
    tables.ModuleKind.SURVEY: SurveyModule,
    tables.ModuleKind.LIVE_SESSION: LiveSessionModule,
    tables.ModuleKind.EXTERNAL: ExternalModule,
}


def module_from_row(row: Any) -> Module:
    return KIND_TYPES[row.kind].from_row(row)


register("Module", tables.Module, module_from_row)
