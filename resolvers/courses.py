"""Categories, courses, their sections and instructors."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import (
    Category,
    CategoryType,
    Course,
    CourseCategory,
    CourseInstructor,
    CourseStatus,
    DurationRule,
    GradeModule,
    GradingRule,
    QuizScorePolicy,
    Section,
)
from models.modules import Module
from models.users import Membership, Role, User
from resolvers import certificates, grades, policy
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.grades import GRADABLE
from resolvers.slugs import check_slug, flush_unique, free_slug

CourseErrorCode = error_codes("CourseErrorCode")
CategoryErrorCode = error_codes("CategoryErrorCode")

MAX_AMOUNT = Decimal(10) ** 9  # NUMERIC(12, 3): nine digits before the point
MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """Money carries its currency's minor units ("10.00"), never floats."""
    return amount.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class CourseFilter:
    status: CourseStatus | None = None
    category_id: UUID | None = None
    search: str | None = None


def _catalog(actor: Actor) -> ColumnElement[bool]:
    """The acting portal's catalog: its own courses and what its parents share with it (contract
    §5). Which of them the actor sees (published ones only) is still `visible`'s call."""
    own = Course.portal_id == actor.acting_portal_id
    return or_(own, and_(Course.shared_with_sub_portals, policy.among(Course.portal_id, actor.ancestor_ids)))


def courses_query(actor: Actor, flt: CourseFilter, catalog: bool) -> Select[Any]:
    """`catalog`: narrowed to the acting portal's catalog (the root `courses`), when there is one."""
    stmt = select(Course.__table__).where(actor.visible(Course))
    if catalog and actor.acting_portal_id is not None:
        stmt = stmt.where(_catalog(actor))
    if flt.status is not None:
        stmt = stmt.where(Course.status == flt.status)
    if flt.category_id is not None:
        stmt = stmt.where(
            Course.id.in_(select(CourseCategory.course_id).where(CourseCategory.category_id == flt.category_id))
        )
    if flt.search:
        stmt = stmt.where(Course.title.icontains(flt.search, autoescape=True))
    return stmt


def categories_query(actor: Actor, kind: CategoryType | None, search: str | None) -> Select[Any]:
    stmt = select(Category.__table__).where(actor.visible(Category))
    if kind is not None:
        stmt = stmt.where(Category.type == kind)
    if search:
        stmt = stmt.where(Category.name.icontains(search, autoescape=True))
    return stmt


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryCreate:
    name: str
    type: CategoryType = CategoryType.COURSE


async def create_category(session: AsyncSession, *, actor: Actor, command: CategoryCreate) -> Category:
    portal_id = acting_portal(actor)
    checks = Checks()
    checks.text(("name",), command.name, max_length=200, required=True)
    checks.done()
    name = command.name.strip()
    clash = select(Category.id).where(
        Category.portal_id == portal_id, Category.type == command.type, Category.name == name
    )
    if await session.scalar(clash):
        raise Failure.one(("name",), f"A category named {name!r} exists.", "DUPLICATE")
    category = Category(portal_id=portal_id, name=name, type=command.type)
    session.add(category)
    await flush_unique(session, column="name", path=("name",), message=f"A category named {name!r} exists.")
    return category


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


def check_money(checks: Checks, path: tuple[str, ...], money: "Money", *, positive: bool = False) -> None:
    """An amount that fits NUMERIC(12, 3) in its currency's minor units, and an ISO 4217 code
    (`positive`: more than zero, for payments and refunds)."""
    amount = money.amount
    if amount < 0 or (positive and amount <= 0):
        checks.add((*path, "amount"), f"amount must be {'more than zero' if positive else 'zero or more'}.", "INVALID")
    elif amount >= MAX_AMOUNT or quantize_money(amount, money.currency.upper()) >= MAX_AMOUNT:
        checks.add((*path, "amount"), f"amount must be less than {MAX_AMOUNT}.", "INVALID")
    if len(money.currency) != 3 or not money.currency.isalpha():
        checks.add((*path, "currency"), "currency is an ISO 4217 code such as EUR.", "INVALID")


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseFields:
    """Fields shared by create and update; None leaves a field as it is."""

    title: str | None = None
    slug: str | None = None
    description: str | None = None
    category_ids: Sequence[UUID] | None = None
    instructor_ids: Sequence[UUID] | None = None
    grading_rule: GradingRule | None = None
    duration_rule: DurationRule | None = None
    duration_days: int | None = None
    duration_date: date | None = None
    price: Money | None = None
    shared_with_sub_portals: bool | None = None
    min_passing_percentage: float | None = None
    grade_module_ids: Sequence[UUID] | None = None
    certificate_template_id: UUID | None = None
    certificate_expires_after: int | None = None
    certificate_expires_after_grace_period: int | None = None
    quiz_score_policy: QuizScorePolicy | None = None

    @property
    def regrades(self) -> bool:
        """Whether the change can move the grade of the course's enrollments."""
        return any(
            value is not None for value in (self.grading_rule, self.min_passing_percentage, self.grade_module_ids)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseUpdate:
    course_id: UUID
    fields: CourseFields = field(default_factory=CourseFields)


def _check_fields(checks: Checks, fields: CourseFields, *, creating: bool) -> None:
    checks.text(("title",), fields.title, max_length=300, required=creating)
    check_slug(checks, ("slug",), fields.slug)
    checks.text(("description",), fields.description or None, max_length=100_000)
    checks.at_least(("durationDays",), fields.duration_days, 1)
    certificates.check_validity(checks, fields.certificate_expires_after, fields.certificate_expires_after_grace_period)
    if fields.min_passing_percentage is not None and not 0 <= fields.min_passing_percentage <= 100:
        checks.add(("minPassingPercentage",), "minPassingPercentage is a percent: between 0 and 100.", "INVALID")
    if fields.price is not None:
        check_money(checks, ("price",), fields.price)


def _check_duration(course: Course) -> None:
    """Each duration rule needs its own parameter (003 § Duration Rules Lookup)."""
    by_days = course.duration_rule in (DurationRule.X_DAYS_AFTER_START, DurationRule.X_DAYS_AFTER_ENROLLMENT)
    if by_days and not course.duration_days:
        raise Failure.one(("durationDays",), "This duration rule needs durationDays.", "REQUIRED")
    if course.duration_rule is DurationRule.ON_SPECIFIC_DATE and course.duration_date is None:
        raise Failure.one(("durationDate",), "This duration rule needs durationDate.", "REQUIRED")


async def _link(session: AsyncSession, course: Course, fields: CourseFields) -> None:
    """Replaces categories and instructors; every id must name one of the course's portal."""
    if fields.category_ids is not None:
        wanted = set(fields.category_ids)
        found = set(
            (
                await session.execute(
                    select(Category.id).where(Category.portal_id == course.portal_id, Category.id.in_(wanted))
                )
            ).scalars()
        )
        _refuse_unknown("categoryIds", fields.category_ids, found, "category")
        await session.execute(delete(CourseCategory).where(CourseCategory.course_id == course.id))
        session.add_all(
            CourseCategory(portal_id=course.portal_id, course_id=course.id, category_id=c)
            for c in dict.fromkeys(wanted)
        )
    if fields.instructor_ids is not None:
        teaching = select(Membership.user_id).where(
            Membership.portal_id == course.portal_id,
            Membership.role.in_([Role.INSTRUCTOR, Role.ADMIN]),
            Membership.user_id.in_(set(fields.instructor_ids)),
        )
        found = set((await session.execute(teaching)).scalars())
        _refuse_unknown("instructorIds", fields.instructor_ids, found, "instructor or admin of this portal")
        await session.execute(delete(CourseInstructor).where(CourseInstructor.course_id == course.id))
        session.add_all(
            CourseInstructor(portal_id=course.portal_id, course_id=course.id, user_id=u)
            for u in dict.fromkeys(fields.instructor_ids)
        )


def _refuse_unknown(name: str, ids: Sequence[UUID], found: set[UUID], what: str) -> None:
    problems = Checks()
    for i, row_id in enumerate(ids):
        if row_id not in found:
            problems.add((name, str(i)), f"No {what} with this id.", "NOT_FOUND")
    problems.done()


async def _link_grading(session: AsyncSession, course: Course, fields: CourseFields) -> None:
    """The certificate template is one of the course's portal; grade modules are gradable
    modules of the course itself (R20 `gradeModules`), replaced as a whole."""
    if fields.certificate_template_id is not None:
        course.certificate_template_id = await certificates.template_in(
            session, fields.certificate_template_id, course.portal_id
        )
    if fields.grade_module_ids is not None:
        wanted = set(fields.grade_module_ids)
        stmt = select(Module.id, Module.kind).where(Module.course_id == course.id, Module.id.in_(wanted))
        kinds = {row.id: row.kind for row in await session.execute(stmt)}
        _refuse_unknown("gradeModuleIds", fields.grade_module_ids, set(kinds), "module of this course")
        checks = Checks()
        for i, module_id in enumerate(fields.grade_module_ids):
            if kinds[module_id] not in GRADABLE:
                checks.add(
                    ("gradeModuleIds", str(i)),
                    "Only scored modules (quiz, assignment, discussion, SCORM, external) count.",
                    "INVALID",
                )
        checks.done()
        await session.execute(delete(GradeModule).where(GradeModule.course_id == course.id))
        session.add_all(
            GradeModule(portal_id=course.portal_id, course_id=course.id, module_id=m)
            for m in dict.fromkeys(fields.grade_module_ids)
        )


async def _apply(session: AsyncSession, course: Course, fields: CourseFields) -> None:
    for name in (
        "grading_rule",
        "duration_rule",
        "duration_days",
        "duration_date",
        "shared_with_sub_portals",
        "min_passing_percentage",
        "certificate_expires_after",
        "certificate_expires_after_grace_period",
        "quiz_score_policy",
    ):
        if (value := getattr(fields, name)) is not None:
            setattr(course, name, value)
    if fields.description is not None:
        course.description = fields.description
    if fields.title is not None:
        course.title = fields.title.strip()
    if fields.price is not None:
        currency = fields.price.currency.upper()
        course.price_amount, course.price_currency = quantize_money(fields.price.amount, currency), currency
    _check_duration(course)
    await _link(session, course, fields)
    await _link_grading(session, course, fields)


async def create_course(session: AsyncSession, *, actor: Actor, fields: CourseFields) -> Course:
    portal_id = acting_portal(actor)
    checks = Checks()
    _check_fields(checks, fields, creating=True)
    checks.done()
    assert fields.title is not None  # checked above
    slug = await free_slug(
        session,
        Course.slug,
        wanted=fields.slug,
        title=fields.title,
        where=Course.portal_id == portal_id,
        path=("slug",),
    )
    course = Course(portal_id=portal_id, title=fields.title.strip(), slug=slug)
    session.add(course)
    await _apply(session, course, fields)
    teaching = fields.instructor_ids or ()
    if actor.role is Role.INSTRUCTOR and actor.user_id is not None and actor.user_id not in teaching:
        session.add(
            CourseInstructor(portal_id=portal_id, course_id=course.id, user_id=actor.user_id)
        )  # may go on editing
    await flush_unique(session, column="slug", path=("slug",), message=f"The slug {slug!r} is taken.")
    return course


async def update_course(session: AsyncSession, *, actor: Actor, command: CourseUpdate) -> Course:
    checks = Checks()
    _check_fields(checks, command.fields, creating=False)
    checks.done()
    course = await visible_row(session, Course, command.course_id, actor=actor, field="courseId", manage=True)
    if command.fields.slug is not None and command.fields.slug != course.slug:
        course.slug = await free_slug(
            session,
            Course.slug,
            wanted=command.fields.slug,
            title=course.title,
            where=Course.portal_id == course.portal_id,
            path=("slug",),
        )
    await _apply(session, course, command.fields)
    await flush_unique(session, column="slug", path=("slug",), message=f"The slug {course.slug!r} is taken.")
    if command.fields.regrades:  # R21: grades follow the rule in the transaction that changed it
        await grades.recompute_course(session, course.id)
    return course


async def publish_course(session: AsyncSession, *, actor: Actor, course_id: UUID) -> Course:
    """A course with nothing to learn cannot be published; publishing twice is no error."""
    course = await visible_row(session, Course, course_id, actor=actor, field="courseId", manage=True)
    modules = await session.scalar(select(func.count()).where(Module.course_id == course.id))
    if not modules:
        raise Failure.one(("courseId",), "Add at least one module before publishing.", "NOT_ALLOWED_IN_STATE")
    course.status = CourseStatus.PUBLISHED
    await session.flush()
    return course


async def archive_course(session: AsyncSession, *, actor: Actor, course_id: UUID) -> Course:
    course = await visible_row(session, Course, course_id, actor=actor, field="courseId", manage=True)
    course.status = CourseStatus.ARCHIVED
    await session.flush()
    return course


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionCreate:
    course_id: UUID
    title: str
    position: int | None = None


async def create_section(session: AsyncSession, *, actor: Actor, command: SectionCreate) -> Section:
    checks = Checks()
    checks.text(("title",), command.title, max_length=300, required=True)
    checks.at_least(("position",), command.position, 0)
    checks.done()
    course = await visible_row(session, Course, command.course_id, actor=actor, field="courseId", manage=True)
    count = await session.scalar(select(func.count()).where(Section.course_id == course.id)) or 0
    position = count if command.position is None else min(command.position, count)
    siblings = await session.scalars(
        select(Section).where(Section.course_id == course.id, Section.position >= position)
    )
    for sibling in siblings:
        sibling.position += 1
    section = Section(portal_id=course.portal_id, course_id=course.id, title=command.title.strip(), position=position)
    session.add(section)
    await session.flush()
    return section


def course_instructors_query(actor: Actor) -> Select[Any]:
    return (
        select(User.__table__, CourseInstructor.course_id)
        .join(CourseInstructor, CourseInstructor.user_id == User.id)
        .where(actor.visible(CourseInstructor))
    )


def course_categories_query(actor: Actor) -> Select[Any]:
    return (
        select(Category.__table__, CourseCategory.course_id)
        .join(CourseCategory, CourseCategory.category_id == Category.id)
        .where(actor.visible(CourseCategory))
    )


def sections_query(actor: Actor) -> Select[Any]:
    return select(Section.__table__).where(actor.visible(Section))


def course_by_slug_query(actor: Actor, slug: str) -> Select[Any]:
    return select(Course.__table__).where(
        Course.portal_id == actor.acting_portal_id, Course.slug == slug, actor.visible(Course)
    )


async def course_by_slug(session: AsyncSession, *, actor: Actor, slug: str) -> Any:
    return (await session.execute(course_by_slug_query(actor, slug))).first()


def grade_modules_query(actor: Actor) -> Select[Any]:
    return select(Module.__table__).join(GradeModule, GradeModule.module_id == Module.id).where(actor.visible(Module))
