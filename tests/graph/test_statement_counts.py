"""Every field resolves through DataLoaders: statements follow nesting depth, never list sizes."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseCategory, CourseInstructor
from models.modules import ModuleKind
from models.users import Role
from tests.conftest import Api
from tests.factories import (
    make_category,
    make_course,
    make_module,
    make_portal,
    make_section,
    make_user,
)

NESTED = """
{
  portals(first: 50) {
    totalCount
    nodes {
      name
      parent { name }
      subPortals { name }
      users(first: 50) { totalCount nodes { fullName memberships { role portal { slug } } } }
      courses(first: 50) {
        totalCount
        edges {
          cursor
          node {
            title
            categories { name }
            instructors { fullName }
            sections { title modules { title } }
            modules { id title kind section { title } course { title portal { name } } }
          }
        }
      }
    }
  }
}
"""


async def build_academy(session: AsyncSession, *, portals: int, courses: int, modules: int) -> None:
    """An academy whose admin sees `portals` sub-portals, each with its courses and modules."""
    academy = await make_portal(session, slug="academy")
    for p in range(portals):
        portal = await make_portal(session, slug=f"portal-{p}", parent=academy)
        category = await make_category(session, portal)
        teacher = await make_user(session, portal, role=Role.INSTRUCTOR)
        await make_user(session, portal)
        for c in range(courses):
            course = await make_course(session, portal, title=f"Course {p}-{c}")
            section = await make_section(session, course)
            await link(session, course, category.id, teacher.id)
            for m in range(modules):
                await make_module(session, course, position=m, kind=ModuleKind.TEXT, section_id=section.id)


async def link(session: AsyncSession, course: Any, category_id: Any, teacher_id: Any) -> None:
    session.add(CourseCategory(portal_id=course.portal_id, course_id=course.id, category_id=category_id))
    session.add(CourseInstructor(portal_id=course.portal_id, course_id=course.id, user_id=teacher_id))
    await session.commit()


async def statements_for(api: Api, count_sql: Any) -> int:
    await api.credentials.api_key("academy")  # issued before counting: a client already holds its key
    with count_sql() as sql:
        data = await api.acting_in("academy").data(NESTED)
    assert data["portals"]["nodes"]
    return sql.count


@pytest.mark.parametrize(("portals", "courses", "modules"), [(1, 1, 1), (3, 10, 20)])
async def test_nested_query_costs_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, portals: int, courses: int, modules: int
) -> None:
    await build_academy(session, portals=portals, courses=courses, modules=modules)
    assert await statements_for(api, count_sql) == EXPECTED_STATEMENTS


# who acts (the API key with its portal and the admin's subtree, one statement);
# portals page and count; parents; subPortals; users page and count; memberships; courses page and count;
# categories; instructors; sections; section modules; course modules; then one batch each for the
# portals, courses and sections that rows point back to. Eighteen, whatever the sizes.
EXPECTED_STATEMENTS = 18


CATALOG = """{ portal(slug: "portal-0") { name courses(first: 50) {
  totalCount nodes { title portal { slug } modules { id title kind } enrollments { totalCount } } } } }"""


@pytest.mark.postgres_only
@pytest.mark.parametrize(("portals", "courses", "modules"), [(1, 1, 1), (3, 10, 20)])
async def test_a_compiled_read_is_one_statement_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, portals: int, courses: int, modules: int
) -> None:
    await build_academy(session, portals=portals, courses=courses, modules=modules)
    await api.credentials.api_key("academy")
    with count_sql() as sql:
        data = await api.acting_in("academy").data(CATALOG)
    assert len(data["portal"]["courses"]["nodes"]) == courses
    # who acts (the API key with its portal and the admin's subtree), then the whole answer
    assert sql.count == 2
    assert sum("json_build_object" in statement for statement in sql.statements) == 1
