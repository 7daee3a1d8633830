"""Learning paths (003 R27): at least two courses, prerequisites lock later courses, path progress,
completion and the path's certificate."""

import re
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseStatus
from models.users import Role
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user
from tests.graph.grades.school import A_TEMPLATE, TEMPLATE

CODE = re.compile(r"CG-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")

CREATE = """mutation($i: LearningPathCreateInput!) { learningPathCreate(input: $i) {
  learningPath { id slug status courses { position isPrerequisite course { title } } } errors { field code } } }"""
UPDATE = """mutation($i: LearningPathUpdateInput!) { learningPathUpdate(input: $i) {
  learningPath { status courses { course { title } } } errors { field code } } }"""
ENROLL = """mutation($i: LearningPathEnrollInput!) { learningPathEnroll(input: $i) {
  enrollments { user { fullName } progress { display } isCompleted } errors { field code } } }"""
COMPLETE = "mutation($i: ModuleCompleteInput!) { moduleComplete(input: $i) { errors { field code } } }"
MINE = "{ viewer { enrollments { nodes { id course { title } } } } }"


@pytest.fixture
async def catalog(api: Api, session: AsyncSession) -> dict[str, Any]:
    acme = await make_portal(session, slug="acme")
    courses = [await make_course(session, acme, title=t, status=CourseStatus.PUBLISHED) for t in ("Basics", "Advanced")]
    modules = [await make_module(session, c) for c in courses]
    learner = await make_user(session, acme, role=Role.LEARNER, full_name="Ada")
    return {"api": api.acting_in("acme"), "me": api.signed_in(learner, "acme"), "courses": courses, "modules": modules,
            "learner": learner}  # fmt: skip


def path_input(catalog: dict[str, Any], **extra: Any) -> dict[str, Any]:
    basics, advanced = catalog["courses"]
    courses = [{"courseId": gid(basics), "isPrerequisite": True}, {"courseId": gid(advanced)}]
    return {"name": "Data Track", "courses": courses, "status": "PUBLISHED", **extra}


async def test_a_path_needs_two_different_courses(catalog: dict[str, Any]) -> None:
    one = [{"courseId": gid(catalog["courses"][0])}]
    for courses in (one, one * 2):
        payload = (await catalog["api"].data(CREATE, {"i": {"name": "Solo", "courses": courses}}))["learningPathCreate"]
        assert payload == {"learningPath": None, "errors": [{"field": ["courses"], "code": "INVALID"}]}
    assert (await catalog["api"].data("{ learningPaths { totalCount } }"))["learningPaths"]["totalCount"] == 0


async def test_create_orders_the_courses_and_update_replaces_them(catalog: dict[str, Any]) -> None:
    made = (await catalog["api"].data(CREATE, {"i": path_input(catalog)}))["learningPathCreate"]
    path = made["learningPath"]
    assert (path["slug"], path["status"]) == ("data-track", "PUBLISHED")
    assert [(c["position"], c["isPrerequisite"], c["course"]["title"]) for c in path["courses"]] == [
        (0, True, "Basics"),
        (1, False, "Advanced"),
    ]
    basics, advanced = catalog["courses"]
    reordered = [{"courseId": gid(advanced)}, {"courseId": gid(basics)}]
    updated = await catalog["api"].data(
        UPDATE, {"i": {"learningPathId": path["id"], "courses": reordered, "status": "DRAFT"}}
    )
    assert updated["learningPathUpdate"]["learningPath"] == {
        "status": "DRAFT",
        "courses": [{"course": {"title": "Advanced"}}, {"course": {"title": "Basics"}}],
    }


async def test_enrolling_in_a_path_enrolls_in_every_course_and_prerequisites_lock(catalog: dict[str, Any]) -> None:
    path = (await catalog["api"].data(CREATE, {"i": path_input(catalog)}))["learningPathCreate"]["learningPath"]
    enrolled = await catalog["api"].data(
        ENROLL, {"i": {"learningPathId": path["id"], "userIds": [gid(catalog["learner"]), "bad"]}}
    )
    payload = enrolled["learningPathEnroll"]
    assert payload["enrollments"] == [
        {"user": {"fullName": "Ada"}, "progress": {"display": "0/2"}, "isCompleted": False}
    ]
    assert payload["errors"] == [{"field": ["userIds", "1"], "code": "NOT_FOUND"}]
    mine = {e["course"]["title"]: e["id"] for e in (await catalog["me"].data(MINE))["viewer"]["enrollments"]["nodes"]}
    assert set(mine) == {"Basics", "Advanced"}
    basics_module, advanced_module = (gid(m) for m in catalog["modules"])
    locked = await catalog["me"].data(COMPLETE, {"i": {"enrollmentId": mine["Advanced"], "moduleId": advanced_module}})
    assert locked["moduleComplete"]["errors"] == [{"field": ["moduleId"], "code": "MODULE_NOT_AVAILABLE"}]
    for course, module in (("Basics", basics_module), ("Advanced", advanced_module)):
        done = await catalog["me"].data(COMPLETE, {"i": {"enrollmentId": mine[course], "moduleId": module}})
        assert done["moduleComplete"]["errors"] == []
    progress = "{ learningPaths { nodes { enrollments { progress { display } isCompleted } } } }"
    seen = (await catalog["me"].data(progress))["learningPaths"]["nodes"][0]["enrollments"]
    assert seen == [{"progress": {"display": "2/2"}, "isCompleted": True}]


async def test_a_draft_path_takes_no_enrollment_and_learners_do_not_see_it(catalog: dict[str, Any]) -> None:
    path = (await catalog["api"].data(CREATE, {"i": path_input(catalog, status="DRAFT")}))["learningPathCreate"]
    refused = await catalog["api"].data(
        ENROLL, {"i": {"learningPathId": path["learningPath"]["id"], "userIds": [gid(catalog["learner"])]}}
    )
    assert refused["learningPathEnroll"]["errors"] == [{"field": ["learningPathId"], "code": "NOT_ALLOWED_IN_STATE"}]
    assert (await catalog["me"].data("{ learningPaths { totalCount } }"))["learningPaths"]["totalCount"] == 0
    assert (await catalog["me"].data(MINE))["viewer"]["enrollments"]["nodes"] == []


PATH_CERTIFICATE = """{ learningPaths { nodes { certificateTemplate { name } certificateExpiresAfter
  enrollments { completedAt certificate { code status expiresAt course { title } learningPath { name }
  learningPathEnrollment { completedAt } } } } } }"""


async def path_with_template(catalog: dict[str, Any], **extra: Any) -> str:
    template = (await catalog["api"].data(TEMPLATE, {"input": A_TEMPLATE}))["certificateTemplateCreate"]
    made = await catalog["api"].data(
        CREATE,
        {"i": path_input(catalog, certificateTemplateId=template["certificateTemplate"]["id"], **extra)},
    )
    assert made["learningPathCreate"]["errors"] == []
    return made["learningPathCreate"]["learningPath"]["id"]


async def complete_courses(catalog: dict[str, Any], *titles: str) -> None:
    mine = {e["course"]["title"]: e["id"] for e in (await catalog["me"].data(MINE))["viewer"]["enrollments"]["nodes"]}
    modules = dict(zip(("Basics", "Advanced"), (gid(m) for m in catalog["modules"]), strict=True))
    for title in titles:
        done = await catalog["me"].data(COMPLETE, {"i": {"enrollmentId": mine[title], "moduleId": modules[title]}})
        assert done["moduleComplete"]["errors"] == []


async def test_completing_the_last_course_completes_the_path_and_issues_its_certificate(
    catalog: dict[str, Any],
) -> None:
    path = await path_with_template(catalog, certificateExpiresAfter=30)
    await catalog["api"].data(ENROLL, {"i": {"learningPathId": path, "userIds": [gid(catalog["learner"])]}})
    await complete_courses(catalog, "Basics")
    [before] = (await catalog["me"].data(PATH_CERTIFICATE))["learningPaths"]["nodes"]
    assert before["enrollments"] == [{"completedAt": None, "certificate": None}]
    await complete_courses(catalog, "Advanced")
    [after] = (await catalog["me"].data(PATH_CERTIFICATE))["learningPaths"]["nodes"]
    assert (after["certificateTemplate"], after["certificateExpiresAfter"]) == ({"name": "Classic"}, 30)
    [enrollment] = after["enrollments"]
    certificate = enrollment["certificate"]
    assert enrollment["completedAt"] == "2026-01-05T09:00:00Z"
    assert CODE.fullmatch(certificate.pop("code"))
    assert certificate == {
        "status": "ACTIVE",
        "expiresAt": "2026-02-04T09:00:00Z",
        "course": None,
        "learningPath": {"name": "Data Track"},
        "learningPathEnrollment": {"completedAt": "2026-01-05T09:00:00Z"},
    }
    owned = "{ viewer { certificates(first: 5) { nodes { learningPath { name } course { title } } } } }"
    held = (await catalog["me"].data(owned))["viewer"]["certificates"]["nodes"]
    assert held == [{"learningPath": {"name": "Data Track"}, "course": None}]


async def test_a_learner_who_already_completed_every_course_completes_the_path_on_enrolling(
    catalog: dict[str, Any],
) -> None:
    basics, advanced = catalog["courses"]
    enroll = "mutation($i: EnrollmentCreateInput!) { enrollmentCreate(input: $i) { errors { code } } }"
    for course in (basics, advanced):
        await catalog["api"].data(enroll, {"i": {"courseId": gid(course), "userIds": [gid(catalog["learner"])]}})
    await complete_courses(catalog, "Basics", "Advanced")
    path = await path_with_template(catalog)
    await catalog["api"].data(ENROLL, {"i": {"learningPathId": path, "userIds": [gid(catalog["learner"])]}})
    [seen] = (await catalog["me"].data(PATH_CERTIFICATE))["learningPaths"]["nodes"]
    assert seen["enrollments"][0]["certificate"]["learningPath"] == {"name": "Data Track"}


async def test_a_path_completed_before_it_had_a_template_earns_the_certificate_when_it_gets_one(
    catalog: dict[str, Any],
) -> None:
    path = (await catalog["api"].data(CREATE, {"i": path_input(catalog)}))["learningPathCreate"]["learningPath"]["id"]
    await catalog["api"].data(ENROLL, {"i": {"learningPathId": path, "userIds": [gid(catalog["learner"])]}})
    await complete_courses(catalog, "Basics", "Advanced")
    [seen] = (await catalog["me"].data(PATH_CERTIFICATE))["learningPaths"]["nodes"]
    assert seen["enrollments"][0]["completedAt"] == "2026-01-05T09:00:00Z"
    assert seen["enrollments"][0]["certificate"] is None
    template = (await catalog["api"].data(TEMPLATE, {"input": A_TEMPLATE}))["certificateTemplateCreate"]
    changed = await catalog["api"].data(
        UPDATE, {"i": {"learningPathId": path, "certificateTemplateId": template["certificateTemplate"]["id"]}}
    )
    assert changed["learningPathUpdate"]["errors"] == []
    [seen] = (await catalog["me"].data(PATH_CERTIFICATE))["learningPaths"]["nodes"]
    assert seen["enrollments"][0]["certificate"]["status"] == "ACTIVE"


async def test_a_path_takes_only_its_portals_templates_and_valid_durations(
    catalog: dict[str, Any], api: Api, session: AsyncSession
) -> None:
    await make_portal(session, slug="globex")
    theirs = (await api.acting_in("globex").data(TEMPLATE, {"input": A_TEMPLATE}))["certificateTemplateCreate"]
    refused = await catalog["api"].data(
        CREATE,
        {"i": path_input(catalog, certificateTemplateId=theirs["certificateTemplate"]["id"])},
    )
    assert refused["learningPathCreate"]["errors"] == [{"field": ["certificateTemplateId"], "code": "NOT_FOUND"}]
    invalid = await catalog["api"].data(CREATE, {"i": path_input(catalog, certificateExpiresAfter=0)})
    assert invalid["learningPathCreate"]["errors"] == [{"field": ["certificateExpiresAfter"], "code": "INVALID"}]
    assert (await catalog["api"].data("{ learningPaths { totalCount } }"))["learningPaths"]["totalCount"] == 0
