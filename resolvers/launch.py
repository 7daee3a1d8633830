"""Seed 001, the 77media Courses API: launching an EXTERNAL module and the completion reports
that come back (DOMAIN 6.2, contract §8–§9).

- moduleLaunch: the enrolled learner launches; the launch URL is the module's `launchUrl` with
  the seed's query string after `/#/` (`reg`, `em`, `fn`, `dom`, `lmsId`, each percent-encoded,
  a space as %20). `reg` is an ExternalRegistration made at the first launch of this learner and
  module and reused by every later one. Launching passes `progress.open_module` (access, drip; the
  course starts) and marks the module in progress.
- completions: `POST /integrations/courses-api/completions` with `{reg, status, score,
  completedAt}`, signed (contract §9) with the portal's Courses API secret
  (`coursesApiSecretRotate`). A (reg, status) already received changes nothing; otherwise the
  module's record moves through `progress.record`: completed and passed complete it (passed
  true for `passed`), failed records the score with passed false and leaves it open for another
  try, in_progress only records what it carries. A report counts toward the enrollment the
  learner last launched from: one removed since (its progress gone with it) takes no more reports,
  not even into a later enrollment in the course, until the learner launches from that one.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import Enrollment
from models.modules import Module, ModuleKind
from models.session import INSERT, now
from models.users import User
from models.webhooks import ExternalCompletion, ExternalRegistration, IntegrationSecret
from resolvers import progress
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.errors import Failure, error_codes
from resolvers.webhooks.signing import fresh_timestamp, is_valid

LaunchErrorCode = error_codes(
    "LaunchErrorCode",
    "NOT_YOUR_ENROLLMENT",
    "WRONG_MODULE_KIND",
    "NOT_CONFIGURED",
    "MODULE_NOT_AVAILABLE",
    "ENROLLMENT_EXPIRED",
    "ACCESS_REVOKED",
)
COURSES_API = "courses_api"
STATUSES = ("completed", "passed", "failed", "in_progress")


# ---- launch --------------------------------------------------------------------------------------


def launch_url(base: str, *, reg: UUID, email: str, full_name: str, domain: str, lms_id: str) -> str:
    """Seed 001: the query string comes after `/#/`. A base that already has a fragment keeps
    it and gets the parameters after it."""
    pairs = {"reg": str(reg), "em": email, "fn": full_name, "dom": domain, "lmsId": lms_id}
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in pairs.items())
    if "#" not in base:
        return f"{base.rstrip('/')}/#/?{query}"
    return f"{base}{'&' if '?' in base.partition('#')[2] else '?'}{query}"


@dataclass(frozen=True, slots=True)
class Launched:
    url: str
    registration: ExternalRegistration
    completion: progress.Completion  # the learner's record in the module, now begun

    @property
    def audit_target(self) -> Enrollment:
        return self.completion.enrollment


async def _registration(
    session: AsyncSession, enrollment: Enrollment, module: Module, at: datetime
) -> ExternalRegistration:
    """Made once per learner and module (a concurrent first launch inserts nothing), then reused."""
    insert = INSERT[session.bind.dialect.name](ExternalRegistration.__table__)
    row = {"id": uuid4(), "portal_id": enrollment.portal_id, "user_id": enrollment.user_id, "module_id": module.id}
    stamps = {"launches": 0, "created_at": at, "updated_at": at}
    await session.execute(insert.on_conflict_do_nothing(index_elements=["user_id", "module_id"]), [row | stamps])
    registration = await session.scalar(
        select(ExternalRegistration)
        .where(ExternalRegistration.user_id == enrollment.user_id, ExternalRegistration.module_id == module.id)
        .execution_options(populate_existing=True)
    )
    assert registration is not None
    return registration


async def launch_module(
    session: AsyncSession, *, actor: Actor, enrollment_id: UUID, module_id: UUID, domain: str
) -> Launched:
    """Only the learner of the enrollment launches: the URL carries their email and name."""
    enrollment = await visible_row(session, Enrollment, enrollment_id, actor=actor, field="enrollmentId")
    # every id first: hidden is NOT_FOUND; the module is read once, for its course and kind too
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    if enrollment.user_id != actor.user_id:
        raise Failure.one(("enrollmentId",), "Only the enrolled learner launches a module.", "NOT_YOUR_ENROLLMENT")
    if module.course_id != enrollment.course_id:
        raise progress.not_in_course()
    if module.kind is not ModuleKind.EXTERNAL:
        raise Failure.one(("moduleId",), "Only EXTERNAL modules are launched this way.", "WRONG_MODULE_KIND")
    details = module.details or {}
    if not details.get("lms_id"):
        raise Failure.one(("moduleId",), "This module has no lmsId (set it with moduleUpdate).", "NOT_CONFIGURED")
    course, at = await progress.open_module(session, enrollment, module)
    registration = await _registration(session, enrollment, module, at)
    registration.enrollment_id, registration.last_launched_at = enrollment.id, at
    registration.launches += 1
    record = await progress.update_module_progress(session, enrollment=enrollment, module=module, course=course, at=at)
    user = await session.get_one(User, enrollment.user_id)
    url = launch_url(
        details["launch_url"],
        reg=registration.id,
        email=user.email,
        full_name=user.full_name,
        domain=domain,
        lms_id=details["lms_id"],
    )
    return Launched(url, registration, progress.Completion(record, enrollment, module, at))


# ---- the portal's secret -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretSet:
    row: IntegrationSecret
    secret: str

    @property
    def audit_target(self) -> IntegrationSecret:
        return self.row


async def rotate_secret(session: AsyncSession, *, actor: Actor, secret: str | None) -> SecretSet:
    """The acting portal's Courses API secret: the given one or a new one, shown once; the old
    one stops verifying at once."""
    portal_id = acting_portal(actor)
    if secret is not None and not 16 <= len(secret) <= 200:
        raise Failure.one(("secret",), "A secret has 16 to 200 characters.", "INVALID")
    value = secret or secrets.token_urlsafe(32)
    row = await session.scalar(
        select(IntegrationSecret).where(
            IntegrationSecret.portal_id == portal_id, IntegrationSecret.provider == COURSES_API
        )
    )
    if row is None:
        row = IntegrationSecret(portal_id=portal_id, provider=COURSES_API, secret=value)
        session.add(row)
    row.secret = value
    await session.flush()
    return SecretSet(row, value)


# ---- completion reports --------------------------------------------------------------------------


class Rejected(Exception):
    """A report refused as a whole, with the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Report:
    reg: UUID
    status: str
    score: float | None
    completed_at: datetime | None
    body: dict[str, Any]


def parse_report(raw: bytes) -> Report:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise Rejected(400, "The body is a JSON object.")
    try:
        reg = UUID(str(body.get("reg")))
    except ValueError:
        raise Rejected(400, "reg is the registration UUID sent at launch.") from None
    status = body.get("status")
    if status not in STATUSES:
        raise Rejected(400, f"status is one of {', '.join(STATUSES)}.")
    score = body.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100):
        raise Rejected(400, "score is a percent: a number from 0 to 100.")
    completed_at = None
    if body.get("completedAt") is not None:
        try:
            completed_at = datetime.fromisoformat(str(body["completedAt"]).replace("Z", "+00:00"))
        except ValueError:
            raise Rejected(400, "completedAt is an ISO 8601 date-time.") from None
        if completed_at.tzinfo is None:
            raise Rejected(400, "completedAt needs a time zone offset (or Z).")
    return Report(reg, status, None if score is None else round(float(score), 2), completed_at, body)


async def _verified(session: AsyncSession, raw: bytes, timestamp: str | None, signature: str | None) -> Report:
    """A stale or missing timestamp is refused before anything is read; the signature is checked
    with the secret of the registration's portal."""
    stamp = fresh_timestamp(timestamp, now(session))
    if stamp is None:
        raise Rejected(401, "X-CourseGraph-Timestamp is missing or older than 5 minutes.")
    report = parse_report(raw)
    registration = await session.get(ExternalRegistration, report.reg)
    if registration is None:
        raise Rejected(404, "No registration with this reg.")
    secret = await session.scalar(
        select(IntegrationSecret.secret).where(
            IntegrationSecret.portal_id == registration.portal_id, IntegrationSecret.provider == COURSES_API
        )
    )
    if secret is None or not is_valid(secret, stamp, raw, signature):
        raise Rejected(401, "The signature does not match.")
    return report


async def receive_completion(
    session: AsyncSession, *, raw: bytes, timestamp: str | None, signature: str | None
) -> progress.Completion | None:
    """The learner's record the report moved; None for a report already received."""
    report = await _verified(session, raw, timestamp, signature)
    registration = await session.get_one(ExternalRegistration, report.reg)
    at = now(session)
    row = {
        "id": uuid4(),
        "portal_id": registration.portal_id,
        "registration_id": registration.id,
        "status": report.status,
        "score": report.score,
        "completed_at": report.completed_at,
        "body": report.body,
        "created_at": at,
        "updated_at": at,
    }
    insert = INSERT[session.bind.dialect.name](ExternalCompletion.__table__).values(row)
    stmt = insert.on_conflict_do_nothing(index_elements=["registration_id", "status"])
    if await session.scalar(stmt.returning(ExternalCompletion.id)) is None:
        return None
    module = await session.get_one(Module, registration.module_id)
    enrollment = (
        None if registration.enrollment_id is None else await session.get(Enrollment, registration.enrollment_id)
    )
    if enrollment is None:
        raise Rejected(409, "The learner is no longer enrolled in this course.")
    try:
        return await progress.record(
            session,
            enrollment=enrollment,
            module=module,
            completed=report.status in ("completed", "passed"),
            score=report.score,
            passed={"passed": True, "failed": False}.get(report.status),
        )
    except Failure as failure:
        raise Rejected(409, failure.problems[0].message) from failure
