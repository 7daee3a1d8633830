"""004 getResults in the graph: `Enrollment.results`, read-only.

Everything comes from rows the request's DataLoaders already fetch for other fields (the course's
visible modules, the enrollment's module records, its quiz attempts, the portal, the sections), so
the results of a page of enrollments cost the same statements as those of one.

Decisions (DOMAIN §6.4, R51):
- Dates (`completeDate`, `startDate`) are calendar days in the enrollment's portal time zone (UTC
  when the viewer cannot read the portal); the `…DateTime` fields are instants, ISO UTC.
- Only quizzes have several attempts, one per QuizAttempt row, numbered from 1; a quiz always allows
  several (R23: 0 retakes is unlimited), so its `attemptNr` is -1 only if a quiz ever allowed one.
  Every other module has at most one attempt, built from its module record, numbered -1.
- A quiz attempt has one exam term, "Total": points earned, the maximum, and the pass mark in
  points (0 without a pass mark). Other modules have no terms.
- An assignment's single attempt carries the `criteria` of its latest graded submission (its
  rubric's points; empty without a rubric or before grading); `objectives` is empty (none yet).
- Attempt `progress` is null: no module kind records one (quiz attempts keep only the answers given).
- Discussions are reported as type Assignment / subType Discussion (004 has no discussion activity;
  they are graded participation, closest to its Assignment).
"""

import asyncio
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import strawberry

from graph.assignments.types import submission_rows
from graph.context import Info
from graph.enrollments.types import _modules, _progress_rows
from graph.modules.types import Module, module_from_row
from graph.node import make_id
from models.assignments import SubmissionStatus
from models.courses import Section
from models.enrollments import EnrollmentStatus
from models.enrollments import ModuleProgressStatus as ProgressStatus
from models.modules import ModuleKind
from models.portals import Portal
from resolvers import quizzes
from resolvers.batches import Children
from resolvers.schedule import progress

# 004 type / subType of each module kind (DOMAIN §6.4 "aNewSpring type / subType").
ACTIVITY_TYPES: dict[ModuleKind, tuple[str, str]] = {
    ModuleKind.QUIZ: ("Assessment", "Assessment"),
    ModuleKind.ASSIGNMENT: ("SkillAssignment", "SkillAssignment"),
    ModuleKind.SURVEY: ("Evaluation", "Inquiry"),
    ModuleKind.SCORM: ("Scorm", "Scorm"),
    ModuleKind.EXTERNAL: ("External", "External"),
    ModuleKind.LIVE_SESSION: ("External", "Webinar"),
    ModuleKind.TEXT: ("Lesson", "Lesson"),
    ModuleKind.VIDEO: ("Lesson", "Lesson"),
    ModuleKind.FLASHCARDS: ("Lesson", "Lesson"),
    ModuleKind.PDF: ("Lesson", "Documentation"),
    ModuleKind.PRESENTATION: ("Lesson", "Documentation"),
    ModuleKind.DISCUSSION: ("Assignment", "Discussion"),
}
EVALUATION = "Evaluation"
LESSON = "Lesson"


def percent_string(score: float | None) -> str | None:
    """004's score strings: "67%"."""
    return None if score is None else f"{round(score)}%"


def _day(at: datetime | None, zone: tzinfo) -> date | None:
    return None if at is None else at.astimezone(zone).date()


@strawberry.type(
    description="A rubric criterion of an assessed attempt (004 criteria): an assignment's, as graded."
    " Its `id` is the same for every learner: a normalized cache keeps it inside its enrollment's results "
    "(Apollo: `keyFields: false`).",
)
class ResultCriterion:
    id: strawberry.ID = strawberry.field(description="The criterion's id.")
    name: str = strawberry.field(description="The criterion's name.")
    score: float = strawberry.field(description="Points given on this criterion.")
    max_score: float = strawberry.field(description="Points the criterion is worth.")


@strawberry.type(description='An exam term of a quiz attempt (004 terms): ours is the one "Total" term.')
class ResultTerm:
    name: str = strawberry.field(description='"Total": the whole quiz.')
    score: float = strawberry.field(description="Points earned.")
    max_score: float = strawberry.field(description="Points the quiz was worth in this attempt.")
    threshold: float = strawberry.field(description="Points needed to pass (the pass mark in points; 0 without one).")


@strawberry.type(description="A learning objective's result (004 objectives); courses have none yet.")
class ResultObjective:
    name: str = strawberry.field(description="The objective's name.")
    target: float = strawberry.field(description="The value to reach, 0–1.")
    value: float = strawberry.field(description="The learner's current value, 0–1.")


@strawberry.type(description="One attempt at a module (004 attempts).")
class ResultAttempt:
    attempt_nr: int = strawberry.field(
        description="The quiz attempt's number from 1; -1 when the module allows one attempt only (R51)."
    )
    start_date: date | None = strawberry.field(description="Day the attempt began, in the portal's time zone.")
    start_date_time: datetime | None = strawberry.field(description="When the attempt began (UTC).")
    complete_date: date | None = strawberry.field(description="Day the attempt was completed, in the portal's zone.")
    complete_date_time: datetime | None = strawberry.field(description="When the attempt was completed (UTC).")
    completed: bool = strawberry.field(description="The attempt was completed (a quiz attempt: submitted).")
    passed: bool | None = strawberry.field(
        description="The attempt passed; false for activities without a threshold, null for evaluations (R51)."
    )
    progress: str | None = strawberry.field(description='Parts done in the attempt ("3/3"); null when unsupported.')
    score: str | None = strawberry.field(description='The attempt\'s score ("80%"); null if unscored or evaluation.')
    criteria: list[ResultCriterion] = strawberry.field(
        description="Rubric criteria with their scores: an assignment's latest graded submission's; else empty."
    )
    terms: list[ResultTerm] = strawberry.field(
        description='Exam terms: a submitted quiz attempt has one, "Total"; empty otherwise.'
    )


@strawberry.type(
    description="The learner's result in one module of the course (004 parts)."
    " Its `id` is the same for every learner: a normalized cache keeps it inside its enrollment's results "
    "(Apollo: `keyFields: false`).",
)
class ResultPart:
    id: strawberry.ID = strawberry.field(description="The module's global id.")
    name: str = strawberry.field(description="The module's title.")
    block_name: str | None = strawberry.field(description="The title of the module's section; null outside one.")
    type: str = strawberry.field(description='004 activity type ("Assessment", "Lesson", "Evaluation", …).')
    sub_type: str = strawberry.field(description='004 activity sub type ("Assessment", "Documentation", "Inquiry", …).')
    completed: bool = strawberry.field(description="The learner completed the module.")
    complete_date: date | None = strawberry.field(description="Day of completion, in the portal's time zone.")
    complete_date_time: datetime | None = strawberry.field(description="When the module was completed (UTC).")
    passed: bool | None = strawberry.field(
        description="The learner passed; always false for activities without a threshold (lessons), "
        "always null for evaluations (R51)."
    )
    score: str | None = strawberry.field(
        description='The module\'s counted score ("80%"); null when unscored, always null for evaluations.'
    )
    attempts: list[ResultAttempt] = strawberry.field(
        description="Attempts, first to last: a quiz's attempts; at most one for other modules."
    )
    module_row: strawberry.Private[Any]

    @strawberry.field(description="The module itself.")
    def module(self) -> Module:
        return module_from_row(self.module_row)


@strawberry.type(description="An enrollment's results in 004 getResults' shape.")
class EnrollmentResults:
    completed: bool = strawberry.field(description="The course is completed.")
    complete_date: date | None = strawberry.field(description="Day of completion, in the portal's time zone.")
    complete_date_time: datetime | None = strawberry.field(description="When the course was completed (UTC).")
    grade: str | None = strawberry.field(description='The course grade ("67%"), as gradeDisplay; null if none.')
    progress: str = strawberry.field(description='Completed over available modules ("11/16"), as progress.display.')
    parts: list[ResultPart] = strawberry.field(
        description="The modules the viewer may see, in curriculum order, with the learner's results."
    )
    objectives: list[ResultObjective] = strawberry.field(
        description="Learning objectives with the learner's values; empty: courses have no objectives yet."
    )


async def _attempt_rows(info: Info, enrollment_id: UUID) -> list[Any]:
    actor = await info.context.actor()
    spec = Children(quizzes.attempts_query, (actor,), "enrollment_id", ("number", "id"))
    return await info.context.loaders.children.load((enrollment_id, spec))


def _criteria(submissions: list[Any]) -> list[ResultCriterion]:
    """The rubric's points of an assignment's latest graded submission (004 criteria)."""
    graded = [row for row in submissions if row.status == SubmissionStatus.GRADED]
    if not graded:
        return []
    latest = max(graded, key=lambda row: row.number)
    return [
        ResultCriterion(id=c["criterion_id"], name=c["title"], score=c["score"], max_score=c["max_score"])
        for c in latest.criteria or []
    ]


async def _zone(info: Info, portal_id: UUID) -> tzinfo:
    portal = await info.context.loaders.row(Portal, portal_id)
    try:
        return ZoneInfo(portal.time_zone) if portal is not None else UTC
    except (ValueError, KeyError):
        return UTC


def _quiz_attempt(row: Any, module: Any, zone: tzinfo) -> ResultAttempt:
    details = module.details or {}
    single = quizzes.attempts_allowed(details) == 1
    terms = []
    if row.submitted_at is not None and row.points is not None and row.max_points is not None:
        mark = details.get("passing_percentage")
        threshold = 0.0 if mark is None else round(row.max_points * mark / 100, 2)
        terms.append(ResultTerm(name="Total", score=row.points, max_score=row.max_points, threshold=threshold))
    return ResultAttempt(
        attempt_nr=-1 if single else row.number,
        start_date=_day(row.started_at, zone),
        start_date_time=row.started_at,
        complete_date=_day(row.submitted_at, zone),
        complete_date_time=row.submitted_at,
        completed=row.submitted_at is not None,
        passed=bool(row.passed),
        progress=None,
        score=percent_string(row.score),
        criteria=[],
        terms=terms,
    )


def _part(module: Any, record: Any, attempts: list[Any], section: Any, zone: tzinfo) -> ResultPart:
    type_, sub_type = ACTIVITY_TYPES.get(module.kind, (LESSON, LESSON))
    evaluation = type_ == EVALUATION
    completed = record is not None and record.status == ProgressStatus.COMPLETED
    completed_at = record.completed_at if record is not None else None
    if evaluation:
        passed, score = None, None
    elif type_ == LESSON:
        passed, score = False, None  # no threshold (R51)
    else:
        passed = bool(record is not None and record.passed)
        score = percent_string(record.score if record is not None else None)
    if module.kind == ModuleKind.QUIZ:
        tries = [_quiz_attempt(row, module, zone) for row in attempts]
    elif record is not None and (record.started_at or record.completed_at):
        started = record.started_at or record.completed_at
        tries = [
            ResultAttempt(
                attempt_nr=-1,
                start_date=_day(started, zone),
                start_date_time=started,
                complete_date=_day(completed_at, zone),
                complete_date_time=completed_at,
                completed=completed,
                passed=passed,
                progress=None,
                score=score,
                criteria=_criteria(attempts),
                terms=[],
            )
        ]
    else:
        tries = []
    return ResultPart(
        id=make_id("Module", module.id),
        name=module.title,
        block_name=None if section is None else section.title,
        type=type_,
        sub_type=sub_type,
        completed=completed,
        complete_date=_day(completed_at, zone),
        complete_date_time=completed_at,
        passed=passed,
        score=score,
        attempts=tries,
        module_row=module,
    )


async def results_of(info: Info, enrollment: Any) -> EnrollmentResults:
    loaders = info.context.loaders
    course_modules, records, attempt_rows, submitted, zone = await asyncio.gather(
        _modules(info, enrollment.course_id),
        _progress_rows(info, enrollment.id),
        _attempt_rows(info, enrollment.id),
        submission_rows(info, enrollment.id),
        _zone(info, enrollment.portal_id),
    )
    section_ids = sorted({m.section_id for m in course_modules if m.section_id is not None})
    sections = dict(
        zip(section_ids, await asyncio.gather(*(loaders.row(Section, s) for s in section_ids)), strict=True)
    )
    by_module = {r.module_id: r for r in records}
    attempts: dict[UUID, list[Any]] = {}
    for row in [*attempt_rows, *submitted]:  # a quiz's attempts, an assignment's submissions
        attempts.setdefault(row.module_id, []).append(row)
    done = {r.module_id for r in records if r.status == ProgressStatus.COMPLETED}
    counted = progress(enrollment, course_modules, done, info.context.db.now())
    return EnrollmentResults(
        completed=enrollment.status == EnrollmentStatus.COMPLETED or enrollment.completed_at is not None,
        complete_date=_day(enrollment.completed_at, zone),
        complete_date_time=enrollment.completed_at,
        grade=percent_string(enrollment.grade),
        progress=counted.display,
        parts=[
            _part(
                m,
                by_module.get(m.id),
                attempts.get(m.id, []),
                sections.get(m.section_id) if m.section_id is not None else None,
                zone,
            )
            for m in course_modules
        ],
        objectives=[],
    )
