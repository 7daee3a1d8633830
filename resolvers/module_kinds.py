"""The fields each module kind takes (003 § Module Types), checked before anything is written."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.modules import ModuleKind
from resolvers.errors import Checks, Path


class VideoProvider(StrEnum):
    VIMEO = "vimeo"
    IN_HOUSE = "in-house"
    YOUTUBE = "youtube"


class PresentationViewer(StrEnum):
    MICROSOFT_OFFICE = "microsoft_office"
    GOOGLE_VIEWER = "google_viewer"


class FlashcardOrientation(StrEnum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"
    HORIZONTAL = "horizontal"


class ShowCorrectAnswers(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    NOT_TILL_RETAKE_ALLOWED = "not_till_retake_allowed"


class SubmissionType(StrEnum):
    TEXT = "text"
    FILE = "file"


class SurveyFieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    RATING = "rating"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    DROPDOWN = "dropdown"


Check = Callable[[Checks, Path, Any], None]


def text(max_length: int) -> Check:
    return lambda checks, path, value: checks.text(path, value, max_length=max_length, required=True)


def url(checks: Checks, path: Path, value: Any) -> None:
    checks.url(path, value, required=True)


def whole(low: int, high: int) -> Check:
    def check(checks: Checks, path: Path, value: Any) -> None:
        if not low <= value <= high:
            checks.add(path, f"{path[-1]} must be between {low} and {high}.", "INVALID")

    return check


def ratio(low: float, high: float) -> Check:
    def check(checks: Checks, path: Path, value: Any) -> None:
        if not low <= value <= high:
            checks.add(path, f"{path[-1]} must be between {low:g} and {high:g}.", "INVALID")

    return check


def anything(checks: Checks, path: Path, value: Any) -> None:
    """Booleans and enums: the GraphQL type already guarantees the value."""


def cards(checks: Checks, path: Path, value: Any) -> None:
    for i, card in enumerate(value):
        checks.text((*path, str(i), "front"), card["front"], max_length=5_000, required=True)
        checks.text((*path, str(i), "back"), card["back"], max_length=5_000, required=True)


def survey_fields(checks: Checks, path: Path, value: Any) -> None:
    for i, item in enumerate(value):
        checks.text((*path, str(i), "label"), item["label"], max_length=500, required=True)
        choice = item["type"] in (SurveyFieldType.RADIO, SurveyFieldType.CHECKBOX, SurveyFieldType.DROPDOWN)
        if choice and not item.get("options"):
            checks.add((*path, str(i), "options"), "A choice field needs options.", "REQUIRED")


CRITERION_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
FILE_TYPE = re.compile(r"\.?[A-Za-z0-9]{1,20}|[a-z]+/([a-z0-9.+-]+|\*)")


def criteria(checks: Checks, path: Path, value: Any) -> None:
    """An assignment's rubric: criteria with ids of their own (what grading names), each worth points."""
    seen = set()
    for i, item in enumerate(value):
        at = (*path, str(i))
        if not CRITERION_ID.fullmatch(item["criterion_id"]):
            checks.add((*at, "criterionId"), "A criterion id is 1–40 letters, digits, - or _.", "INVALID")
        elif item["criterion_id"] in seen:
            checks.add((*at, "criterionId"), "Two criteria have this id.", "DUPLICATE")
        seen.add(item["criterion_id"])
        checks.text((*at, "title"), item["title"], max_length=200, required=True)
        if not 0 < item["max_score"] <= 100_000:
            checks.add((*at, "maxScore"), "maxScore must be above 0 and at most 100000.", "INVALID")


def file_types(checks: Checks, path: Path, value: Any) -> None:
    """Extensions (`pdf`, `.docx`) or media types (`application/pdf`, `image/*`)."""
    for i, item in enumerate(value):
        if not FILE_TYPE.fullmatch(item):
            checks.add((*path, str(i)), "Give an extension (pdf) or a media type (image/png, image/*).", "INVALID")


@dataclass(frozen=True, slots=True)
class Spec:
    check: Check
    required: bool = False


KIND_FIELDS: Mapping[ModuleKind, Mapping[str, Spec]] = {
    ModuleKind.TEXT: {"content": Spec(text(1_000_000), required=True)},
    ModuleKind.VIDEO: {
        "url": Spec(url, required=True),
        "provider": Spec(anything),
        "cover_url": Spec(url),
        "disable_forward_seek": Spec(anything),
        "duration_seconds": Spec(whole(0, 86_400)),
    },
    ModuleKind.PDF: {"url": Spec(url, required=True), "allow_download": Spec(anything), "default_zoom": Spec(text(20))},
    ModuleKind.PRESENTATION: {"url": Spec(url, required=True), "viewer": Spec(anything)},
    ModuleKind.FLASHCARDS: {"orientation": Spec(anything), "cards": Spec(cards)},
    ModuleKind.SCORM: {
        "launch_url": Spec(url, required=True),
        "scorm_version": Spec(text(40)),
        "launch_new_window": Spec(anything),
    },
    ModuleKind.QUIZ: {
        "retakes_allowed": Spec(whole(0, 9_999)),
        "passing_percentage": Spec(ratio(0, 100)),
        "time_limit_minutes": Spec(whole(0, 10_000)),
        "show_correct_answers": Spec(anything),
        "shuffle_questions": Spec(anything),
    },
    ModuleKind.ASSIGNMENT: {
        "submission_type": Spec(anything),
        "total_points": Spec(whole(0, 100_000)),
        "allowed_file_types": Spec(file_types),
        "max_upload_size_mb": Spec(whole(1, 1_024)),
        "criteria": Spec(criteria),
        "allow_resubmission": Spec(anything),
    },
    ModuleKind.DISCUSSION: {
        "is_evaluated": Spec(anything),
        "total_points": Spec(whole(0, 100_000)),
        "min_comments": Spec(whole(1, 1_000)),
    },
    ModuleKind.SURVEY: {"submit_button_text": Spec(text(100)), "survey_fields": Spec(survey_fields)},
    ModuleKind.LIVE_SESSION: {"duration_minutes": Spec(whole(1, 24 * 60))},
    ModuleKind.EXTERNAL: {
        "launch_url": Spec(url, required=True),
        "staging_url": Spec(url),
        "lms_id": Spec(text(255)),
        "provider_name": Spec(text(120)),
        "external_id": Spec(text(255)),
        "max_score": Spec(ratio(0, 1_000_000)),
    },
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check_details(checks: Checks, kind: ModuleKind, details: Mapping[str, Any], *, creating: bool) -> None:
    """Fields of another kind are refused by name; a kind's required fields must come on create."""
    specs = KIND_FIELDS[kind]
    for name, value in details.items():
        path = (camel(name),)
        spec = specs.get(name)
        if spec is None:
            checks.add(path, f"{path[0]} does not apply to {kind.name} modules.", "INVALID")
        elif value is None:
            if spec.required:
                checks.add(path, f"{path[0]} is required for {kind.name} modules.", "REQUIRED")
        else:
            spec.check(checks, path, value)
    if creating:
        for name, spec in specs.items():
            if spec.required and name not in details:
                checks.add((camel(name),), f"{camel(name)} is required for {kind.name} modules.", "REQUIRED")


def stored(value: Any) -> Any:
    """JSON-ready: enums as their seed spelling, unset fields left out."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {k: stored(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [stored(v) for v in value]
    return value
