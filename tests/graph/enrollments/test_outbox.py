"""Webhook events land in the outbox with the change that causes them, and only then."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseStatus
from models.enrollments import OutboxEvent
from models.users import Role
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user

USER_CREATE = """mutation($i: UserCreateInput!) { userCreate(input: $i) { user { id } errors { code } } }"""
ENROLL = (
    """mutation($i: EnrollmentCreateInput!) { enrollmentCreate(input: $i) { enrollments { id } errors { code } } }"""
)
COMPLETE = "mutation($i: ModuleCompleteInput!) { moduleComplete(input: $i) { errors { code } } }"


async def events(session: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.occurred_at, OutboxEvent.event))
    found = [(row.event, row.data) for row in rows]
    await session.commit()
    return found


async def test_account_enrollment_and_completion_events(api: Api, session: AsyncSession) -> None:
    acme = await make_portal(session, slug="acme")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    module = await make_module(session, course)
    admin = api.acting_in("acme")
    created = await admin.data(USER_CREATE, {"i": {"email": "ada@acme.test", "fullName": "Ada", "role": "LEARNER"}})
    user_id = created["userCreate"]["user"]["id"]
    again = await admin.data(USER_CREATE, {"i": {"email": "ada@acme.test", "fullName": "Ada", "role": "LEARNER"}})
    assert again["userCreate"]["errors"] == [{"code": "DUPLICATE"}]  # refused: no second event
    enrolled = await admin.data(ENROLL, {"i": {"courseId": gid(course), "userIds": [user_id, user_id]}})
    enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
    await admin.data(ENROLL, {"i": {"courseId": gid(course), "userIds": [user_id]}})  # already enrolled: no event
    await admin.data(COMPLETE, {"i": {"enrollmentId": enrollment, "moduleId": gid(module)}})
    written = dict(await events(session))  # the frozen clock gives them one time: compare as a set
    assert sorted(written) == ["course_completed", "course_enrolled", "new_account_created"]
    assert len(await events(session)) == 3
    assert written["new_account_created"]["email"] == "ada@acme.test"
    assert written["course_enrolled"]["enrollmentId"] == written["course_completed"]["enrollmentId"]


async def test_a_refused_enrollment_writes_no_event(api: Api, session: AsyncSession) -> None:
    acme = await make_portal(session, slug="acme")
    draft = await make_course(session, acme, status=CourseStatus.DRAFT)
    learner = await make_user(session, acme, role=Role.LEARNER)
    refused = await api.acting_in("acme").data(ENROLL, {"i": {"courseId": gid(draft), "userIds": [gid(learner)]}})
    assert refused["enrollmentCreate"]["errors"] == [{"code": "COURSE_NOT_PUBLISHED"}]
    assert await events(session) == []
