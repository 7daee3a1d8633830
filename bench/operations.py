"""The reference operations: each as a GraphQL request and as the floor's one SQL statement.

The floor's statement builds the very JSON the service answers (`{"data": …}`) inside PostgreSQL
with json_agg, so the bench can check both agree before it times them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from bench.academy import Academy
from graph.ids import global_id
from models.enrollments import EnrollmentStatus, ModuleProgressStatus
from models.modules import ModuleKind
from resolvers.grades import GRADABLE


def _enum(column: str, enum: type[StrEnum]) -> str:
    """GraphQL spells an enum by its member's name; the table holds the member's value."""
    cases = " ".join(f"WHEN '{member.value}' THEN '{member.name}'" for member in enum)
    return f"(CASE {column} {cases} END)"


def _gid(type_name: str, column: str) -> str:
    return f"encode(convert_to('{type_name}:' || {column}::text, 'UTF8'), 'base64')"


def _modules(course: str) -> str:
    """A course's modules in curriculum order, as `modules { id title kind }`."""
    return f"""coalesce((SELECT json_agg(json_build_object('id', {_gid("Module", "m.id")}, 'title', m.title,
                                     'kind', {_enum("m.kind", ModuleKind)}) ORDER BY m.position, m.id)
                  FROM module m WHERE m.course_id = {course}), '[]')"""


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    description: str
    query: str
    variables: Callable[[Academy], dict[str, Any]]
    as_learner: bool = field(kw_only=True)
    floor_sql: str = field(kw_only=True)
    floor_args: Callable[[Academy], tuple[Any, ...]] = field(kw_only=True)


CATALOG = """query Catalog($portal: ID!, $first: Int!) {
  portal(id: $portal) { name courses(first: $first) { nodes { id title modules { id title kind } } } }
}"""
CATALOG_SQL = f"""SELECT json_build_object('data', json_build_object('portal', (
  SELECT json_build_object('name', p.name, 'courses', json_build_object('nodes', coalesce((
    SELECT json_agg(json_build_object('id', {_gid("Course", "c.id")}, 'title', c.title,
                                      'modules', {_modules("c.id")}) ORDER BY c.created_at, c.id)
    FROM (SELECT id, title, created_at FROM course WHERE portal_id = p.id ORDER BY created_at, id LIMIT $2) c
  ), '[]')))
  FROM portal p WHERE p.id = $1)))::text"""

STATUS = _enum("e.status", EnrollmentStatus)
ROSTER = """query Roster($course: ID!) {
  course(id: $course) { title enrollments(first: 50) { nodes { id status user { fullName email } } } }
}"""
ROSTER_SQL = f"""SELECT json_build_object('data', json_build_object('course', (
  SELECT json_build_object('title', c.title, 'enrollments', json_build_object('nodes', coalesce((
    SELECT json_agg(json_build_object('id', {_gid("Enrollment", "e.id")}, 'status', {STATUS},
                                      'user', json_build_object('fullName', u.full_name, 'email', u.email))
                    ORDER BY e.created_at, e.id)
    FROM (SELECT id, status, user_id, created_at FROM enrollment WHERE course_id = c.id
          ORDER BY created_at, id LIMIT 50) e JOIN "user" u ON u.id = e.user_id
  ), '[]')))
  FROM course c WHERE c.id = $1)))::text"""

DASHBOARD = """query Dashboard {
  viewer { fullName enrollments(first: 20) { nodes { id status course { title modules { id title kind } } } } }
}"""
DASHBOARD_SQL = f"""SELECT json_build_object('data', json_build_object('viewer', (
  SELECT json_build_object('fullName', u.full_name, 'enrollments', json_build_object('nodes', coalesce((
    SELECT json_agg(json_build_object('id', {_gid("Enrollment", "e.id")}, 'status', {STATUS},
                                      'course', json_build_object('title', c.title, 'modules', {_modules("c.id")}))
                    ORDER BY e.created_at, e.id)
    FROM (SELECT id, status, course_id, created_at FROM enrollment WHERE user_id = u.id
          ORDER BY created_at, id LIMIT 20) e JOIN course c ON c.id = e.course_id
  ), '[]')))
  FROM "user" u WHERE u.id = $1)))::text"""

GRADEBOOK = """query Gradebook($course: ID!) {
  course(id: $course) { gradebook(first: 50) {
    columns { id title } nodes { enrollment { id } grade passed cells { score status } } } }
}"""
CELL_STATUS = _enum("coalesce(p.status, 'Not Started')", ModuleProgressStatus)
SCORED = ", ".join(f"'{kind.value}'" for kind in GRADABLE)
GRADEBOOK_SQL = f"""SELECT json_build_object('data', json_build_object('course', (
  SELECT json_build_object('gradebook', json_build_object(
    'columns', coalesce((SELECT json_agg(json_build_object('id', {_gid("Module", "m.id")}, 'title', m.title)
                                         ORDER BY m.position, m.id)
                         FROM module m WHERE m.course_id = c.id AND m.kind IN ({SCORED})), '[]'),
    'nodes', coalesce((
      SELECT json_agg(json_build_object(
        'enrollment', json_build_object('id', {_gid("Enrollment", "e.id")}), 'grade', e.grade, 'passed', e.passed,
        'cells', coalesce((
          SELECT json_agg(json_build_object('score', p.score, 'status', {CELL_STATUS}) ORDER BY m.position, m.id)
          FROM module m LEFT JOIN moduleprogress p ON p.module_id = m.id AND p.enrollment_id = e.id
          WHERE m.course_id = c.id AND m.kind IN ({SCORED})), '[]')) ORDER BY e.created_at, e.id)
      FROM (SELECT id, grade, passed, created_at FROM enrollment WHERE course_id = c.id
            ORDER BY created_at, id LIMIT 50) e), '[]')))
  FROM course c WHERE c.id = $1)))::text"""

ENROLL = """mutation Enroll($input: EnrollmentCreateInput!) {
  enrollmentCreate(input: $input) { enrollments { id } errors { code } }
}"""
ENROLL_SQL = f"""WITH added AS (
  INSERT INTO enrollment (id, portal_id, user_id, course_id, status, source, enrolled_at, expiry_set,
                          created_at, updated_at)
  SELECT gen_random_uuid(), c.portal_id, u, c.id, 'Not Started', 'manual', now(), false, now(), now()
  FROM course c, unnest($2::uuid[]) u WHERE c.id = $1
  ON CONFLICT DO NOTHING RETURNING id)
SELECT json_build_object('data', json_build_object('enrollmentCreate', json_build_object(
  'enrollments', (SELECT coalesce(json_agg(json_build_object('id', {_gid("Enrollment", "id")})), '[]') FROM added),
  'errors', '[]'::json)))::text"""


def _catalog(name: str, size: int) -> Operation:
    return Operation(
        name,
        f"catalog: a portal's courses(first: {size}) with every module",
        CATALOG,
        lambda a: {"portal": global_id("Portal", a.portal), "first": size},
        as_learner=False,
        floor_sql=CATALOG_SQL,
        floor_args=lambda a: (a.portal, size),
    )


READS: tuple[Operation, ...] = (
    _catalog("Q1", 20),
    _catalog("Q1-big", 100),
    Operation(
        "Q2",
        "roster: a course's enrollments(first: 50) with each learner",
        ROSTER,
        lambda a: {"course": global_id("Course", a.course)},
        as_learner=False,
        floor_sql=ROSTER_SQL,
        floor_args=lambda a: (a.course,),
    ),
    Operation(
        "Q3",
        "dashboard: the viewer's enrollments(first: 20), courses, modules",
        DASHBOARD,
        lambda _: {},
        as_learner=True,
        floor_sql=DASHBOARD_SQL,
        floor_args=lambda a: (a.learner,),
    ),
    Operation(
        "G1",
        "gradebook: 50 rows × 30 scored modules of a 1,000-learner course",
        GRADEBOOK,
        lambda a: {"course": global_id("Course", a.gradebook_course)},
        as_learner=False,
        floor_sql=GRADEBOOK_SQL,
        floor_args=lambda a: (a.gradebook_course,),
    ),
)


def enroll_variables(course: UUID, users: tuple[UUID, ...]) -> dict[str, Any]:
    return {"input": {"courseId": global_id("Course", course), "userIds": [global_id("User", u) for u in users]}}
