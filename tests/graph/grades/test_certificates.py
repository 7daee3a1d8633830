"""Certificate templates, certificates issued on completion (R28), Assign Certificate, revocation."""

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import GradingRule
from models.enrollments import OutboxEvent
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import make_portal, make_user
from tests.graph.grades.school import A_TEMPLATE, TEMPLATE, School, build_school

CODE = re.compile(r"CG-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
BULK = """mutation($input: EnrollmentIdsInput!) { %s(input: $input) {
  enrollments { id certificate { code status revokedAt } } errors { field code } } }"""
MINE = """{ viewer { certificates(first: 10) { totalCount nodes { code status course { title } enrollment { id }
  template { name } user { fullName } } } } }"""
TEMPLATES = "{ certificateTemplates(first: 10) { totalCount nodes { name } } }"


@pytest.fixture
async def school(api: Api, session: AsyncSession) -> School:
    return await build_school(api, session)


async def certified_course(school: School, **fields: Any) -> Any:
    template = (await school.template())["certificateTemplate"]
    course = await school.course(**fields)
    changed = await school.update_course(course, certificateTemplateId=template["id"], certificateExpiresAfter=365)
    assert changed["errors"] == [] and changed["course"]["certificateTemplate"] == {"name": "Classic"}
    return course


async def test_a_template_is_created_with_its_fields(school: School) -> None:
    made = await school.template()
    assert made["errors"] == []
    template = made["certificateTemplate"]
    assert (template["name"], template["width"], template["height"]) == ("Classic", 1123, 794)
    assert template["fields"][0] == {
        "key": "STUDENT_FULL_NAME", "value": None, "fontSize": 32, "fontColor": "#000000", "top": 300, "left": 100,
    }  # fmt: skip
    assert (await school.api.data(TEMPLATES))["certificateTemplates"]["totalCount"] == 1


TEMPLATE_REFUSALS = [
    ({"fields": []}, [(["fields"], "REQUIRED")]),
    (
        {"width": 0},
        [(["width"], "INVALID"), (["fields", "0", "left"], "INVALID"), (["fields", "1", "left"], "INVALID")],
    ),
    ({"name": " "}, [(["name"], "REQUIRED")]),
    ({"backgroundUrl": "not a url"}, [(["backgroundUrl"], "INVALID")]),
    ({"fields": [{"key": "CUSTOM_TEXT", "top": 1, "left": 1}]}, [(["fields", "0", "value"], "REQUIRED")]),
    (
        {"fields": [{"key": "COURSE_NAME", "top": 1, "left": 1, "fontColor": "red"}]},
        [(["fields", "0", "fontColor"], "INVALID")],
    ),
    ({"fields": [{"key": "COURSE_NAME", "top": 900, "left": 1}]}, [(["fields", "0", "top"], "INVALID")]),
]


@pytest.mark.parametrize(("overrides", "errors"), TEMPLATE_REFUSALS)
async def test_a_refused_template_creates_nothing(school: School, overrides: Any, errors: Any) -> None:
    answer = await school.template(**overrides)
    assert answer["certificateTemplate"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == errors
    assert (await school.api.data(TEMPLATES))["certificateTemplates"]["totalCount"] == 0


async def test_only_admins_create_templates(school: School) -> None:
    for api in (school.api.signed_in(school.instructor, "acme"), school.api.signed_in(school.learners[0], "acme")):
        body = (await api.post(TEMPLATE, {"input": A_TEMPLATE})).json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await school.api.data(TEMPLATES))["certificateTemplates"]["totalCount"] == 0


async def test_a_course_takes_only_its_portals_templates(school: School, api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="globex")
    theirs = (await api.acting_in("globex").data(TEMPLATE, {"input": A_TEMPLATE}))["certificateTemplateCreate"]
    course = await school.course()
    refused = await school.update_course(course, certificateTemplateId=theirs["certificateTemplate"]["id"])
    assert refused["errors"] == [{"field": ["certificateTemplateId"], "code": "NOT_FOUND"}]
    assert (await school.update_course(course))["course"]["certificateTemplate"] is None


async def test_completing_a_course_issues_a_certificate_in_the_same_transaction(
    school: School, session: AsyncSession
) -> None:
    course = await certified_course(school, rule=GradingRule.NO_GRADING)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    assert (await school.enrollment(enrollment))["certificate"] is None
    done = (await school.score(enrollment, module, 10))["enrollment"]
    assert done["status"] == "COMPLETED" and CODE.fullmatch(done["certificate"]["code"])
    certificate = (await school.enrollment(enrollment))["certificate"]
    assert certificate == {
        "code": done["certificate"]["code"],
        "issuedAt": "2026-01-05T09:00:00Z",
        "expiresAt": "2027-01-05T09:00:00Z",
        "revokedAt": None,
        "status": "ACTIVE",
        "canRecertify": False,
    }
    mine = (await school.api.signed_in(school.learners[0], "acme").data(MINE))["viewer"]["certificates"]
    assert mine["totalCount"] == 1
    assert mine["nodes"][0]["code"] == certificate["code"] and mine["nodes"][0]["template"] == {"name": "Classic"}
    event = await session.scalar(select(OutboxEvent.data).where(OutboxEvent.event == "course_completed"))
    assert event is not None and event["certificateCode"] == certificate["code"] and event["passed"] is True


async def test_a_failed_graded_course_issues_none_until_an_override_passes_it(school: School) -> None:
    course = await certified_course(school, rule=GradingRule.AVG_ALL_MODULES, min_passing_percentage=70)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    done = (await school.score(enrollment, module, 50))["enrollment"]
    assert (done["status"], done["passed"], done["certificate"]) == ("COMPLETED", False, None)
    override = """mutation($input: GradeOverrideInput!) { gradeOverride(input: $input) { errors { code } } }"""
    fields = {"enrollmentId": enrollment, "grade": 70, "reason": "Appeal granted"}
    assert (await school.api.data(override, {"input": fields}))["gradeOverride"]["errors"] == []
    assert CODE.fullmatch((await school.enrollment(enrollment))["certificate"]["code"])


async def test_assign_certificate_ignores_completion_and_reports_each_refused_enrollment(school: School) -> None:
    certified = await certified_course(school)
    plain = await school.course()
    holder, newcomer = await school.enroll(certified, *school.learners[:2])
    [uncertified] = await school.enroll(plain)
    first = await school.api.data(BULK % "enrollmentAssignCertificate", {"input": {"enrollmentIds": [holder]}})
    held = first["enrollmentAssignCertificate"]["enrollments"][0]["certificate"]["code"]
    ids = [newcomer, uncertified, "nonsense", holder]
    answer = await school.api.data(BULK % "enrollmentAssignCertificate", {"input": {"enrollmentIds": ids}})
    result = answer["enrollmentAssignCertificate"]
    assert result["errors"] == [
        {"field": ["enrollmentIds", "1"], "code": "NO_CERTIFICATE_TEMPLATE"},
        {"field": ["enrollmentIds", "2"], "code": "NOT_FOUND"},
    ]
    shown = {e["id"]: e["certificate"] for e in result["enrollments"]}
    assert shown[holder]["code"] == held  # already holding one: kept, no error
    assert CODE.fullmatch(shown[newcomer]["code"]) and shown[newcomer]["code"] != held
    assert shown[uncertified] is None
    assert (await school.enrollment(newcomer))["status"] == "NOT_STARTED"


async def test_revoking_access_revokes_the_certificate_and_granting_issues_a_new_one(school: School) -> None:
    course = await certified_course(school)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    issued = (await school.score(enrollment, module, 90))["enrollment"]["certificate"]["code"]
    revoked = await school.api.data(BULK % "enrollmentRevoke", {"input": {"enrollmentIds": [enrollment]}})
    certificate = revoked["enrollmentRevoke"]["enrollments"][0]["certificate"]
    assert (certificate["code"], certificate["status"], certificate["revokedAt"]) == (
        issued, "REVOKED", "2026-01-05T09:00:00Z",
    )  # fmt: skip
    again = await school.api.data(BULK % "enrollmentAssignCertificate", {"input": {"enrollmentIds": [enrollment]}})
    assert again["enrollmentAssignCertificate"]["errors"] == [
        {"field": ["enrollmentIds", "0"], "code": "ACCESS_REVOKED"}
    ]
    granted = await school.api.data(BULK % "enrollmentGrant", {"input": {"enrollmentIds": [enrollment]}})
    renewed = granted["enrollmentGrant"]["enrollments"][0]["certificate"]
    assert renewed["status"] == "ACTIVE" and renewed["code"] != issued
    history = (await school.api.signed_in(school.learners[0], "acme").data(MINE))["viewer"]["certificates"]
    assert sorted(node["status"] for node in history["nodes"]) == ["ACTIVE", "REVOKED"]


async def test_a_certificate_expires_and_may_be_renewed_within_the_grace_period(
    school: School, clock: FrozenClock
) -> None:
    course = await certified_course(school)
    await school.update_course(course, certificateExpiresAfter=10, certificateExpiresAfterGracePeriod=5)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    await school.score(enrollment, module, 90)
    clock.advance(days=10)
    expired = (await school.enrollment(enrollment))["certificate"]
    assert (expired["expiresAt"], expired["status"], expired["canRecertify"]) == (
        "2026-01-15T09:00:00Z",
        "EXPIRED",
        True,
    )
    clock.advance(days=5, seconds=1)
    assert (await school.enrollment(enrollment))["certificate"]["canRecertify"] is False


async def test_other_learners_and_instructors_of_other_courses_do_not_see_a_certificate(
    school: School, session: AsyncSession
) -> None:
    course = await certified_course(school)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    code = (await school.score(enrollment, module, 90))["enrollment"]["certificate"]["code"]
    mine = await school.api.signed_in(school.learners[0], "acme").data(MINE.replace("code status", "id code status"))
    certificate = mine["viewer"]["certificates"]["nodes"][0]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on Certificate { code } } }"
    stranger = await make_user(session, school.portal, role=Role.INSTRUCTOR)
    for viewer in (school.learners[1], stranger):
        assert (await school.api.signed_in(viewer, "acme").data(query, {"id": certificate}))["node"] is None
    for viewer in (school.learners[0], school.instructor):
        assert (await school.api.signed_in(viewer, "acme").data(query, {"id": certificate}))["node"] == {"code": code}
    assert (await school.api.data(query, {"id": certificate}))["node"] == {"code": code}  # the portal's admin


async def test_removing_the_enrollment_leaves_the_certificate_to_its_learner(school: School) -> None:
    course = await certified_course(school)
    module = await school.external(course)
    [enrollment] = await school.enroll(course)
    code = (await school.score(enrollment, module, 90))["enrollment"]["certificate"]["code"]
    removed = await school.api.data(BULK % "enrollmentRemove", {"input": {"enrollmentIds": [enrollment]}})
    assert removed["enrollmentRemove"]["errors"] == []
    mine = (await school.api.signed_in(school.learners[0], "acme").data(MINE))["viewer"]["certificates"]["nodes"]
    assert [(n["code"], n["status"], n["enrollment"], n["course"]["title"]) for n in mine] == [
        (code, "ACTIVE", None, course.title)
    ]


@pytest.mark.postgres_only
async def test_concurrent_assignments_leave_one_certificate_in_force(school: School) -> None:
    """Eight requests at once, each its own transaction: all succeed and show the same certificate."""
    course = await certified_course(school)
    [enrollment] = await school.enroll(course)
    query = BULK % "enrollmentAssignCertificate"
    answers = await asyncio.gather(
        *(school.api.data(query, {"input": {"enrollmentIds": [enrollment]}}) for _ in range(8))
    )
    codes = {a["enrollmentAssignCertificate"]["enrollments"][0]["certificate"]["code"] for a in answers}
    assert all(a["enrollmentAssignCertificate"]["errors"] == [] for a in answers) and len(codes) == 1
    mine = (await school.api.signed_in(school.learners[0], "acme").data(MINE))["viewer"]["certificates"]
    assert mine["totalCount"] == 1
