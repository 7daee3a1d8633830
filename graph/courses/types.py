"""Catalog: categories, courses and sections."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.certificates.types import Certifies
from graph.context import Info
from graph.enrollments.types import EnrollmentOrder, EnrollmentType
from graph.enums import CategoryKind, CourseStatus, DurationRule, EnrollmentStatus, GradingRule, QuizScorePolicy
from graph.grades.types import GradebookConnection, GradebookFilterInput, GradebookRow
from graph.modules.types import Module, module_from_row
from graph.money import MoneyType
from graph.node import Node, filter_id, make_id, register
from graph.pagination import Connection, Listed, Paged, listing, order_input, page_connection
from graph.users.types import UserType
from models.courses import Category, Course, Section
from models.portals import Portal
from resolvers import courses, gradebook, learning_paths, modules
from resolvers import enrollments as enrolling
from resolvers.batches import Children

if TYPE_CHECKING:
    from graph.learning_paths.types import LearningPathType
    from graph.portals.types import PortalType

CourseOrder = order_input("CourseOrder", {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at", "TITLE": "title"})
CategoryOrder = order_input("CategoryOrder", {"CREATED_AT": "created_at", "NAME": "name"})


@strawberry.input(name="CourseFilter", description="Narrows a list of courses; all given conditions apply.")
class CourseFilterInput:
    status: CourseStatus | None = strawberry.field(
        default=None, description="Only courses in this status; anonymous viewers see PUBLISHED only."
    )
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Only courses in this category.")
    search: str | None = strawberry.field(default=None, description="Words in the title.")

    def to_filter(self) -> courses.CourseFilter:
        category = filter_id(self.category_id, "Category") if self.category_id else None
        return courses.CourseFilter(status=self.status, category_id=category, search=self.search)


@strawberry.type(name="Category", description="Classifies courses, modules, products …")
class CategoryType(Node):
    name: str = strawberry.field(description="The category's name.")
    type: CategoryKind = strawberry.field(description="What it classifies.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("Category", row.id), name=row.name, type=row.type, created_at=row.created_at)


def _modules_of(info: Info, actor: Any, parent: UUID, partition: str) -> Any:
    spec = Children(modules.modules_query, (actor,), partition, ("position", "id"))
    return info.context.loaders.children.load((parent, spec))


@strawberry.type(name="Section", description="A titled group of a course's modules.")
class SectionType(Node):
    title: str = strawberry.field(description="The section's title.")
    position: int = strawberry.field(description="Place in the course, from 0.")
    row_id: strawberry.Private[UUID]
    course_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Section", row.id),
            title=row.title,
            position=row.position,
            row_id=row.id,
            course_id=row.course_id,
        )

    @strawberry.field(description="The course it belongs to.")
    async def course(self, info: Info) -> "CourseType":
        return CourseType.from_row(await info.context.loaders.row(Course, self.course_id))

    @strawberry.field(description="The section's modules in curriculum order.")
    async def modules(self, info: Info) -> list[Module]:
        rows = await _modules_of(info, await info.context.actor(), self.row_id, "section_id")
        return [module_from_row(row) for row in rows]


def _price(row: Any) -> MoneyType | None:
    """In the currency's minor units: PostgreSQL's NUMERIC(12, 3) reads back "49.900"."""
    if row.price_amount is None or row.price_currency is None:
        return None
    return MoneyType.of(courses.quantize_money(row.price_amount, row.price_currency), row.price_currency)


@strawberry.type(name="Course", description="A course of one portal.")
class CourseType(Node, Certifies):
    title: str = strawberry.field(description="The course's title.")
    slug: str = strawberry.field(description="URL-friendly name, unique in its portal; `course(slug:)` finds it.")
    description: str = strawberry.field(description="What the course is about, as HTML; empty when none.")
    status: CourseStatus = strawberry.field(
        description="DRAFT, PUBLISHED or ARCHIVED; only published courses take enrollments."
    )
    grading_rule: GradingRule = strawberry.field(description="How the course grade is computed.")
    duration_rule: DurationRule = strawberry.field(description="When a learner's access ends.")
    duration_days: int | None = strawberry.field(description="For the X_DAYS rules: days of access; null otherwise.")
    duration_date: date | None = strawberry.field(
        description="For ON_SPECIFIC_DATE: the last day of access, in the portal's time zone; null otherwise."
    )
    price: MoneyType | None = strawberry.field(description="The list price; null for a free course.")
    shared_with_sub_portals: bool = strawberry.field(description="Published here, enrollable in sub-portals.")
    min_passing_percentage: float | None = strawberry.field(description="R21 pass mark, 0–100; null: any grade passes.")
    quiz_score_policy: QuizScorePolicy = strawberry.field(description="Which quiz attempt is a module's score.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    row_id: strawberry.Private[UUID]
    portal_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Course", row.id),
            title=row.title,
            slug=row.slug,
            description=row.description,
            status=row.status,
            grading_rule=row.grading_rule,
            duration_rule=row.duration_rule,
            duration_days=row.duration_days,
            duration_date=row.duration_date,
            price=_price(row),
            shared_with_sub_portals=row.shared_with_sub_portals,
            min_passing_percentage=row.min_passing_percentage,
            certificate_expires_after=row.certificate_expires_after,
            certificate_expires_after_grace_period=row.certificate_expires_after_grace_period,
            certificate_template_id=row.certificate_template_id,
            quiz_score_policy=row.quiz_score_policy,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
            portal_id=row.portal_id,
        )

    @strawberry.field(
        description="The portal that owns the course; null for a parent portal's shared course, "
        "since nobody sees the portals above their own."
    )
    async def portal(self, info: Info) -> Annotated["PortalType", strawberry.lazy("graph.portals.types")] | None:
        from graph.portals.types import PortalType

        row = await info.context.loaders.row(Portal, self.portal_id)
        return None if row is None else PortalType.from_row(row)

    @strawberry.field(
        description="The course's learners, as the viewer may see them.", extensions=[Paged(EnrollmentOrder)]
    )
    async def enrollments(
        self,
        info: Info,
        status: Annotated[
            EnrollmentStatus | None,
            strawberry.argument(description="Only enrollments in this status; all when left out."),
        ] = None,
    ) -> Connection[EnrollmentType]:
        actor = await info.context.actor()
        args = (actor, None, None, status, None, None)
        return Listed(  # type: ignore[return-value]
            enrolling.enrollments_query, args, EnrollmentType.from_row, partition="course_id", parent=self.row_id
        )

    @strawberry.field(
        description="Learners × gradable modules (issue 7): a row per enrollment the viewer may see (admins and the "
        "course's instructors: all; a learner: their own), with a cell per column, the grade and passed. A page costs "
        "the same statements whatever its numbers of learners and modules."
    )
    async def gradebook(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="The first n rows (1..100, default 20).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Rows after this cursor.")] = None,
        last: Annotated[int | None, strawberry.argument(description="The last n rows (1..100).")] = None,
        before: Annotated[str | None, strawberry.argument(description="Rows before this cursor.")] = None,
        filter: Annotated[GradebookFilterInput | None, strawberry.argument(description="Narrows the rows.")] = None,
        order_by: Annotated[
            EnrollmentOrder | None,  # type: ignore[valid-type]
            strawberry.argument(description="Sort order of the rows; creation time then id when left out."),
        ] = None,
    ) -> GradebookConnection:
        actor = await info.context.actor()
        wanted = filter or GradebookFilterInput()
        rows = listing(
            info.context.settings,
            gradebook.rows_query,
            (actor, wanted.status, wanted.passed),
            order=(order_by or EnrollmentOrder()).order(),
            partition="course_id",
            first=first,
            after=after,
            last=last,
            before=before,
        )
        page = await page_connection(info, rows, GradebookRow.from_row, self.row_id)
        return GradebookConnection.of(page, self.row_id)

    @strawberry.field(description="The learning paths this course is part of, as the viewer may see them.")
    async def learning_paths(
        self, info: Info
    ) -> list[Annotated["LearningPathType", strawberry.lazy("graph.learning_paths.types")]]:
        from graph.learning_paths.types import LearningPathType

        actor = await info.context.actor()
        spec = Children(learning_paths.course_paths_query, (actor,), "course_id", ("name", "id"))
        return [LearningPathType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]

    @strawberry.field(description="Sections in order.")
    async def sections(self, info: Info) -> list[SectionType]:
        actor = await info.context.actor()
        spec = Children(courses.sections_query, (actor,), "course_id", ("position", "id"))
        return [SectionType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]

    @strawberry.field(description="Every module of the course in curriculum order.")
    async def modules(self, info: Info) -> list[Module]:
        rows = await _modules_of(info, await info.context.actor(), self.row_id, "course_id")
        return [module_from_row(row) for row in rows]

    @strawberry.field(description="The modules an AVG_SPECIFIC_MODULES grade averages, in curriculum order.")
    async def grade_modules(self, info: Info) -> list[Module]:
        actor = await info.context.actor()
        spec = Children(courses.grade_modules_query, (actor,), "course_id", ("position", "id"))
        return [module_from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]

    @strawberry.field(description="The categories it is filed under, by name.")
    async def categories(self, info: Info) -> list[CategoryType]:
        actor = await info.context.actor()
        spec = Children(courses.course_categories_query, (actor,), "course_id", ("name", "id"))
        return [CategoryType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]

    @strawberry.field(description="Who teaches it, by name; they grade and see its learners.")
    async def instructors(self, info: Info) -> list[UserType]:
        actor = await info.context.actor()
        spec = Children(courses.course_instructors_query, (actor,), "course_id", ("full_name", "id"))
        return [UserType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]


register("Course", Course, CourseType.from_row)
register("Section", Section, SectionType.from_row)
register("Category", Category, CategoryType.from_row)
