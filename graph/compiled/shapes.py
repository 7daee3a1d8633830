"""The SQL shape of each compiled field: where its value comes from, as the regular resolvers
decide it. Rows come from the very query builders the resolvers use (so `visible` authorizes
both paths alike); only the rendering of values is written again here, in SQL, and the
differential test holds it equal to the resolvers' (tests/graph/test_compiled.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    type_coerce,
)

from graph.courses.types import CourseFilterInput, CourseOrder
from graph.enrollments.types import EnrollmentOrder
from graph.errors import BadUserInput
from graph.grades.types import GradebookFilterInput
from graph.modules.types import KIND_TYPES
from graph.node import COURSE_SLUG_NEEDS_PORTAL
from models.courses import Course, CourseStatus, DurationRule, GradingRule
from models.enrollments import EnrollmentStatus, ModuleProgressStatus
from models.modules import ModuleKind
from models.portals import Portal
from models.users import User
from resolvers import courses, gradebook, modules, policy, portals
from resolvers import enrollments as enrolling
from resolvers.auth import Actor
from resolvers.batches import visible_rows
from resolvers.paging import Query

Render = Callable[[FromClause, Actor], ColumnElement[Any]]
POSITION = ("position", "id")  # curriculum order
UUID_TEXT, BASE64_LINE = 36, 57  # a uuid's text; the bytes PostgreSQL's base64 puts on one line
Arguments = dict[str, Any]


def text(value: str) -> ColumnElement[Any]:
    """A constant rendered into the statement (names and enum values: no user input)."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


@dataclass(frozen=True, slots=True)
class Value:
    render: Render


@dataclass(frozen=True, slots=True)
class Link:
    """A to-one field: the row `key` points at, if the actor may see it, else null."""

    model: Any
    key: str


@dataclass(frozen=True, slots=True)
class Many:
    """A short, unpaged list per parent, in order (a course's modules): `rows` are the parent's,
    as the resolver's query gives them, correlated to the parent's row."""

    rows: Callable[[Actor, FromClause], Select[Any]]
    order_by: tuple[str, ...]


def children(query: Callable[[Actor], Select[Any]], partition: str, parent_key: str = "id") -> Callable[..., Any]:
    """The rows of `query` whose `partition` is the parent's `parent_key`."""

    def rows(actor: Actor, parent: FromClause) -> Select[Any]:
        found = query(actor)
        return found.where(found.selected_columns[partition] == parent.c[parent_key]).correlate(parent)

    return rows


@dataclass(frozen=True, slots=True)
class Itself:
    """An object field answered from the parent's own row (a gradebook row's enrollment)."""


@dataclass(frozen=True, slots=True)
class Connection:
    """A Relay connection; `listed` gives the query and its arguments, as the resolver's `Listed`."""

    order: Any
    listed: Callable[[Actor, Arguments], tuple[Query, tuple[Any, ...]]]
    partition: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """A root field finding one object (none or one row, or None for a null answer). Its `id` or
    `slug` differs from request to request, so `find` receives it as a statement parameter:
    `type_name` is the type an `id` must name, `slug` how the resolver normalizes a slug."""

    find: Callable[[Actor, Arguments], Select[Any] | None]
    type_name: str | None = None
    slug: Callable[[str], str] = str


Kind = Value | Link | Many | Itself | Connection | Lookup


@dataclass(frozen=True, slots=True)
class Shape:
    fields: dict[str, Kind]
    typename: Callable[[FromClause], ColumnElement[Any]] | None = None  # an interface's concrete type


def column(name: str) -> Value:
    return Value(lambda row, _: row.c[name])


def enum(name: str, members: type[StrEnum]) -> Value:
    """GraphQL spells a member by its name; the table holds its value."""
    whens = {member.value: text(member.name) for member in members}
    return Value(lambda row, _: case(whens, value=type_coerce(row.c[name], String)))


def global_id(type_name: str) -> Value:
    """base64("<Type>:<uuid>") as graph/ids.py makes it. PostgreSQL wraps base64 at 76 columns,
    which only an id of more than 57 bytes reaches: only those pay for removing the newlines."""
    prefix = text(f"{type_name}:")

    def render(row: FromClause, _: Actor) -> ColumnElement[Any]:
        encoded = func.encode(func.convert_to(prefix + cast(row.c.id, Text), text("UTF8")), text("base64"))
        if len(f"{type_name}:") + UUID_TEXT <= BASE64_LINE:
            return encoded
        return func.translate(encoded, literal_column("E'\\n'"), text(""))

    return Value(render)


def _email(row: FromClause, actor: Actor) -> ColumnElement[Any]:
    return case((policy.email_readable(actor, row.c.id), row.c.email), else_=null())


def _by_id(model: Any, actor: Actor, arguments: Arguments) -> Select[Any] | None:
    """`arguments["id"]` is None when the given ID names another type: nothing is found."""
    row_id = arguments["id"]
    return None if row_id is None else visible_rows(model, actor).where(model.id == row_id)


def _portal(actor: Actor, arguments: Arguments) -> Select[Any] | None:
    if "slug" not in arguments:
        return _by_id(Portal, actor, arguments)
    return portals.portal_by_slug_query(actor, arguments["slug"])


def _course(actor: Actor, arguments: Arguments) -> Select[Any] | None:
    if "slug" not in arguments:
        return _by_id(Course, actor, arguments)
    if actor.acting_portal_id is None:
        raise BadUserInput(COURSE_SLUG_NEEDS_PORTAL)
    return courses.course_by_slug_query(actor, arguments["slug"])


def _viewer(actor: Actor, _: Arguments) -> Select[Any] | None:
    return None if actor.user_id is None else visible_rows(User, actor).where(User.id == actor.user_id)


def _course_filter(arguments: Arguments) -> courses.CourseFilter:
    return (arguments.get("filter") or CourseFilterInput()).to_filter()


def _enrollments(actor: Actor, arguments: Arguments) -> tuple[Query, tuple[Any, ...]]:
    return enrolling.enrollments_query, (actor, None, None, arguments.get("status"), None, None)


def _gradebook(actor: Actor, arguments: Arguments) -> tuple[Query, tuple[Any, ...]]:
    wanted = arguments.get("filter") or GradebookFilterInput()
    return gradebook.rows_query, (actor, wanted.status, wanted.passed)


def _grade_display(row: FromClause, _: Actor) -> ColumnElement[Any]:
    """`f"{round(grade)}%"`: PostgreSQL rounds a float half to even, as Python does."""
    return case((row.c.grade.is_(None), null()), else_=cast(cast(func.round(row.c.grade), BigInteger), Text) + "%")


def _cells(actor: Actor, row: FromClause) -> Select[Any]:
    """A cell per column (the course's gradable modules) with the learner's record there, if any:
    the module's own columns, then the record's score, status (NOT_STARTED without one), passed."""
    columns = children(gradebook.columns_query, "course_id", "course_id")(actor, row).subquery()
    records = children(gradebook.cells_query, "enrollment_id")(actor, row).subquery()
    status = func.coalesce(records.c.status, ModuleProgressStatus.NOT_STARTED.value)
    return (
        select(columns, records.c.score, status.label("status"), records.c.passed)
        .select_from(columns.outerjoin(records, records.c.module_id == columns.c.id))
        .correlate(row)
    )


def _module_typename(row: FromClause) -> ColumnElement[Any]:
    names = {kind.value: text(kind_type.__strawberry_definition__.name) for kind, kind_type in KIND_TYPES.items()}  # type: ignore[attr-defined]
    return case(names, value=type_coerce(row.c.kind, String))


SHAPES: dict[str, Shape] = {
    "Query": Shape(
        {
            "portal": Lookup(_portal, "Portal", str.lower),
            "course": Lookup(_course, "Course"),
            "viewer": Lookup(_viewer),
            "courses": Connection(
                CourseOrder,
                lambda actor, a: (courses.courses_query, (actor, _course_filter(a), True)),
            ),
        }
    ),
    "Portal": Shape(
        {
            "id": global_id("Portal"),
            "name": column("name"),
            "slug": column("slug"),
            "timeZone": column("time_zone"),
            "isActive": column("is_active"),
            "totalSeats": column("total_seats"),
            "parent": Link(Portal, "parent_id"),
            "courses": Connection(
                CourseOrder, lambda actor, a: (courses.courses_query, (actor, _course_filter(a), False)), "portal_id"
            ),
        }
    ),
    "Course": Shape(
        {
            "id": global_id("Course"),
            "title": column("title"),
            "slug": column("slug"),
            "description": column("description"),
            "status": enum("status", CourseStatus),
            "gradingRule": enum("grading_rule", GradingRule),
            "durationRule": enum("duration_rule", DurationRule),
            "durationDays": column("duration_days"),
            "sharedWithSubPortals": column("shared_with_sub_portals"),
            "portal": Link(Portal, "portal_id"),
            "modules": Many(children(modules.modules_query, "course_id"), POSITION),
            "enrollments": Connection(EnrollmentOrder, _enrollments, "course_id"),
            "gradebook": Connection(EnrollmentOrder, _gradebook, "course_id"),
        }
    ),
    "Module": Shape(
        {
            "id": global_id("Module"),
            "title": column("title"),
            "kind": enum("kind", ModuleKind),
            "position": column("position"),
            "isRequired": column("is_required"),
        },
        typename=_module_typename,
    ),
    "Enrollment": Shape(
        {
            "id": global_id("Enrollment"),
            "status": enum("status", EnrollmentStatus),
            "grade": column("grade"),
            "passed": column("passed"),
            "user": Link(User, "user_id"),
            "course": Link(Course, "course_id"),
        }
    ),
    "GradebookConnection": Shape({"columns": Many(children(gradebook.columns_query, "course_id"), POSITION)}),
    "GradebookRow": Shape(
        {
            "enrollment": Itself(),
            "grade": column("grade"),
            "gradeDisplay": Value(_grade_display),
            "passed": column("passed"),
            "cells": Many(_cells, POSITION),
        }
    ),
    "GradebookCell": Shape(
        {
            "score": column("score"),
            "status": enum("status", ModuleProgressStatus),
            "passed": column("passed"),
            "module": Itself(),
        }
    ),
    "User": Shape(
        {
            "id": global_id("User"),
            "fullName": column("full_name"),
            "email": Value(_email),
            "avatarUrl": column("avatar_url"),
            "classroomUserId": column("classroom_user_id"),
            "isActive": column("is_active"),
            "enrollments": Connection(EnrollmentOrder, _enrollments, "user_id"),
        }
    ),
}
CONNECTION_FIELDS = frozenset({"nodes", "totalCount", "pageInfo"})
PAGE_INFO_FIELDS = frozenset({"hasNextPage", "hasPreviousPage"})
