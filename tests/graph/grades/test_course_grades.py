"""Course grades per grading rule (R20, R21), the pass mark, and overrides, through the API."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import GradingRule
from models.enrollments import Enrollment
from models.modules import ModuleKind
from models.users import Role
from resolvers import grades
from tests.conftest import Api
from tests.factories import gid, make_module, make_user
from tests.graph.grades.school import School, build_school

OVERRIDE = """mutation($input: GradeOverrideInput!) { gradeOverride(input: $input) {
  enrollment { grade gradeDisplay passed gradeOverridden } errors { field code message } } }"""
AUDIT = """query($target: ID!) { auditEvents(filter: {action: "gradeOverride", targetId: $target}) {
  nodes { action summary actor { fullName } } } }"""


@pytest.fixture
async def school(api: Api, session: AsyncSession) -> School:
    return await build_school(api, session)


async def test_avg_all_modules_is_the_mean_of_every_scored_kind_unscored_counting_zero(school: School) -> None:
    """Two external activities at 90 and 60, a quiz not taken yet (0) and a text module (not
    graded): (90 + 60 + 0) / 3 = 50."""
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=50)
    first, second = await school.external(course, 0), await school.external(course, 1)
    await make_module(school.session, course, kind=ModuleKind.QUIZ, position=2, details={})
    await make_module(school.session, course, position=3)
    [enrollment] = await school.enroll(course)
    assert (await school.enrollment(enrollment))["grade"] is None  # nothing scored yet
    after_one = await school.score(enrollment, first, 90)
    assert after_one["enrollment"]["grade"] == 30.0 and after_one["enrollment"]["passed"] is False
    after_two = (await school.score(enrollment, second, 60))["enrollment"]
    assert (after_two["grade"], after_two["gradeDisplay"], after_two["passed"]) == (50.0, "50%", True)


async def test_avg_specific_modules_averages_only_the_chosen_modules(school: School) -> None:
    """Grade modules 1 and 3 at 80 and 55 give 67.5; module 2's 10 does not count."""
    course = await school.course(rule=GradingRule.AVG_SPECIFIC_MODULES)
    one, two, three = [await school.external(course, i) for i in range(3)]
    changed = await school.update_course(course, gradeModuleIds=[gid(one), gid(three)])
    assert changed["errors"] == [] and len(changed["course"]["gradeModules"]) == 2
    [enrollment] = await school.enroll(course)
    for module, score in ((one, 80), (two, 10), (three, 55)):
        await school.score(enrollment, module, score)
    shown = await school.enrollment(enrollment)
    assert (shown["grade"], shown["gradeDisplay"], shown["passed"]) == (67.5, "68%", True)


async def test_a_grade_keeps_two_decimals(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    modules = [await school.external(course, i) for i in range(3)]
    [enrollment] = await school.enroll(course)
    for module, score in zip(modules, (70, 80, 85), strict=True):
        await school.score(enrollment, module, score)
    assert (await school.enrollment(enrollment))["grade"] == 78.33


async def test_no_grading_has_no_grade_and_passes_by_completion(school: School) -> None:
    course = await school.course(rule=GradingRule.NO_GRADING)
    first, second = await school.external(course, 0), await school.external(course, 1)
    [enrollment] = await school.enroll(course)
    halfway = (await school.score(enrollment, first, 95))["enrollment"]
    assert (halfway["grade"], halfway["gradeDisplay"], halfway["passed"]) == (None, None, None)
    done = (await school.score(enrollment, second, 20))["enrollment"]
    assert (done["status"], done["grade"], done["passed"]) == ("COMPLETED", None, True)


async def test_the_pass_mark_is_inclusive_and_a_new_mark_regrades_every_enrollment(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=70)
    module = await school.external(course)
    at_mark, below = await school.enroll(course, *school.learners[:2])
    assert (await school.score(at_mark, module, 70))["enrollment"]["passed"] is True
    assert (await school.score(below, module, 69.99))["enrollment"]["passed"] is False
    changed = await school.update_course(course, minPassingPercentage=69.5)
    assert changed["errors"] == [] and changed["course"]["minPassingPercentage"] == 69.5
    assert [(await school.enrollment(e))["passed"] for e in (at_mark, below)] == [True, True]


async def test_changing_the_grading_rule_recomputes_in_the_same_mutation(school: School) -> None:
    course = await school.course(rule=GradingRule.NO_GRADING)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    await school.score(enrollment, module, 42, completed=False)
    assert (await school.enrollment(enrollment))["grade"] is None
    await school.update_course(course, gradingRule="AVG_ALL_MODULES")
    assert (await school.enrollment(enrollment))["grade"] == 42.0


@pytest.mark.parametrize(
    ("kind", "code"), [("TEXT", "INVALID"), ("elsewhere", "NOT_FOUND")], ids=["not scored", "another course"]
)
async def test_grade_modules_are_scored_modules_of_the_course(school: School, kind: str, code: str) -> None:
    course = await school.course(rule=GradingRule.AVG_SPECIFIC_MODULES)
    kept = await school.external(course)
    await school.update_course(course, gradeModuleIds=[gid(kept)])
    if kind == "elsewhere":
        module = await school.external(await school.course())
    else:
        module = await make_module(school.session, course, position=1)
    refused = await school.update_course(course, gradeModuleIds=[gid(kept), gid(module)], title="Renamed")
    assert refused["errors"] == [{"field": ["gradeModuleIds", "1"], "code": code}]
    after = await school.api.data(
        "query($id: ID!) { course(id: $id) { title gradeModules { id } } }", {"id": gid(course)}
    )
    assert after["course"]["gradeModules"] == [{"id": gid(kept)}] and after["course"]["title"] != "Renamed"


async def test_pass_mark_outside_0_to_100_is_refused(school: School) -> None:
    course = await school.course()
    refused = await school.update_course(course, minPassingPercentage=101)
    assert refused["errors"] == [{"field": ["minPassingPercentage"], "code": "INVALID"}]
    assert (await school.update_course(course))["course"]["minPassingPercentage"] is None


async def override(api: Api, enrollment: str, **fields: Any) -> Any:
    answer = await api.data(OVERRIDE, {"input": {"enrollmentId": enrollment, **fields}})
    return answer["gradeOverride"]


async def test_an_override_keeps_its_reason_in_the_audit_trail_and_survives_recomputation(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=60)
    first, second = await school.external(course, 0), await school.external(course, 1)
    [enrollment] = await school.enroll(course)
    await school.score(enrollment, first, 40)
    teacher = school.api.signed_in(school.instructor, "acme")
    set_by_hand = await override(teacher, enrollment, grade=75, reason="Oral exam retaken")
    assert set_by_hand == {
        "enrollment": {"grade": 75.0, "gradeDisplay": "75%", "passed": True, "gradeOverridden": True},
        "errors": [],
    }
    await school.score(enrollment, second, 10)  # would be (40 + 10) / 2 = 25
    assert (await school.enrollment(enrollment))["grade"] == 75.0
    [event] = (await school.api.data(AUDIT, {"target": enrollment}))["auditEvents"]["nodes"]
    assert event["summary"]["command"]["reason"] == "Oral exam retaken"
    assert event["summary"]["command"]["grade"] == 75
    assert event["actor"]["fullName"] == school.instructor.full_name
    cleared = await override(teacher, enrollment, clear=True, reason="Back to the computed grade")
    assert cleared["enrollment"] == {"grade": 25.0, "gradeDisplay": "25%", "passed": False, "gradeOverridden": False}


async def test_an_override_may_fail_a_passing_grade_explicitly(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=50)
    [enrollment] = await school.enroll(course, school.learners[1])
    answer = await override(school.api, enrollment, grade=80, passed=False, reason="Plagiarism")
    assert answer["enrollment"]["passed"] is False and answer["enrollment"]["grade"] == 80.0


OVERRIDE_REFUSALS = [
    ({"grade": 80, "reason": "  "}, ["reason"], "REQUIRED"),
    ({"grade": 100.5, "reason": "typo"}, ["grade"], "SCORE_OUT_OF_RANGE"),
    ({"reason": "no grade"}, ["grade"], "REQUIRED"),
    ({"grade": 50, "clear": True, "reason": "both"}, ["clear"], "INVALID"),
    ({"grade": 80, "reason": "x" * 1001}, ["reason"], "TOO_LONG"),
]


@pytest.mark.parametrize(("fields", "field", "code"), OVERRIDE_REFUSALS)
async def test_a_refused_override_changes_nothing(school: School, fields: Any, field: list[str], code: str) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    await school.score(enrollment, module, 30)
    before = await school.enrollment(enrollment)
    answer = await override(school.api, enrollment, **fields)
    assert answer["enrollment"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [(field, code)]
    assert await school.enrollment(enrollment) == before
    assert (await school.api.data(AUDIT, {"target": enrollment}))["auditEvents"]["nodes"] == []


async def test_an_ungraded_course_takes_no_override(school: School) -> None:
    [enrollment] = await school.enroll(await school.course(rule=GradingRule.NO_GRADING))
    answer = await override(school.api, enrollment, grade=90, reason="why not")
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [(["enrollmentId"], "COURSE_NOT_GRADED")]
    assert (await school.enrollment(enrollment))["grade"] is None


async def test_who_may_override(school: School, session: AsyncSession) -> None:
    """Admins and the course's instructors; a learner is FORBIDDEN (even their own); another
    course's instructor does not see the enrollment (NOT_FOUND)."""
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    [enrollment] = await school.enroll(course)
    stranger = await make_user(session, school.portal, role=Role.INSTRUCTOR)
    learner = school.api.signed_in(school.learners[0], "acme")
    body = (await learner.post(OVERRIDE, {"input": {"enrollmentId": enrollment, "grade": 100, "reason": "me"}})).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await override(school.api.signed_in(stranger, "acme"), enrollment, grade=100, reason="not mine")
    assert [(e["field"], e["code"]) for e in other["errors"]] == [(["enrollmentId"], "NOT_FOUND")]
    assert (await school.enrollment(enrollment))["grade"] is None
    assert (await override(school.api, enrollment, grade=10, reason="admin"))["errors"] == []


async def test_recomputing_grades_costs_one_statement_for_1_or_50_enrollments(
    school: School, session: AsyncSession, count_sql: Any
) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    learners = [await make_user(session, school.portal) for _ in range(50)]
    ids = await school.enroll(course, *learners)
    await school.score(ids[0], module, 64)
    rows = list(await session.scalars(select(Enrollment.id).where(Enrollment.course_id == course.id)))
    counts = []
    for chosen in (rows[:1], rows):
        with count_sql() as sql:
            await grades.recompute(session, chosen)
            await session.commit()
        counts.append(len([s for s in sql.statements if s.lstrip().upper().startswith("UPDATE")]))
    assert counts == [1, 1]
    stmt = select(Enrollment.id, Enrollment.grade).where(Enrollment.course_id == course.id)
    graded = {row.id: row.grade for row in await session.execute(stmt)}
    assert sorted(graded.values(), key=lambda g: g or 0) == [None] * 49 + [64.0]


async def test_a_course_wide_regrade_costs_the_same_statements_for_1_or_50_learners(
    school: School, session: AsyncSession, count_sql: Any
) -> None:
    counts = []
    for size in (1, 50):
        course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
        await school.external(course)
        await school.enroll(course, *[await make_user(session, school.portal) for _ in range(size)])
        with count_sql() as sql:
            assert (await school.update_course(course, minPassingPercentage=55))["errors"] == []
        counts.append(sql.count)
    assert counts[0] == counts[1]


MODULE_CREATE = """mutation($input: ModuleCreateInput!) { moduleCreate(input: $input) {
  module { id } errors { field code } } }"""
MODULE_DELETE = """mutation($input: ModuleDeleteInput!) { moduleDelete(input: $input) { errors { field code } } }"""


async def test_adding_or_deleting_a_scored_module_regrades_the_course(school: School) -> None:
    """A quiz nobody took yet counts 0 (R20): 80 alone, then (80 + 0) / 2, then 80 again."""
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    await school.score(enrollment, module, 80, completed=False)
    created = await school.api.data(
        MODULE_CREATE, {"input": {"courseId": gid(course), "kind": "QUIZ", "title": "Final quiz"}}
    )
    assert created["moduleCreate"]["errors"] == []
    assert (await school.enrollment(enrollment))["grade"] == 40.0
    quiz = created["moduleCreate"]["module"]["id"]
    deleted = await school.api.data(MODULE_DELETE, {"input": {"moduleId": quiz}})
    assert deleted["moduleDelete"]["errors"] == []
    assert (await school.enrollment(enrollment))["grade"] == 80.0
