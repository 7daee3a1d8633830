"""Demo modules, one constructor per kind, so each catalog entry reads as one line of course design.

Every constructor fills its kind's fields the way an instructor would (resolvers/module_kinds.py
checks them like API input); files live under one made-up CDN so links look real but go nowhere.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from models.modules import DripIntervalUnit, DripReference, DripRule, ModuleKind
from models.quizzes import QuestionType
from resolvers.module_kinds import (
    FlashcardOrientation,
    PresentationViewer,
    ShowCorrectAnswers,
    SubmissionType,
    SurveyFieldType,
    VideoProvider,
)
from resolvers.modules import Drip
from resolvers.quizzes import ChoiceFields, QuestionFields
from resolvers.slugs import slugify

CDN = "https://cdn.coursegraph.example/demo"


@dataclass(frozen=True, slots=True)
class ModuleSpec:
    kind: ModuleKind
    title: str
    details: Mapping[str, Any]
    is_required: bool = True
    drip: Drip | None = None
    questions: tuple[QuestionFields, ...] = ()


def optional(spec: ModuleSpec) -> ModuleSpec:
    """Extra material that does not count toward completion."""
    return replace(spec, is_required=False)


def after_weeks(spec: ModuleSpec, weeks: int) -> ModuleSpec:
    """Dripped: opens `weeks` after the learner enrolled."""
    drip = Drip(
        rule=DripRule.SPECIFIC_INTERVAL,
        interval=weeks,
        unit=DripIntervalUnit.WEEK,
        reference=DripReference.REGISTRATION_DATE,
    )
    return replace(spec, drip=drip)


def text(title: str, *paragraphs: str) -> ModuleSpec:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return ModuleSpec(ModuleKind.TEXT, title, {"content": f"<h2>{title}</h2>{body}"})


def video(
    title: str, minutes: int, *, provider: VideoProvider = VideoProvider.IN_HOUSE, no_skipping: bool = False
) -> ModuleSpec:
    name = slugify(title)
    url = {
        VideoProvider.IN_HOUSE: f"{CDN}/video/{name}.mp4",
        VideoProvider.YOUTUBE: f"https://www.youtube.com/watch?v={name[:11]}",
        VideoProvider.VIMEO: f"https://vimeo.com/{sum(map(ord, name)) * 7919}",
    }[provider]
    details = {
        "url": url,
        "provider": provider,
        "cover_url": f"{CDN}/covers/{name}.jpg",
        "duration_seconds": minutes * 60,
        "disable_forward_seek": no_skipping,
    }
    return ModuleSpec(ModuleKind.VIDEO, title, details)


def pdf(title: str, *, download: bool = True) -> ModuleSpec:
    details = {"url": f"{CDN}/docs/{slugify(title)}.pdf", "allow_download": download, "default_zoom": "page-width"}
    return ModuleSpec(ModuleKind.PDF, title, details)


def slides(title: str, *, viewer: PresentationViewer = PresentationViewer.MICROSOFT_OFFICE) -> ModuleSpec:
    details = {"url": f"{CDN}/slides/{slugify(title)}.pptx", "viewer": viewer}
    return ModuleSpec(ModuleKind.PRESENTATION, title, details)


def flashcards(
    title: str, *cards: tuple[str, str], orientation: FlashcardOrientation = FlashcardOrientation.LANDSCAPE
) -> ModuleSpec:
    deck = [{"front": front, "back": back} for front, back in cards]
    return ModuleSpec(ModuleKind.FLASHCARDS, title, {"orientation": orientation, "cards": deck})


def scorm(title: str, *, version: str = "SCORM 2004 4th Edition", new_window: bool = False) -> ModuleSpec:
    details = {
        "launch_url": f"{CDN}/scorm/{slugify(title)}/index_lms.html",
        "scorm_version": version,
        "launch_new_window": new_window,
    }
    return ModuleSpec(ModuleKind.SCORM, title, details)


def quiz(
    title: str,
    *,
    passing: float = 80.0,
    retakes: int = 2,
    minutes: int | None = None,
    answers: ShowCorrectAnswers = ShowCorrectAnswers.NOT_TILL_RETAKE_ALLOWED,
    questions: tuple[QuestionFields, ...] = (),
) -> ModuleSpec:
    """Without `questions`, the review every demo quiz ends with: one question of each type."""
    details = {
        "passing_percentage": passing,
        "retakes_allowed": retakes,
        "time_limit_minutes": minutes,
        "show_correct_answers": answers,
        "shuffle_questions": True,
    }
    return ModuleSpec(ModuleKind.QUIZ, title, details, questions=questions or REVIEW)


def _choices(*texts: str, correct: tuple[int, ...]) -> tuple[ChoiceFields, ...]:
    return tuple(ChoiceFields(text=text, is_correct=index in correct) for index, text in enumerate(texts))


REVIEW = (
    QuestionFields(
        type=QuestionType.MULTIPLE_CHOICE,
        title="When is a quiz scored?",
        choices=_choices("On the server, when you submit", "In your browser as you type", "A week later", correct=(0,)),
    ),
    QuestionFields(
        type=QuestionType.MULTIPLE_CORRECT,
        title="Which modules can count toward a course grade?",
        points=2,
        choices=_choices("Quizzes", "Assignments", "Text pages", correct=(0, 1)),
    ),
    QuestionFields(
        type=QuestionType.SHORT_ANSWERS,
        title="Complete the saying: practice makes …",
        accepted_answers=("perfect",),
    ),
    QuestionFields(
        type=QuestionType.MATCH_ANSWERS,
        title="Match each module to what completes it",
        points=3,
        choices=(
            ChoiceFields(text="Quiz", match="Submitting an attempt"),
            ChoiceFields(text="Text", match="Marking it complete"),
            ChoiceFields(text="Assignment", match="An accepted submission"),
        ),
    ),
)


def assignment(title: str, *, points: int = 100, files: tuple[str, ...] = ("pdf", "docx")) -> ModuleSpec:
    """No file types means a written answer in the browser."""
    details: dict[str, Any] = {"submission_type": SubmissionType.FILE if files else SubmissionType.TEXT}
    details["total_points"] = points
    if files:
        details |= {"allowed_file_types": list(files), "max_upload_size_mb": 25}
    return ModuleSpec(ModuleKind.ASSIGNMENT, title, details)


def discussion(title: str, *, points: int | None = None, min_comments: int = 2) -> ModuleSpec:
    """With points an instructor grades the thread; without, posting `min_comments` completes it."""
    details = {"is_evaluated": points is not None, "total_points": points, "min_comments": min_comments}
    return ModuleSpec(ModuleKind.DISCUSSION, title, details)


def rating(label: str) -> dict[str, Any]:
    return {"type": SurveyFieldType.RATING, "label": label, "is_required": True, "options": []}


def choice(label: str, *options: str) -> dict[str, Any]:
    return {"type": SurveyFieldType.RADIO, "label": label, "is_required": True, "options": list(options)}


def open_question(label: str) -> dict[str, Any]:
    return {"type": SurveyFieldType.TEXTAREA, "label": label, "is_required": False, "options": []}


def survey(title: str, *fields: dict[str, Any], button: str = "Send feedback") -> ModuleSpec:
    return ModuleSpec(ModuleKind.SURVEY, title, {"submit_button_text": button, "survey_fields": list(fields)})


def live_session(title: str, minutes: int) -> ModuleSpec:
    return ModuleSpec(ModuleKind.LIVE_SESSION, title, {"duration_minutes": minutes})


def external(title: str, *, provider: str, code: str, max_score: float = 100.0) -> ModuleSpec:
    """A course on a partner's platform, launched with the learner's registration (seed 001)."""
    host = slugify(provider)
    details = {
        "launch_url": f"https://learn.{host}.example/courses/{code}/launch",
        "staging_url": f"https://staging.learn.{host}.example/courses/{code}/launch",
        "lms_id": "coursegraph-demo",
        "provider_name": provider,
        "external_id": code,
        "max_score": max_score,
    }
    return ModuleSpec(ModuleKind.EXTERNAL, title, details)
