"""Course and category lookups."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.courses.types import CategoryOrder, CategoryType, CourseFilterInput, CourseOrder, CourseType
from graph.enums import CategoryKind
from graph.errors import BadUserInput
from graph.node import COURSE_SLUG_NEEDS_PORTAL, id_or_slug, query_id
from graph.pagination import Connection, Listed, Paged
from models.courses import Course
from resolvers import courses


@strawberry.type
class CourseQuery:
    @strawberry.field(description="A course by id, or by slug within the acting portal; null when missing or hidden.")
    async def course(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The course's global ID; give this or `slug`.")
        ] = None,
        slug: Annotated[
            str | None, strawberry.argument(description="The course's slug in the acting portal; give this or `id`.")
        ] = None,
    ) -> CourseType | None:
        id_or_slug(id, slug)
        actor = await info.context.actor()
        if id is not None:
            row_id = query_id(id, "Course")
            row = None if row_id is None else await info.context.loaders.row(Course, row_id)
        elif actor.acting_portal_id is None:
            raise BadUserInput(COURSE_SLUG_NEEDS_PORTAL)
        else:
            row = await info.context.db.run(courses.course_by_slug, actor=actor, slug=slug or "")
        return None if row is None else CourseType.from_row(row)

    @strawberry.field(description="Courses of the acting portal.", extensions=[Paged(CourseOrder)])
    async def courses(
        self,
        info: Info,
        filter: Annotated[CourseFilterInput | None, strawberry.argument(description="Narrows the list.")] = None,
    ) -> Connection[CourseType]:
        actor = await info.context.actor()
        flt = (filter or CourseFilterInput()).to_filter()
        return Listed(courses.courses_query, (actor, flt, True), CourseType.from_row)  # type: ignore[return-value]

    @strawberry.field(description="Categories of the portals the viewer can see.", extensions=[Paged(CategoryOrder)])
    async def categories(
        self,
        info: Info,
        type: Annotated[CategoryKind | None, strawberry.argument(description="Only categories of this kind.")] = None,
        search: Annotated[str | None, strawberry.argument(description="Words in the name.")] = None,
    ) -> Connection[CategoryType]:
        actor = await info.context.actor()
        return Listed(courses.categories_query, (actor, type, search), CategoryType.from_row)  # type: ignore[return-value]
