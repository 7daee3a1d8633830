"""Course.gradebook (issue 7): learners × gradable modules, paged, filtered, scoped by the policy,
and a constant number of statements per page whatever the numbers of learners and modules."""

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import parse_global_id
from models.courses import Course, CourseStatus, GradingRule
from models.enrollments import Enrollment, EnrollmentStatus, ModuleProgress, ModuleProgressStatus
from models.modules import Module, ModuleKind
from models.users import Membership, Role, User
from resolvers import grades
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user
from tests.graph.grades.school import School, build_school

GRADEBOOK = """query($id: ID!, $first: Int, $after: String, $filter: GradebookFilter) {
  course(id: $id) { gradebook(first: $first, after: $after, filter: $filter) {
    totalCount
    columns { title kind }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor }
    nodes { enrollment { id user { fullName } } grade gradeDisplay passed
      cells { module { title } score status passed } } } } }"""


@pytest.fixture
async def school(api: Api, session: AsyncSession) -> School:
    return await build_school(api, session)


async def record(
    session: AsyncSession, enrollment: str, module: Module, status: ModuleProgressStatus, score: float | None = None
) -> None:
    """A learner's record as the progress path leaves it (quizzes and assignments are graded elsewhere)."""
    session.add(
        ModuleProgress(
            portal_id=module.portal_id,
            enrollment_id=_row_id(enrollment),
            module_id=module.id,
            status=status,
            score=score,
            passed=None if score is None else score >= 50,
            attempts=1,
        )
    )
    await session.commit()


def _row_id(global_id: str) -> Any:
    return parse_global_id(global_id)[1]


async def gradebook(api: Api, course: Course, **variables: Any) -> Any:
    return (await api.data(GRADEBOOK, {"id": gid(course), **variables}))["course"]


async def worked_example(school: School) -> tuple[Course, dict[str, str], list[Module]]:
    """2 quizzes + 1 assignment + 1 text module, pass mark 60; three learners."""
    s = school.session
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=60)
    quiz1 = await make_module(s, course, kind=ModuleKind.QUIZ, title="Quiz 1", position=0)
    text = await make_module(s, course, kind=ModuleKind.TEXT, title="Reading", position=1)
    quiz2 = await make_module(s, course, kind=ModuleKind.QUIZ, title="Quiz 2", position=2)
    task = await make_module(s, course, kind=ModuleKind.ASSIGNMENT, title="Essay", position=3)
    ids = await school.enroll(course, *school.learners)
    ada, bob, cy = ids
    done = ModuleProgressStatus.COMPLETED
    await record(s, ada, quiz1, done, 80)
    await record(s, ada, text, done)
    await record(s, ada, quiz2, done, 70)
    await record(s, ada, task, done, 90)
    await record(s, bob, quiz1, done, 40)
    await record(s, bob, task, ModuleProgressStatus.SUBMITTED)
    await grades.recompute(s, [_row_id(e) for e in ids])
    statuses = {ada: EnrollmentStatus.COMPLETED, bob: EnrollmentStatus.IN_PROGRESS}
    for enrollment, status in statuses.items():
        await s.execute(update(Enrollment).where(Enrollment.id == _row_id(enrollment)).values(status=status))
    await s.commit()
    return course, {"ada": ada, "bob": bob, "cy": cy}, [quiz1, text, quiz2, task]


def cell(title: str, score: float | None, status: str, passed: bool | None) -> dict[str, Any]:
    return {"module": {"title": title}, "score": score, "status": status, "passed": passed}


async def test_worked_example_columns_cells_grade_and_passed(school: School) -> None:
    course, ids, _ = await worked_example(school)
    book = (await gradebook(school.api, course))["gradebook"]
    assert book["totalCount"] == 3
    assert book["columns"] == [
        {"title": "Quiz 1", "kind": "QUIZ"},
        {"title": "Quiz 2", "kind": "QUIZ"},
        {"title": "Essay", "kind": "ASSIGNMENT"},
    ]
    rows = {row["enrollment"]["id"]: row for row in book["nodes"]}
    ada, bob, cy = rows[ids["ada"]], rows[ids["bob"]], rows[ids["cy"]]
    assert ada["cells"] == [
        cell("Quiz 1", 80.0, "COMPLETED", True),
        cell("Quiz 2", 70.0, "COMPLETED", True),
        cell("Essay", 90.0, "COMPLETED", True),
    ]
    assert (ada["grade"], ada["gradeDisplay"], ada["passed"]) == (80.0, "80%", True)
    assert bob["cells"] == [
        cell("Quiz 1", 40.0, "COMPLETED", False),
        cell("Quiz 2", None, "NOT_STARTED", None),
        cell("Essay", None, "SUBMITTED", None),
    ]
    assert (bob["grade"], bob["gradeDisplay"], bob["passed"]) == (13.33, "13%", False)  # (40 + 0 + 0) / 3
    assert [c["status"] for c in cy["cells"]] == ["NOT_STARTED"] * 3
    assert (cy["grade"], cy["passed"]) == (None, None)


async def test_pages_with_first_and_after(school: School) -> None:
    course, ids, _ = await worked_example(school)
    everything = [row["enrollment"]["id"] for row in (await gradebook(school.api, course))["gradebook"]["nodes"]]
    assert sorted(everything) == sorted(ids.values())
    first = (await gradebook(school.api, course, first=2))["gradebook"]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    assert first["totalCount"] == 3 and len(first["edges"]) == 2
    rest = (await gradebook(school.api, course, first=2, after=first["pageInfo"]["endCursor"]))["gradebook"]
    assert rest["pageInfo"] == {**rest["pageInfo"], "hasNextPage": False, "hasPreviousPage": True}
    paged = [row["enrollment"]["id"] for row in first["nodes"] + rest["nodes"]]
    assert paged == everything
    assert all(len(row["cells"]) == 3 for row in first["nodes"] + rest["nodes"])


BACKWARDS = """query($id: ID!, $last: Int, $before: String) { course(id: $id) {
  gradebook(last: $last, before: $before) { pageInfo { hasNextPage hasPreviousPage startCursor }
    nodes { enrollment { id } } } } }"""


async def test_pages_backwards_with_last_and_before(school: School) -> None:
    course, _, _ = await worked_example(school)
    everything = [row["enrollment"]["id"] for row in (await gradebook(school.api, course))["gradebook"]["nodes"]]
    variables = {"id": gid(course), "last": 2}
    tail = (await school.api.data(BACKWARDS, variables))["course"]["gradebook"]
    assert [row["enrollment"]["id"] for row in tail["nodes"]] == everything[1:]
    assert tail["pageInfo"]["hasPreviousPage"] is True and tail["pageInfo"]["hasNextPage"] is False
    head = await school.api.data(BACKWARDS, {**variables, "before": tail["pageInfo"]["startCursor"]})
    assert [row["enrollment"]["id"] for row in head["course"]["gradebook"]["nodes"]] == everything[:1]


async def test_a_page_above_100_rows_is_refused(school: School) -> None:
    course, _, _ = await worked_example(school)
    [error] = await school.api.errors(GRADEBOOK, {"id": gid(course), "first": 101})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("filter", "who"),
    [
        ({"status": "COMPLETED"}, {"ada"}),
        ({"status": "NOT_STARTED"}, {"cy"}),
        ({"passed": True}, {"ada"}),
        ({"passed": False}, {"bob", "cy"}),
        ({"status": "IN_PROGRESS", "passed": False}, {"bob"}),
    ],
)
async def test_filters_by_status_and_passed(school: School, filter: dict[str, Any], who: set[str]) -> None:
    course, ids, _ = await worked_example(school)
    book = (await gradebook(school.api, course, filter=filter))["gradebook"]
    assert {row["enrollment"]["id"] for row in book["nodes"]} == {ids[name] for name in who}
    assert book["totalCount"] == len(who)


async def test_the_course_instructor_sees_every_row(school: School) -> None:
    course, ids, _ = await worked_example(school)
    book = (await gradebook(school.api.signed_in(school.instructor, "acme"), course))["gradebook"]
    assert {row["enrollment"]["id"] for row in book["nodes"]} == set(ids.values())


async def test_a_learner_sees_only_their_own_row(school: School) -> None:
    course, ids, _ = await worked_example(school)
    book = (await gradebook(school.api.signed_in(school.learners[1], "acme"), course))["gradebook"]
    assert book["totalCount"] == 1 and len(book["columns"]) == 3
    [row] = book["nodes"]
    assert row["enrollment"]["id"] == ids["bob"] and row["grade"] == 13.33
    assert [c["score"] for c in row["cells"]] == [40.0, None, None]


async def test_an_instructor_of_another_course_sees_no_row(school: School) -> None:
    course, _, _ = await worked_example(school)
    other = await make_user(school.session, school.portal, role=Role.INSTRUCTOR)
    book = (await gradebook(school.api.signed_in(other, "acme"), course))["gradebook"]
    assert book["nodes"] == [] and book["totalCount"] == 0


async def test_another_portal_sees_nothing(school: School, api: Api) -> None:
    course, _, _ = await worked_example(school)
    await make_portal(school.session, slug="elsewhere")
    assert (await gradebook(api.acting_in("elsewhere"), course)) is None


async def populate(session: AsyncSession, *, learners: int, modules: int) -> Course:
    """A published course with `learners` × `modules` scored quizzes, written set-based."""
    portal = await make_portal(session, slug=f"big-{learners}")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED, grading_rule=GradingRule.AVG_ALL_MODULES)
    quizzes = [
        Module(portal_id=portal.id, course_id=course.id, kind=ModuleKind.QUIZ, title=f"Q{m}", position=m, details={})
        for m in range(modules)
    ]
    users = [
        User(email=f"l{n}@{portal.slug}.example.com", full_name=f"L {n}", classroom_user_id=f"{portal.slug}-{n}")
        for n in range(learners)
    ]
    session.add_all([*quizzes, *users])
    await session.flush()
    session.add_all([Membership(portal_id=portal.id, user_id=u.id, role=Role.LEARNER) for u in users])
    enrollments = [
        Enrollment(portal_id=portal.id, user_id=u.id, course_id=course.id, enrolled_at=course.created_at) for u in users
    ]
    session.add_all(enrollments)
    await session.flush()
    session.add_all(
        [
            ModuleProgress(
                portal_id=portal.id,
                enrollment_id=e.id,
                module_id=q.id,
                status=ModuleProgressStatus.COMPLETED,
                score=float((i + j) % 101),
            )
            for i, e in enumerate(enrollments)
            for j, q in enumerate(quizzes)
        ]
    )
    await session.commit()
    await grades.recompute(session, [e.id for e in enrollments])
    await session.commit()
    return course


async def statements(api: Api, count_sql: Any, course: Course, portal: str, rows: int, columns: int) -> int:
    admin = api.acting_in(portal)
    await api.credentials.api_key(portal)  # issued before counting: a client already holds its key
    with count_sql() as sql:
        book = (await gradebook(admin, course, first=100))["gradebook"]
    assert len(book["nodes"]) == rows and len(book["columns"]) == columns
    assert all(len(row["cells"]) == columns for row in book["nodes"])
    return sql.count


async def test_statement_count_is_the_same_for_10_and_200_learners(
    api: Api, session: AsyncSession, count_sql: Any
) -> None:
    small = await populate(session, learners=10, modules=3)
    large = await populate(session, learners=200, modules=30)
    assert await statements(api, count_sql, small, "big-10", 10, 3) == await statements(
        api, count_sql, large, "big-200", 100, 30
    )


COMPILED = """query($id: ID!, $first: Int) { course(id: $id) { gradebook(first: $first) {
  totalCount columns { title kind } pageInfo { hasNextPage }
  nodes { enrollment { id } grade gradeDisplay passed cells { module { title } score status passed } } } } }"""


@pytest.mark.postgres_only
@pytest.mark.parametrize(("learners", "modules"), [(3, 1), (60, 12)])
async def test_a_gradebook_page_is_one_compiled_statement_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, learners: int, modules: int
) -> None:
    """Rows, columns and every row's cells: one statement after who acts (graph/compiled)."""
    course = await populate(session, learners=learners, modules=modules)
    portal = f"big-{learners}"
    await api.credentials.api_key(portal)
    with count_sql() as sql:
        book = (await api.acting_in(portal).data(COMPILED, {"id": gid(course), "first": 50}))["course"]["gradebook"]
    assert len(book["nodes"]) == min(learners, 50) and len(book["columns"]) == modules
    assert all(len(row["cells"]) == modules for row in book["nodes"])
    assert sql.count == 2
    assert sum("json_build_object" in statement for statement in sql.statements) == 1
