"""Assignments (003 § Assignments, R14, R19, R25; 004 criteria), through the shared progress path.
The rules, as docs/assignments.md tells clients:

- assignmentSubmit: an enrolled learner submits to an ASSIGNMENT module, through `open_module`
  (revoked, expired, not yet available: refused, nothing kept). A TEXT assignment takes `text`; a
  FILE one takes 1–10 files (and an optional message in `text`), each of a type the module allows
  and within its `maxUploadSizeMb` (10 MB when unset). One submission waits for grading at a time;
  a rejected one may be followed by the next; a graded one only where `allowResubmission`, or
  after the learner's progress was reset (earlier submissions stay, as history). The module's
  record becomes SUBMITTED; `assigment_submission` (sic, 003) is written.
- submissionGrade: the course's instructors and admins grade the latest submission: a percent, or
  per-criterion points when the module has a rubric (every criterion, each ≤ its maxScore; the
  percent is their sum over the rubric's total); the module completes with that score (R14, R19)
  and the course's completion, grade and certificate follow. `reject` sends it back (REJECTED, no
  score, the record IN_PROGRESS again). `assigment_evaluation` / `assigment_rejection`.
- Files are written before the transaction commits; whoever runs the mutation discards them
  (`StagedFiles.discard`) when it does not commit, so a refused submission leaves nothing behind.
"""

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.assignments import AssignmentSubmission, SubmissionStatus
from models.courses import Course
from models.enrollments import Enrollment, ModuleProgress
from models.modules import Module, ModuleKind
from models.session import now
from models.settings import Settings
from models.storage import CHUNK_BYTES, FileStorage, FileTooLarge
from resolvers import progress, tokens
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.module_kinds import SubmissionType
from resolvers.outbox import outbox

AssignmentErrorCode = error_codes(
    "AssignmentErrorCode",
    "NOT_ENROLLED",
    "ALREADY_SUBMITTED",
    "ALREADY_GRADED",
    "FILE_TOO_LARGE",
    "FILE_TYPE_NOT_ALLOWED",
    "MODULE_NOT_AVAILABLE",
    "ENROLLMENT_EXPIRED",
    "ACCESS_REVOKED",
)
MAX_TEXT = 50_000
MAX_FEEDBACK = 10_000
MAX_FILES = 10
MAX_FILE_NAME = 255
DEFAULT_UPLOAD_MB = 10  # a module without maxUploadSizeMb [decision]
MB = 1_048_576
UNSAFE_NAME = re.compile(r"[\x00-\x1f/\\]")


class Upload(Protocol):
    """What the transport hands over for a file (Starlette's UploadFile is one)."""

    filename: str | None
    content_type: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file of the input; `upload` is machinery, so the audit trail keeps only name and type."""

    name: str
    content_type: str | None
    upload: Any = field(repr=False)


class StagedFiles:
    """Files written for a submission not yet committed: `discard` removes them when it fails.
    (Not a dataclass: the audit trail leaves machinery out of a mutation's summary.)"""

    def __init__(self, storage: FileStorage) -> None:
        self.storage = storage
        self.keys: list[str] = []

    async def discard(self) -> None:
        keys, self.keys = self.keys, []
        await self.storage.delete(keys)


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionScore:
    criterion_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Submitted:
    submission: AssignmentSubmission
    progress: ModuleProgress
    enrollment: Enrollment
    module: Module
    at: datetime

    @property
    def audit_target(self) -> AssignmentSubmission:
        return self.submission


# ---- submitting ----------------------------------------------------------------------------------


def _latest(enrollment_id: UUID, module_id: UUID) -> Select[Any]:
    return (
        select(AssignmentSubmission)
        .where(AssignmentSubmission.enrollment_id == enrollment_id, AssignmentSubmission.module_id == module_id)
        .order_by(AssignmentSubmission.number.desc())
        .limit(1)
    )


def _refuse_resubmission(latest: AssignmentSubmission | None, details: dict[str, Any], *, begun: bool) -> None:
    """One waiting at a time; after grading only where the module allows it. A record not begun
    (a reset progress, R12) starts afresh: the earlier submissions stay as history."""
    if latest is None or latest.status is SubmissionStatus.REJECTED or not begun:
        return
    if latest.status is SubmissionStatus.SUBMITTED:
        raise Failure.one(("moduleId",), "Your submission is waiting to be graded.", "ALREADY_SUBMITTED")
    if not details.get("allow_resubmission", False):
        raise Failure.one(("moduleId",), "Your submission is graded; this assignment takes no more.", "ALREADY_GRADED")


def type_allowed(name: str, content_type: str | None, allowed: Sequence[str]) -> bool:
    """No list allows any type; else the file's extension or its media type must be listed."""
    if not allowed:
        return True
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    media = (content_type or "").split(";")[0].strip().lower()
    for entry in (a.lower() for a in allowed):
        if "/" not in entry and entry.lstrip(".") == extension:
            return True
        if entry == media or (entry.endswith("/*") and media.startswith(entry[:-1])):
            return True
    return False


def _check_input(details: dict[str, Any], text: str | None, files: Sequence[IncomingFile]) -> None:
    checks = Checks()
    kind = SubmissionType(details.get("submission_type", SubmissionType.TEXT))
    if kind is SubmissionType.TEXT:
        checks.text(("text",), text, max_length=MAX_TEXT, required=True)
        if files:
            checks.add(("files",), "This assignment takes text, not files.", "INVALID")
    else:
        if text and text.strip():  # an optional message: blank is none
            checks.text(("text",), text, max_length=MAX_TEXT)
        if not files:
            checks.add(("files",), "This assignment takes files: attach at least one.", "REQUIRED")
        if len(files) > MAX_FILES:
            checks.add(("files",), f"At most {MAX_FILES} files go with a submission.", "INVALID")
    allowed = details.get("allowed_file_types") or []
    for i, incoming in enumerate(files):
        at = ("files", str(i))
        if not hasattr(incoming.upload, "read"):
            checks.add(at, "Send files as multipart uploads (GraphQL multipart request spec).", "INVALID")
        elif not incoming.name.strip() or len(incoming.name) > MAX_FILE_NAME or UNSAFE_NAME.search(incoming.name):
            checks.add(at, f"A file needs a plain name of at most {MAX_FILE_NAME} characters.", "INVALID")
        elif not type_allowed(incoming.name, incoming.content_type, allowed):
            checks.add(at, f"Allowed file types: {', '.join(allowed)}.", "FILE_TYPE_NOT_ALLOWED")
    checks.done()


async def _chunks(upload: Upload) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


async def _store(
    staged: StagedFiles, portal_id: UUID, submission_id: UUID, files: Sequence[IncomingFile], limit_mb: int
) -> list[dict[str, Any]]:
    stored = []
    for i, incoming in enumerate(files):
        key = f"{portal_id.hex}/{submission_id.hex}/{uuid4().hex}"
        try:
            size = await staged.storage.save(key, _chunks(incoming.upload), max_bytes=limit_mb * MB)
        except FileTooLarge:
            raise Failure.one(("files", str(i)), f"A file may be at most {limit_mb} MB.", "FILE_TOO_LARGE") from None
        staged.keys.append(key)
        stored.append({"key": key, "name": incoming.name, "content_type": incoming.content_type, "size": size})
    return stored


async def submit(
    session: AsyncSession,
    *,
    actor: Actor,
    staged: StagedFiles,
    settings: Settings,
    module_id: UUID,
    text: str | None = None,
    files: Sequence[IncomingFile] = (),
) -> Submitted:
    """003 Upload Assignment File + Submit: checked, stored, recorded as SUBMITTED (R25)."""
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    if module.kind is not ModuleKind.ASSIGNMENT:
        raise Failure.one(("moduleId",), "This mutation takes an ASSIGNMENT module.", "INVALID")
    enrollment = await progress.own_enrollment(session, actor, module)
    if enrollment is None:
        raise progress.not_enrolled()
    course, at = await progress.open_module(session, enrollment, module, enrollment_field="moduleId")
    details = module.details or {}
    latest = await session.scalar(_latest(enrollment.id, module.id))
    begun = await progress.record_in(session, enrollment, module)
    _refuse_resubmission(latest, details, begun=begun is not None)
    _check_input(details, text, files)
    submission = AssignmentSubmission(
        id=uuid4(),
        portal_id=enrollment.portal_id,
        enrollment_id=enrollment.id,
        module_id=module.id,
        user_id=enrollment.user_id,
        number=1 if latest is None else latest.number + 1,
        text=text.strip() if text and text.strip() else None,
        submitted_at=at,
    )
    limit = details.get("max_upload_size_mb") or DEFAULT_UPLOAD_MB
    submission.files = await _store(staged, enrollment.portal_id, submission.id, files, limit)
    session.add(submission)
    await session.flush()
    record = await progress.update_module_progress(
        session, enrollment=enrollment, module=module, course=course, at=at, submitted=True
    )
    await outbox(session, "assigment_submission", [_event(submission, module)])
    if submission.files:
        await tokens.signing_key(session, settings)  # download URLs are signed with it
    return Submitted(submission, record, enrollment, module, at)


def _event(submission: AssignmentSubmission, module: Module) -> dict[str, Any]:
    """DOMAIN 6.5: `assigment_*` carry the submission, points and feedback."""
    data = {
        "submissionId": str(submission.id),
        "moduleId": str(module.id),
        "courseId": str(module.course_id),
        "enrollmentId": str(submission.enrollment_id),
        "userId": str(submission.user_id),
        "number": submission.number,
        "status": submission.status.name,
        "score": submission.score,
        "points": submission.points,
        "feedback": submission.feedback,
        "fileCount": len(submission.files),
    }
    return {"portal_id": submission.portal_id, "data": data}


# ---- grading -------------------------------------------------------------------------------------


def _scored(
    details: dict[str, Any], score: float | None, given: Sequence[CriterionScore] | None
) -> tuple[float, float | None, list[dict[str, Any]]]:
    """(percent, points, criteria): a percent as given, or the rubric's points summed (R19)."""
    checks = Checks()
    rubric = {c["criterion_id"]: c for c in details.get("criteria") or []}
    if not rubric:
        for i, _ in enumerate(given or ()):
            checks.add(("criteria", str(i), "criterionId"), "This assignment has no such criterion.", "NOT_FOUND")
        if score is None:
            checks.add(("score",), "score is required (a percent, 0–100).", "REQUIRED")
        elif not 0 <= score <= 100:
            checks.add(("score",), "score is a percent, from 0 to 100.", "INVALID")
        checks.done()
        assert score is not None
        total = details.get("total_points")
        return round(score, 2), None if total is None else round(score * total / 100, 2), []
    if score is not None:
        checks.add(("score",), "This assignment is scored by its criteria; give those instead.", "INVALID")
    by_id: dict[str, float] = {}
    for i, item in enumerate(given or ()):
        at = ("criteria", str(i))
        criterion = rubric.get(item.criterion_id)
        if criterion is None:
            checks.add((*at, "criterionId"), "This assignment has no such criterion.", "NOT_FOUND")
        elif item.criterion_id in by_id:
            checks.add((*at, "criterionId"), "This criterion is scored twice.", "DUPLICATE")
        elif not 0 <= item.score <= criterion["max_score"]:
            checks.add((*at, "score"), f"From 0 to {criterion['max_score']:g} on this criterion.", "INVALID")
        by_id[item.criterion_id] = item.score
    for criterion_id in rubric.keys() - by_id.keys():
        checks.add(("criteria",), f"Criterion {criterion_id} needs a score.", "REQUIRED")
    checks.done()
    points = sum(by_id.values())
    worth = sum(c["max_score"] for c in rubric.values())
    stored = [
        {"criterion_id": c["criterion_id"], "title": c["title"], "max_score": c["max_score"], "score": by_id[key]}
        for key, c in rubric.items()
    ]
    return round(points / worth * 100, 2), round(points, 2), stored


async def _gradable(
    session: AsyncSession, actor: Actor, submission_id: UUID, *, reject: bool
) -> tuple[AssignmentSubmission, Enrollment]:
    """The submission, locked with its enrollment, if it is the latest and still open to this."""
    submission = await visible_row(
        session, AssignmentSubmission, submission_id, actor=actor, field="submissionId", manage=True
    )
    enrollment = await session.scalar(
        select(Enrollment).where(Enrollment.id == submission.enrollment_id).with_for_update()
    )
    assert enrollment is not None
    await session.refresh(submission, with_for_update=True)
    latest = await session.scalar(_latest(enrollment.id, submission.module_id))
    if latest is not None and latest.id != submission.id:
        raise Failure.one(("submissionId",), "A later submission replaces this one.", "NOT_ALLOWED_IN_STATE")
    if submission.status is SubmissionStatus.REJECTED:
        raise Failure.one(("submissionId",), "This submission was sent back.", "NOT_ALLOWED_IN_STATE")
    if reject and submission.status is SubmissionStatus.GRADED:
        raise Failure.one(("reject",), "A graded submission is regraded, not sent back.", "NOT_ALLOWED_IN_STATE")
    return submission, enrollment


async def grade(
    session: AsyncSession,
    *,
    actor: Actor,
    submission_id: UUID,
    score: float | None = None,
    criteria: Sequence[CriterionScore] | None = None,
    feedback: str | None = None,
    reject: bool = False,
) -> Submitted:
    """003 Evaluate Assignment: graded (the module completes with the score) or sent back, whatever
    the learner's access is now (work handed in before a revocation is still graded)."""
    submission, enrollment = await _gradable(session, actor, submission_id, reject=reject)
    checks = Checks()
    checks.text(("feedback",), feedback, max_length=MAX_FEEDBACK)
    if reject and (score is not None or criteria):
        checks.add(("reject",), "A submission sent back gets no score.", "INVALID")
    checks.done()
    module = await session.get_one(Module, submission.module_id)
    course = await session.get_one(Course, enrollment.course_id)
    at = now(session)
    submission.feedback = feedback.strip() if feedback and feedback.strip() else None
    submission.graded_by_id, submission.graded_at = actor.user_id, at
    result = None
    if reject:
        submission.status = SubmissionStatus.REJECTED
    else:
        percent, points, scored = _scored(module.details or {}, score, criteria)
        submission.status, submission.score, submission.points, submission.criteria = (
            SubmissionStatus.GRADED, percent, points, scored
        )  # fmt: skip
        await session.flush()
        result = progress.ModuleResult(score=percent, passed=True, attempts=await _graded_count(session, submission))
    record = await progress.update_module_progress(
        session,
        enrollment=enrollment,
        module=module,
        course=course,
        at=at,
        complete=not reject,
        result=result,
        submitted=False if reject else None,  # sent back: to work on again
    )
    event = "assigment_rejection" if reject else "assigment_evaluation"
    await outbox(session, event, [_event(submission, module)])
    return Submitted(submission, record, enrollment, module, at)


async def _graded_count(session: AsyncSession, submission: AssignmentSubmission) -> int:
    """The module record's `attempts`: the learner's graded submissions to it."""
    graded = select(func.count()).where(
        AssignmentSubmission.enrollment_id == submission.enrollment_id,
        AssignmentSubmission.module_id == submission.module_id,
        AssignmentSubmission.status == SubmissionStatus.GRADED,
    )
    return await session.scalar(graded) or 0


# ---- reads ---------------------------------------------------------------------------------------


def submissions_query(
    actor: Actor, module_id: UUID | None = None, status: SubmissionStatus | None = None
) -> Select[Any]:
    stmt = select(AssignmentSubmission.__table__).where(actor.visible(AssignmentSubmission))
    if module_id is not None:
        stmt = stmt.where(AssignmentSubmission.module_id == module_id)
    return stmt if status is None else stmt.where(AssignmentSubmission.status == status)


SWEEP_BATCH = 1_000


async def sweep_files(session: AsyncSession, storage: FileStorage, *, written_before: datetime) -> list[str]:
    """Deletes stored files whose submission is gone: deleting an enrollment, module, course, user
    or portal cascades to submission rows, not to their files. Keys name their submission
    (`portal/submission/file`); only files written before `written_before` are judged, so a
    submission still being committed keeps its files. Returns the keys deleted."""
    owners: dict[UUID, list[str]] = {}
    for key, written in await storage.listed():
        if written < written_before:
            owners.setdefault(UUID(key.split("/")[1]), []).append(key)
    ids = list(owners)
    for start in range(0, len(ids), SWEEP_BATCH):
        batch = ids[start : start + SWEEP_BATCH]
        for kept in await session.scalars(select(AssignmentSubmission.id).where(AssignmentSubmission.id.in_(batch))):
            del owners[kept]
    orphans = [key for keys in owners.values() for key in keys]
    await storage.delete(orphans)
    return orphans
