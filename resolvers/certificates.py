"""Certificate templates and certificates (DOMAIN 2.4, R28, Q21).

A certificate is issued in the transaction that makes it due: an enrollment completed (and passed,
when the course is graded) in a course with a template, and access not revoked. `issue_due` is
set-based (one read, one insert for any number of enrollments) and idempotent: an enrollment
holding a certificate that is not revoked gets no second one.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.certificates import Certificate, CertificateFieldKey, CertificateTemplate, Certifying
from models.courses import Course, GradingRule
from models.enrollments import Enrollment, EnrollmentStatus
from models.learning_paths import LearningPath, LearningPathEnrollment
from models.session import INSERT, now
from resolvers.auth import Actor, acting_portal
from resolvers.errors import Checks, Failure, Problem, error_codes

CertificateErrorCode = error_codes("CertificateErrorCode")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
MAX_SIDE = 10_000  # pixels
FONT_COLOR_DIGITS = frozenset("0123456789abcdefABCDEF")


def new_code() -> str:
    """CG-XXXX-XXXX-XXXX: 60 random bits, unique by constraint (a clash fails the transaction)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"CG-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateField:
    key: CertificateFieldKey
    top: int
    left: int
    value: str | None = None
    font_size: int = 16
    font_family: str = "Arial"
    font_color: str = "#000000"
    align_center: bool = False
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateCreate:
    name: str
    width: int
    height: int
    background_url: str | None = None
    fields: Sequence[TemplateField] = field(default_factory=tuple)


def _check_field(checks: Checks, index: int, item: TemplateField, width: int, height: int) -> None:
    path = ("fields", str(index))
    if not 0 <= item.left <= width:
        checks.add((*path, "left"), "left must be inside the page (0..width).", "INVALID")
    if not 0 <= item.top <= height:
        checks.add((*path, "top"), "top must be inside the page (0..height).", "INVALID")
    if not 1 <= item.font_size <= 500:
        checks.add((*path, "fontSize"), "fontSize must be between 1 and 500.", "INVALID")
    checks.text((*path, "fontFamily"), item.font_family, max_length=100, required=True)
    color = item.font_color
    if not (len(color) == 7 and color[0] == "#" and set(color[1:]) <= FONT_COLOR_DIGITS):
        checks.add((*path, "fontColor"), "fontColor is a colour like #1A2B3C.", "INVALID")
    for name, size in (("width", item.width), ("height", item.height)):
        if size is not None and not 1 <= size <= MAX_SIDE:
            checks.add((*path, name), f"{name} must be between 1 and {MAX_SIDE}.", "INVALID")
    if item.key is CertificateFieldKey.CUSTOM_TEXT:
        checks.text((*path, "value"), item.value, max_length=2_000, required=True)
    elif item.value is not None:
        checks.text((*path, "value"), item.value, max_length=2_000)


async def create_template(session: AsyncSession, *, actor: Actor, command: TemplateCreate) -> CertificateTemplate:
    """003 § certificate templates: a name, a page size, a background and at least one field."""
    portal_id = acting_portal(actor)
    checks = Checks()
    checks.text(("name",), command.name, max_length=200, required=True)
    for name, size in (("width", command.width), ("height", command.height)):
        if not 1 <= size <= MAX_SIDE:
            checks.add((name,), f"{name} must be between 1 and {MAX_SIDE} pixels.", "INVALID")
    checks.url(("backgroundUrl",), command.background_url)
    if not command.fields:
        checks.add(("fields",), "A template needs at least one field.", "REQUIRED")
    for index, item in enumerate(command.fields):
        _check_field(checks, index, item, command.width, command.height)
    checks.done()
    template = CertificateTemplate(
        portal_id=portal_id,
        name=command.name.strip(),
        width=command.width,
        height=command.height,
        background_url=command.background_url,
        fields=[
            {
                "key": item.key.value,
                "value": item.value,
                "font_size": item.font_size,
                "font_family": item.font_family.strip(),
                "font_color": item.font_color.upper(),
                "top": item.top,
                "left": item.left,
                "align_center": item.align_center,
                "width": item.width,
                "height": item.height,
            }
            for item in command.fields
        ],
    )
    session.add(template)
    await session.flush()
    return template


def _holding(owner: Any, held_by: Any) -> Any:
    """The owner (an enrollment or a path enrollment) already holds a certificate that is not revoked."""
    return exists().where(owner == held_by, Certificate.revoked_at.is_(None))


def _settings(source: type[Certifying]) -> tuple[Any, ...]:
    return (
        source.certificate_template_id.label("template_id"),
        source.certificate_expires_after.label("valid_days"),
        source.certificate_expires_after_grace_period.label("grace_days"),
    )


async def _issue(session: AsyncSession, due: Select[Any], owner: str) -> int:
    """Certificates for the rows `due` selects (the certificate's columns, with `owner` the column
    naming what holds it, and the settings of what it certifies), one insert."""
    at = now(session)
    rows = []
    for row in await session.execute(due):
        values = dict(row._mapping)
        values["expires_at"] = _expiry(at, values.pop("valid_days"))
        rows.append({**values, "id": uuid4(), "code": new_code(), "issued_at": at, "created_at": at, "updated_at": at})
    if not rows:
        return 0
    insert = INSERT[session.bind.dialect.name](Certificate).values(rows)
    unrevoked = Certificate.revoked_at.is_(None)  # a concurrent issue won the race: theirs stands
    stmt = insert.on_conflict_do_nothing(index_elements=[owner], index_where=unrevoked)
    return len((await session.execute(stmt.returning(Certificate.id))).all())


def _expiry(issued_at: datetime, days: int | None) -> datetime | None:
    return None if days is None else issued_at + timedelta(days=days)


def _earning(holder: Any, ids: Sequence[UUID], certified: Any, link: Any, owner: str) -> Select[Any]:
    """The `holder`s among `ids` (enrollments or path enrollments) whose course or path (`link`)
    has a template and that hold no certificate in force: the rows `_issue` turns into certificates."""
    return (
        select(holder.id.label(owner), holder.portal_id, holder.user_id, link, *_settings(certified))
        .join(certified, certified.id == link)
        .where(
            holder.id.in_(ids),
            certified.certificate_template_id.is_not(None),
            ~_holding(Certificate.__table__.c[owner], holder.id),
        )
    )


def _candidates(enrollment_ids: Sequence[UUID]) -> Select[Any]:
    earning = _earning(Enrollment, enrollment_ids, Course, Enrollment.course_id, "enrollment_id")
    return earning.where(Enrollment.revoked_at.is_(None))


async def issue_due(session: AsyncSession, enrollment_ids: Sequence[UUID]) -> int:
    """R28: completed, passed when graded (an ungraded course passes by completion), not revoked,
    the course has a template, no certificate held yet. Returns how many were issued."""
    if not enrollment_ids:
        return 0
    passed = or_(Course.grading_rule == GradingRule.NO_GRADING, Enrollment.passed.is_(True))
    due = _candidates(enrollment_ids).where(Enrollment.status == EnrollmentStatus.COMPLETED, passed)
    return await _issue(session, due, "enrollment_id")


async def issue_for_paths(session: AsyncSession, path_enrollment_ids: Sequence[UUID]) -> int:
    """R27: a completed learning path whose path has a template earns its certificate, once."""
    if not path_enrollment_ids:
        return 0
    owner = "learning_path_enrollment_id"
    link = LearningPathEnrollment.learning_path_id
    earning = _earning(LearningPathEnrollment, path_enrollment_ids, LearningPath, link, owner)
    return await _issue(session, earning.where(LearningPathEnrollment.completed_at.is_not(None)), owner)


def check_validity(checks: Checks, expires_after: int | None, grace_period: int | None) -> None:
    checks.at_least(("certificateExpiresAfter",), expires_after, 1)
    checks.at_least(("certificateExpiresAfterGracePeriod",), grace_period, 0)


async def template_in(session: AsyncSession, template_id: UUID, portal_id: UUID) -> UUID:
    """A course or path names a template of its own portal."""
    template = await session.scalar(
        select(CertificateTemplate.id).where(
            CertificateTemplate.id == template_id, CertificateTemplate.portal_id == portal_id
        )
    )
    if template is None:
        raise Failure.one(("certificateTemplateId",), "No certificate template with this id.", "NOT_FOUND")
    return template


async def assign(session: AsyncSession, enrollment_ids: Sequence[UUID]) -> list[Problem]:
    """003 Assign Certificate: whatever the completion. Enrollments without a template in their
    course, or with revoked access, are refused by index; one already holding a certificate keeps it."""
    found = {
        row.id: row
        for row in await session.execute(
            select(Enrollment.id, Enrollment.revoked_at, Course.certificate_template_id)
            .join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.id.in_(enrollment_ids))
        )
    }
    problems = []
    for index, enrollment_id in enumerate(enrollment_ids):
        row = found[enrollment_id]
        if row.certificate_template_id is None:
            problems.append(
                Problem(
                    ("enrollmentIds", str(index)),
                    "The enrollment's course has no certificate template.",
                    "NO_CERTIFICATE_TEMPLATE",
                )
            )
        elif row.revoked_at is not None:
            problems.append(
                Problem(("enrollmentIds", str(index)), "Access to this course is revoked.", "ACCESS_REVOKED")
            )
    await _issue(session, _candidates(list(dict.fromkeys(enrollment_ids))), "enrollment_id")
    return problems


async def revoke_for(session: AsyncSession, enrollment_ids: Sequence[UUID]) -> None:
    """Revoking access revokes the certificates it earned; the rows stay (history)."""
    if enrollment_ids:
        at = now(session)
        await session.execute(
            update(Certificate)
            .where(Certificate.enrollment_id.in_(enrollment_ids), Certificate.revoked_at.is_(None))
            .values(revoked_at=at, updated_at=at)
        )


def certificates_query(actor: Actor) -> Select[Any]:
    return select(Certificate.__table__).where(actor.visible(Certificate))


def held_certificates_query(actor: Actor, owner: str) -> Select[Any]:
    """Certificates held by an enrollment or a path enrollment (`owner` names the column)."""
    return certificates_query(actor).where(Certificate.__table__.c[owner].is_not(None))


def templates_query(actor: Actor) -> Select[Any]:
    return select(CertificateTemplate.__table__).where(actor.visible(CertificateTemplate))


def status_of(row: Any, at: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= at:
        return "expired"
    return "active"


def can_recertify(row: Any, at: datetime) -> bool:
    """Q21: from expiry until expiry + grace period days."""
    if row.revoked_at is not None or row.expires_at is None or at < row.expires_at:
        return False
    return at <= row.expires_at + timedelta(days=row.grace_days or 0)
