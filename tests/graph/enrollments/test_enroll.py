"""enrollmentCreate and the access operations of 003, through the API on both databases."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseInstructor, CourseStatus, DurationRule
from models.modules import DripRule
from models.portals import Portal
from models.users import Membership, Role, User
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user

ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) {
  enrollments { id status access enrolledAt expiresAt user { fullName } progress { completed total percent display } }
  errors { field code message } } }"""
BULK = """mutation($input: EnrollmentIdsInput!) { %s(input: $input) {
  enrollments { id access status } errors { field code } } }"""
COMPLETE = """mutation($input: ModuleCompleteInput!) { moduleComplete(input: $input) {
  moduleProgress { status isAvailable } enrollment { status startedAt completedAt progress { display percent } }
  errors { field code } } }"""
COUNT = '{ enrollments(filter: {courseId: "%s"}) { totalCount } }'


@dataclass
class Academy:
    api: Api
    portal: Portal
    learners: list[User]
    course: Any


@pytest.fixture
async def academy(api: Api, session: AsyncSession) -> Academy:
    portal = await make_portal(session, slug="acme")
    learners = [await make_user(session, portal, role=Role.LEARNER) for _ in range(3)]
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED)
    return Academy(api.acting_in("acme"), portal, learners, course)


async def enroll(academy: Academy, *user_ids: str, course: Any = None) -> dict[str, Any]:
    variables = {"input": {"courseId": gid(course or academy.course), "userIds": list(user_ids)}}
    return (await academy.api.data(ENROLL, variables))["enrollmentCreate"]


async def total(academy: Academy) -> int:
    return (await academy.api.data(COUNT % gid(academy.course)))["enrollments"]["totalCount"]


async def test_enrolls_many_and_reports_each_refused_id(academy: Academy, session: AsyncSession) -> None:
    stranger = await make_user(session, await make_portal(session, slug="globex"))
    ids = [gid(academy.learners[0]), "not-an-id", gid(stranger), gid(academy.learners[1])]
    payload = await enroll(academy, *ids)
    assert [e["user"]["fullName"] for e in payload["enrollments"]] == [u.full_name for u in academy.learners[:2]]
    assert {(tuple(e["field"]), e["code"]) for e in payload["errors"]} == {
        (("userIds", "1"), "NOT_FOUND"),
        (("userIds", "2"), "NOT_FOUND"),
    }
    first = payload["enrollments"][0]
    assert (first["status"], first["access"], first["expiresAt"]) == ("NOT_STARTED", "ACTIVE", None)
    assert first["enrolledAt"] == "2026-01-05T09:00:00Z"
    assert await total(academy) == 2


async def test_enrolling_again_returns_the_existing_enrollment(academy: Academy) -> None:
    first = await enroll(academy, gid(academy.learners[0]))
    again = await enroll(academy, gid(academy.learners[0]), gid(academy.learners[0]))
    assert again["errors"] == []
    assert [e["id"] for e in again["enrollments"]] == [first["enrollments"][0]["id"]]
    assert await total(academy) == 1


async def test_a_draft_course_takes_no_enrollment(academy: Academy, session: AsyncSession) -> None:
    draft = await make_course(session, academy.portal, status=CourseStatus.DRAFT)
    payload = await enroll(academy, gid(academy.learners[0]), course=draft)
    assert payload["enrollments"] == []
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["courseId"], "COURSE_NOT_PUBLISHED")]


async def test_seats_run_out_per_learner_not_per_enrollment(academy: Academy, session: AsyncSession) -> None:
    academy.portal.total_seats = 2
    session.add(academy.portal)
    await session.commit()
    other = await make_course(session, academy.portal, status=CourseStatus.PUBLISHED)
    await enroll(academy, gid(academy.learners[0]), course=other)
    payload = await enroll(academy, *(gid(u) for u in academy.learners))
    assert len(payload["enrollments"]) == 2  # learner 0 already holds a seat; learner 1 takes the last
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["userIds", "2"], "NO_SEATS_LEFT")]


async def test_duration_x_days_after_enrollment_sets_the_expiry(academy: Academy, session: AsyncSession) -> None:
    course = await make_course(
        session, academy.portal, status=CourseStatus.PUBLISHED,
        duration_rule=DurationRule.X_DAYS_AFTER_ENROLLMENT, duration_days=30,
    )  # fmt: skip
    payload = await enroll(academy, gid(academy.learners[0]), course=course)
    assert payload["enrollments"][0]["expiresAt"] == "2026-02-04T09:00:00Z"


async def test_revoke_then_grant_keeps_the_enrollment(academy: Academy) -> None:
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    ids = {"input": {"enrollmentIds": [enrollment, enrollment]}}
    revoked = (await academy.api.data(BULK % "enrollmentRevoke", ids))["enrollmentRevoke"]
    assert [e["access"] for e in revoked["enrollments"]] == ["REVOKED"]
    again = (await academy.api.data(BULK % "enrollmentRevoke", ids))["enrollmentRevoke"]
    assert again["errors"] == [] and again["enrollments"][0]["access"] == "REVOKED"
    granted = (await academy.api.data(BULK % "enrollmentGrant", ids))["enrollmentGrant"]
    assert [e["access"] for e in granted["enrollments"]] == ["ACTIVE"]


async def test_remove_deletes_and_reports_unknown_ids(academy: Academy) -> None:
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    removed = await academy.api.data(BULK % "enrollmentRemove", {"input": {"enrollmentIds": [enrollment, "x"]}})
    assert [e["id"] for e in removed["enrollmentRemove"]["enrollments"]] == [enrollment]
    assert removed["enrollmentRemove"]["errors"] == [{"field": ["enrollmentIds", "1"], "code": "NOT_FOUND"}]
    assert await total(academy) == 0


async def test_completing_every_module_completes_the_course(academy: Academy, session: AsyncSession) -> None:
    modules = [await make_module(session, academy.course, position=i) for i in range(2)]
    learner = academy.learners[0]
    enrollment = (await enroll(academy, gid(learner)))["enrollments"][0]["id"]
    me = academy.api.signed_in(learner, "acme")
    first = await me.data(COMPLETE, {"input": {"enrollmentId": enrollment, "moduleId": gid(modules[0])}})
    step = first["moduleComplete"]
    assert step["errors"] == [] and step["moduleProgress"]["status"] == "COMPLETED"
    assert step["enrollment"]["status"] == "IN_PROGRESS"
    assert step["enrollment"]["progress"] == {"display": "1/2", "percent": 50.0}
    last = await me.data(COMPLETE, {"input": {"enrollmentId": enrollment, "moduleId": gid(modules[1])}})
    done = last["moduleComplete"]["enrollment"]
    assert (done["status"], done["completedAt"], done["progress"]["display"]) == (
        "COMPLETED",
        "2026-01-05T09:00:00Z",
        "2/2",
    )


async def test_an_expired_enrollment_cannot_complete_modules(
    academy: Academy, session: AsyncSession, clock: FrozenClock
) -> None:
    module = await make_module(session, academy.course)
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    update = """mutation($input: EnrollmentUpdateInput!) {
      enrollmentUpdate(input: $input) { enrollment { access } errors { code } } }"""
    ended = await academy.api.data(update, {"input": {"enrollmentId": enrollment, "expired": True}})
    clock.advance(seconds=1)
    assert ended["enrollmentUpdate"]["errors"] == []
    me = academy.api.signed_in(academy.learners[0], "acme")
    refused = await me.data(COMPLETE, {"input": {"enrollmentId": enrollment, "moduleId": gid(module)}})
    assert refused["moduleComplete"]["errors"] == [{"field": ["enrollmentId"], "code": "ENROLLMENT_EXPIRED"}]


async def test_enrolling_a_thousand_users_costs_what_enrolling_one_costs(
    academy: Academy, session: AsyncSession, count_sql: Any
) -> None:
    users = [User(email=f"u{i}@acme.test", full_name=f"U {i}", classroom_user_id=f"u{i}") for i in range(1000)]
    session.add_all(users)
    await session.flush()
    session.add_all(Membership(portal_id=academy.portal.id, user_id=u.id, role=Role.LEARNER) for u in users)
    await session.commit()
    await academy.api.credentials.api_key("acme")
    with count_sql() as one:
        assert len((await enroll(academy, gid(academy.learners[0])))["enrollments"]) == 1
    other = await make_course(session, academy.portal, status=CourseStatus.PUBLISHED)
    with count_sql() as thousand:
        payload = await enroll(academy, *(gid(u) for u in users), course=other)
    assert len(payload["enrollments"]) == 1000 and payload["errors"] == []
    assert thousand.count == one.count, thousand.statements


async def test_an_instructor_sees_the_learners_of_the_courses_they_teach(
    academy: Academy, session: AsyncSession
) -> None:
    teacher = await make_user(session, academy.portal, role=Role.INSTRUCTOR)
    session.add(CourseInstructor(portal_id=academy.portal.id, course_id=academy.course.id, user_id=teacher.id))
    await session.commit()
    instructor = academy.api.signed_in(teacher, "acme")
    query = "{ users(role: LEARNER) { nodes { fullName email } } enrollments { totalCount } }"
    assert await instructor.data(query) == {"users": {"nodes": []}, "enrollments": {"totalCount": 0}}
    await enroll(academy, gid(academy.learners[0]))
    seen = await instructor.data(query)
    assert seen["users"]["nodes"] == [{"fullName": academy.learners[0].full_name, "email": None}]
    assert seen["enrollments"]["totalCount"] == 1


async def test_only_admins_enroll(academy: Academy, session: AsyncSession) -> None:
    teacher = await make_user(session, academy.portal, role=Role.INSTRUCTOR)
    body = (
        await academy.api.signed_in(teacher, "acme").post(
            ENROLL, {"input": {"courseId": gid(academy.course), "userIds": []}}
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.postgres_only
async def test_concurrent_enrolments_of_one_user_leave_exactly_one(academy: Academy) -> None:
    """Ten requests at once, each its own transaction: all succeed, one row exists."""
    await academy.api.credentials.api_key("acme")
    payloads = await asyncio.gather(*(enroll(academy, gid(academy.learners[0])) for _ in range(10)))
    assert all(p["errors"] == [] and len(p["enrollments"]) == 1 for p in payloads)
    assert len({p["enrollments"][0]["id"] for p in payloads}) == 1
    assert await total(academy) == 1


async def test_reset_after_completion_starts_over_and_keeps_access(academy: Academy, session: AsyncSession) -> None:
    module = await make_module(session, academy.course)
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    me = academy.api.signed_in(academy.learners[0], "acme")
    done = await me.data(COMPLETE, {"input": {"enrollmentId": enrollment, "moduleId": gid(module)}})
    assert done["moduleComplete"]["enrollment"]["status"] == "COMPLETED"
    query = """mutation($input: EnrollmentIdsInput!) { enrollmentResetProgress(input: $input) {
      enrollments { status access startedAt completedAt progress { display } moduleProgress { status } } } }"""
    reset = (await academy.api.data(query, {"input": {"enrollmentIds": [enrollment]}}))["enrollmentResetProgress"]
    assert reset["enrollments"] == [
        {
            "status": "NOT_STARTED",
            "access": "ACTIVE",
            "startedAt": None,
            "completedAt": None,
            "progress": {"display": "0/1"},
            "moduleProgress": [{"status": "NOT_STARTED"}],
        }
    ]


async def test_revoked_access_refuses_completion_until_granted(academy: Academy, session: AsyncSession) -> None:
    module = await make_module(session, academy.course)
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    await academy.api.data(BULK % "enrollmentRevoke", {"input": {"enrollmentIds": [enrollment]}})
    me = academy.api.signed_in(academy.learners[0], "acme")
    complete = {"input": {"enrollmentId": enrollment, "moduleId": gid(module)}}
    refused = (await me.data(COMPLETE, complete))["moduleComplete"]
    assert refused["errors"] == [{"field": ["enrollmentId"], "code": "ACCESS_REVOKED"}]
    await academy.api.data(BULK % "enrollmentGrant", {"input": {"enrollmentIds": [enrollment]}})
    assert (await me.data(COMPLETE, complete))["moduleComplete"]["errors"] == []


async def test_an_expiry_extended_by_hand_lets_the_learner_go_on(
    academy: Academy, session: AsyncSession, clock: FrozenClock
) -> None:
    course = await make_course(
        session, academy.portal, status=CourseStatus.PUBLISHED,
        duration_rule=DurationRule.X_DAYS_AFTER_ENROLLMENT, duration_days=1,
    )  # fmt: skip
    module = await make_module(session, course)
    enrollment = (await enroll(academy, gid(academy.learners[0]), course=course))["enrollments"][0]["id"]
    clock.advance(days=2)
    me = academy.api.signed_in(academy.learners[0], "acme")
    complete = {"input": {"enrollmentId": enrollment, "moduleId": gid(module)}}
    assert (await me.data(COMPLETE, complete))["moduleComplete"]["errors"][0]["code"] == "ENROLLMENT_EXPIRED"
    update = """mutation($input: EnrollmentUpdateInput!) {
      enrollmentUpdate(input: $input) { enrollment { access expiresAt } errors { code } } }"""
    extended = await academy.api.data(
        update, {"input": {"enrollmentId": enrollment, "expiresAt": "2026-03-01T00:00:00Z"}}
    )
    assert extended["enrollmentUpdate"]["enrollment"] == {"access": "ACTIVE", "expiresAt": "2026-03-01T00:00:00Z"}
    assert (await me.data(COMPLETE, complete))["moduleComplete"]["errors"] == []


async def test_a_module_is_not_available_before_its_drip_date(academy: Academy, session: AsyncSession) -> None:
    later = await make_module(
        session, academy.course, drip_rule=DripRule.FIXED_DATE, drip_date=datetime(2026, 2, 1, tzinfo=UTC)
    )
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    me = academy.api.signed_in(academy.learners[0], "acme")
    refused = await me.data(COMPLETE, {"input": {"enrollmentId": enrollment, "moduleId": gid(later)}})
    assert refused["moduleComplete"]["errors"] == [{"field": ["moduleId"], "code": "MODULE_NOT_AVAILABLE"}]


async def test_a_learner_sees_an_enrollment_only_from_its_start_date(
    academy: Academy, session: AsyncSession, clock: FrozenClock
) -> None:
    enrollment = (await enroll(academy, gid(academy.learners[0])))["enrollments"][0]["id"]
    update = """mutation($input: EnrollmentUpdateInput!) {
      enrollmentUpdate(input: $input) { enrollment { startsAt } errors { code } } }"""
    moved = await academy.api.data(update, {"input": {"enrollmentId": enrollment, "startsAt": "2026-01-10T00:00:00Z"}})
    assert moved["enrollmentUpdate"] == {"enrollment": {"startsAt": "2026-01-10T00:00:00Z"}, "errors": []}
    mine = "{ viewer { enrollments { totalCount } } }"
    me = academy.api.signed_in(academy.learners[0], "acme")
    assert (await me.data(mine))["viewer"]["enrollments"]["totalCount"] == 0
    assert (await academy.api.data(COUNT % gid(academy.course)))["enrollments"]["totalCount"] == 1  # admins see it
    clock.advance(days=5)
    assert (await me.data(mine))["viewer"]["enrollments"]["totalCount"] == 1
