"""Live sessions through the API on both databases, with the built-in provider: scheduling,
participants, cancelling, who sees which credential, and refusals that change nothing."""

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import parse_global_id
from models.live_sessions import ClassroomSegment, LiveSession, SegmentKind
from models.modules import ModuleKind
from models.users import Role
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved
from tests.graph.live_sessions.classroom import (
    ADD,
    CANCEL,
    ONE,
    REMOVE,
    SESSIONS,
    STARTS_AT,
    make_classroom,
)


async def count_sessions(session: AsyncSession) -> int:
    n = await session.scalar(select(func.count()).select_from(LiveSession))
    await session.commit()
    return n or 0


async def test_a_session_is_created_with_a_token_and_the_builtin_host_link(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    done = await room.create()
    assert done["errors"] == []
    live = done["liveSession"]
    token = live["classroomToken"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)  # 160 bits, letters and digits
    assert (
        live["hostUrl"]
        == f"https://classroom.learn-cube.com/classv3/?token={token}&user_id={room.host.classroom_user_id}"
    )
    assert live["meetingUrl"] == f"https://classroom.learn-cube.com/classv3/?token={token}"
    assert {k: live[k] for k in ("title", "startsAt", "durationMinutes", "status", "provider", "attendedSeconds")} == {
        "title": "Weekly clinic",
        "startsAt": STARTS_AT,
        "durationMinutes": 45,  # the module's
        "status": "SCHEDULED",
        "provider": "builtin",
        "attendedSeconds": 0,
    }
    assert (live["portal"], live["host"], live["course"], live["module"]) == (
        {"slug": "acme"},
        {"fullName": "Grace Host"},
        {"title": "Spanish"},
        {"title": "Clinic"},
    )
    assert live["joinUrl"] is None  # an API key is nobody: it neither hosts nor takes part


async def test_a_deactivated_learner_is_no_participant(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    created = (await room.create())["liveSession"]
    deactivated = await room.admin.data(
        "mutation($i: UserDeactivateInput!) { userDeactivate(input: $i) { errors { code } } }",
        {"i": {"userId": gid(room.learner)}},
    )
    assert deactivated["userDeactivate"]["errors"] == []
    done = await room.admin.data(ADD, {"input": {"liveSessionId": created["id"], "userIds": [gid(room.learner)]}})
    assert [e["code"] for e in done["liveSessionParticipantAdd"]["errors"]] == ["NOT_ENROLLED"]


async def test_two_sessions_never_share_a_token(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    first, second = await room.create(), await room.create(courseId=gid(room.course), moduleId=None)
    assert first["liveSession"]["classroomToken"] != second["liveSession"]["classroomToken"]
    assert second["liveSession"]["module"] is None and second["liveSession"]["durationMinutes"] == 60


async def test_the_host_defaults_to_the_caller_and_sees_the_host_link_as_their_join_url(
    api: Api, session: AsyncSession
) -> None:
    room = await make_classroom(api, session)
    await room.admin.data(
        "mutation($i: CourseUpdateInput!) { courseUpdate(input: $i) { errors { code } } }",
        {"i": {"courseId": gid(room.course), "instructorIds": [gid(room.host)]}},
    )
    done = await room.create(room.as_(room.host), hostId=None)
    assert done["errors"] == []
    assert done["liveSession"]["host"] == {"fullName": "Grace Host"}
    assert done["liveSession"]["joinUrl"] == done["liveSession"]["hostUrl"] is not None


async def test_participants_are_enrolled_learners_the_rest_reported_by_index(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    created = (await room.create())["liveSession"]
    ids = [gid(room.learner), gid(room.outsider), "not-an-id", gid(room.learner)]
    done = (await room.admin.data(ADD, {"input": {"liveSessionId": created["id"], "userIds": ids}}))[
        "liveSessionParticipantAdd"
    ]
    assert [(e["field"], e["code"]) for e in done["errors"]] == [
        (["userIds", "1"], "NOT_ENROLLED"),
        (["userIds", "2"], "NOT_FOUND"),
    ]
    token, learner_id = created["classroomToken"], room.learner.classroom_user_id
    join = f"https://classroom.learn-cube.com/classv3/?token={token}&user_id={learner_id}"
    assert done["participants"] == [{"user": {"fullName": "John Smith"}, "joinUrl": join}]
    assert done["liveSession"]["participants"]["nodes"] == [
        {
            "status": "INVITED",
            "joinUrl": join,
            "attendedSeconds": 0,
            "user": {"fullName": "John Smith"},
            "attendance": [],
        }
    ]
    again = await room.admin.data(ADD, {"input": {"liveSessionId": created["id"], "userIds": [gid(room.learner)]}})
    assert again["liveSessionParticipantAdd"]["errors"] == []  # already in: the wanted state
    assert again["liveSessionParticipantAdd"]["liveSession"]["participants"]["totalCount"] == 1


async def test_a_learner_sees_their_own_join_url_and_no_credentials(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    live = await room.session_with_learner()
    seen = (await room.as_(room.learner).data(ONE, {"id": live["id"]}))["node"]
    assert seen["joinUrl"] == live["participants"]["nodes"][0]["joinUrl"]
    assert (seen["classroomToken"], seen["hostUrl"], seen["meetingUrl"]) == (None, None, None)
    assert seen["participants"]["totalCount"] == 1
    outsider = await room.as_(room.outsider).data(SESSIONS)
    assert outsider["liveSessions"] == {"totalCount": 0, "nodes": []}


async def test_removing_participants_reports_those_not_in(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    live = await room.session_with_learner()
    ids = [gid(room.learner), gid(room.outsider)]
    done = (await room.admin.data(REMOVE, {"input": {"liveSessionId": live["id"], "userIds": ids}}))[
        "liveSessionParticipantRemove"
    ]
    assert [(e["field"], e["code"]) for e in done["errors"]] == [(["userIds", "1"], "NOT_FOUND")]
    assert done["liveSession"]["participants"]["totalCount"] == 0


async def test_a_cancelled_session_takes_nobody_and_cancelling_twice_is_no_error(
    api: Api, session: AsyncSession
) -> None:
    room = await make_classroom(api, session)
    live = (await room.create())["liveSession"]
    first = (await room.admin.data(CANCEL, {"input": {"liveSessionId": live["id"]}}))["liveSessionCancel"]
    assert first["errors"] == [] and first["liveSession"]["status"] == "CANCELLED"
    assert first["liveSession"]["cancelledAt"] == "2026-01-05T09:00:00Z"
    second = (await room.admin.data(CANCEL, {"input": {"liveSessionId": live["id"]}}))["liveSessionCancel"]
    assert second["errors"] == [] and second["liveSession"]["status"] == "CANCELLED"
    added = await room.admin.data(ADD, {"input": {"liveSessionId": live["id"], "userIds": [gid(room.learner)]}})
    assert [e["code"] for e in added["liveSessionParticipantAdd"]["errors"]] == ["NOT_ALLOWED_IN_STATE"]


async def test_bad_input_is_refused_and_nothing_is_saved(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    text = await make_module(session, room.course, kind=ModuleKind.TEXT)
    cases = [
        ({"moduleId": gid(text)}, ["moduleId"], "INVALID"),
        ({"moduleId": None}, ["courseId"], "REQUIRED"),
        ({"title": "  "}, ["title"], "REQUIRED"),
        ({"durationMinutes": 0}, ["durationMinutes"], "INVALID"),
        ({"hostId": gid(room.learner)}, ["hostId"], "INVALID"),
        ({"hostId": "garbage"}, ["hostId"], "NOT_FOUND"),
    ]
    for fields, path, code in cases:
        done = await room.create(**fields)
        assert done["liveSession"] is None
        assert [(e["field"], e["code"]) for e in done["errors"]] == [(path, code)], fields
    assert await count_sessions(session) == 0


async def test_a_learner_may_not_schedule_and_another_portal_sees_nothing(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    live = (await room.create())["liveSession"]
    refused = await room.as_(room.learner).post(
        "mutation($input: LiveSessionCreateInput!) { liveSessionCreate(input: $input) { errors { code } } }",
        {"input": {"courseId": gid(room.course), "title": "Mine", "startsAt": STARTS_AT}},
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    globex = await make_portal(session, slug="globex")
    await make_user(session, globex)
    other = api.acting_in("globex")
    assert (await other.data(ONE, {"id": live["id"]}))["node"] is None
    assert (await other.data(SESSIONS))["liveSessions"]["totalCount"] == 0
    foreign = await other.data(CANCEL, {"input": {"liveSessionId": live["id"]}})
    assert [e["code"] for e in foreign["liveSessionCancel"]["errors"]] == ["NOT_FOUND"]
    theirs = await make_course(session, globex)
    mixed = await room.create(courseId=gid(theirs), moduleId=None)
    assert [(e["field"], e["code"]) for e in mixed["errors"]] == [(["courseId"], "NOT_FOUND")]


async def test_live_sessions_filter_by_course_and_status(api: Api, session: AsyncSession) -> None:
    room = await make_classroom(api, session)
    live = (await room.create())["liveSession"]
    await room.admin.data(CANCEL, {"input": {"liveSessionId": live["id"]}})
    await room.create()
    both = await room.admin.data(SESSIONS, {"filter": {"courseId": gid(room.course)}})
    cancelled = await room.admin.data(SESSIONS, {"filter": {"status": "CANCELLED"}})
    assert both["liveSessions"]["totalCount"] == 2
    assert [n["id"] for n in cancelled["liveSessions"]["nodes"]] == [live["id"]]
    enrolled = await room.as_(room.learner).data(SESSIONS)  # sessions of a course they are enrolled in
    assert enrolled["liveSessions"]["totalCount"] == 2


async def test_a_page_of_sessions_costs_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any
) -> None:
    counts = []
    for slug, size in (("small", 1), ("large", 4)):
        room = await make_classroom(api, session, slug=slug)
        for _ in range(size):
            live = await room.session_with_learner()
            row_id = parse_global_id(live["id"])[1]
            for seconds in range(size):
                await saved(session, ClassroomSegment(portal_id=room.portal.id, live_session_id=row_id,
                                                      user_id=room.learner.id, request=SegmentKind.CRASH_LESSON,
                                                      seconds=seconds, received_at=room.portal.created_at))  # fmt: skip
        with count_sql() as sql:
            data = await room.admin.data(SESSIONS)
        assert data["liveSessions"]["totalCount"] == size
        assert sum(len(n["attendance"]) for n in data["liveSessions"]["nodes"]) == size * size
        counts.append(sql.count)
    assert counts[0] == counts[1], counts


async def test_the_host_sees_their_session_but_only_the_courses_staff_change_it(
    api: Api, session: AsyncSession
) -> None:
    room = await make_classroom(api, session)
    live = await room.session_with_learner()
    host = room.as_(room.host)  # staff of the portal, not an instructor of the course
    seen = (await host.data(ONE, {"id": live["id"]}))["node"]
    assert seen["joinUrl"] == seen["hostUrl"] == live["hostUrl"]
    assert seen["classroomToken"] is None and seen["participants"]["totalCount"] == 1
    refused = await host.post(CANCEL, {"input": {"liveSessionId": live["id"]}})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stranger = room.as_(await make_user(session, room.portal, role=Role.INSTRUCTOR))
    assert (await stranger.data(ONE, {"id": live["id"]}))["node"] is None
    hidden = await stranger.data(CANCEL, {"input": {"liveSessionId": live["id"]}})
    assert [e["code"] for e in hidden["liveSessionCancel"]["errors"]] == ["NOT_FOUND"]
    assert (await room.admin.data(ONE, {"id": live["id"]}))["node"]["status"] == "SCHEDULED"
