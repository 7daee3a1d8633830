"""externalActivityScore (004 scoreExternalActivity): the record, the grade, refusals, who may call."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import GradingRule
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_module, make_user
from tests.graph.grades.school import SCORE, School, build_school

BULK = """mutation($input: EnrollmentIdsInput!) { %s(input: $input) { errors { code } } }"""
UPDATE = """mutation($input: EnrollmentUpdateInput!) { enrollmentUpdate(input: $input) { errors { code } } }"""


@pytest.fixture
async def school(api: Api, session: AsyncSession) -> School:
    return await build_school(api, session)


async def test_a_score_completes_the_module_starts_the_course_and_moves_the_grade(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module, other = await school.external(course, 0), await school.external(course, 1)
    [enrollment] = await school.enroll(course)
    answer = await school.score(enrollment, module, 87.456, passed=True)
    assert answer["errors"] == []
    assert answer["moduleProgress"] == {
        "status": "COMPLETED",
        "score": 87.46,
        "passed": True,
        "attempts": 1,
        "completedAt": "2026-01-05T09:00:00Z",
    }
    shown = answer["enrollment"]
    assert (shown["status"], shown["startedAt"], shown["grade"]) == ("IN_PROGRESS", "2026-01-05T09:00:00Z", 43.73)
    again = await school.score(enrollment, module, 40)  # the latest score counts (003)
    assert again["moduleProgress"]["attempts"] == 2 and again["moduleProgress"]["passed"] is None
    assert again["enrollment"]["grade"] == 20.0
    assert (await school.score(enrollment, other, 100))["enrollment"]["status"] == "COMPLETED"


async def test_completed_false_records_the_score_and_leaves_the_module_open(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    answer = await school.score(enrollment, module, 55, completed=False)
    assert (answer["moduleProgress"]["status"], answer["moduleProgress"]["completedAt"]) == ("IN_PROGRESS", None)
    assert (answer["enrollment"]["status"], answer["enrollment"]["grade"]) == ("IN_PROGRESS", 55.0)


async def refused(school: School, api: Api, enrollment: str, module: Any, score: float) -> list[tuple[Any, str]]:
    """Posts a score that must be refused; the enrollment reads the same before and after."""
    before = await school.enrollment(enrollment)
    answer = await school.score(enrollment, module, score, api=api)
    assert (answer["moduleProgress"], answer["enrollment"]) == (None, None)
    assert await school.enrollment(enrollment) == before
    return [(e["field"], e["code"]) for e in answer["errors"]]


@pytest.mark.parametrize("score", [-0.01, 100.01, 250])
async def test_a_score_outside_0_to_100_is_refused(school: School, score: float) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    assert await refused(school, school.api, enrollment, module, score) == [(["score"], "SCORE_OUT_OF_RANGE")]


async def test_only_external_modules_take_a_score(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    text = await make_module(school.session, course)
    [enrollment] = await school.enroll(course)
    assert await refused(school, school.api, enrollment, text, 50) == [(["moduleId"], "WRONG_MODULE_KIND")]


async def test_a_module_of_another_course_is_not_found(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    elsewhere = await school.external(await school.course())
    [enrollment] = await school.enroll(course)
    assert await refused(school, school.api, enrollment, elsewhere, 50) == [(["moduleId"], "NOT_FOUND")]


async def test_revoked_access_takes_no_score(school: School) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    await school.api.data(BULK % "enrollmentRevoke", {"input": {"enrollmentIds": [enrollment]}})
    assert await refused(school, school.api, enrollment, module, 50) == [(["enrollmentId"], "ACCESS_REVOKED")]


async def test_an_expired_enrollment_takes_no_score(school: School, clock: FrozenClock) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    ended = await school.api.data(UPDATE, {"input": {"enrollmentId": enrollment, "expired": True}})
    assert ended["enrollmentUpdate"]["errors"] == []
    clock.advance(seconds=1)
    assert await refused(school, school.api, enrollment, module, 50) == [(["enrollmentId"], "ENROLLMENT_EXPIRED")]


async def test_the_course_instructor_posts_scores_another_instructor_does_not_see_the_enrollment(
    school: School, session: AsyncSession
) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    stranger = await make_user(session, school.portal, role=Role.INSTRUCTOR)
    other = school.api.signed_in(stranger, "acme")
    assert await refused(school, other, enrollment, module, 50) == [(["enrollmentId"], "NOT_FOUND")]
    teacher = school.api.signed_in(school.instructor, "acme")
    assert (await school.score(enrollment, module, 50, api=teacher))["errors"] == []


@pytest.mark.parametrize("caller", ["learner", "learner-key"])
async def test_learners_may_not_post_scores_not_even_their_own(school: School, caller: str) -> None:
    course = await school.course(rule=GradingRule.AVG_ALL_MODULES)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    api = (
        school.api.signed_in(school.learners[0], "acme")
        if caller == "learner"
        else school.api.acting_in("acme", Role.LEARNER)
    )
    variables = {"input": {"enrollmentId": enrollment, "moduleId": gid(module), "score": 100}}
    body = (await api.post(SCORE, variables)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await school.enrollment(enrollment))["moduleProgress"][0]["score"] is None
