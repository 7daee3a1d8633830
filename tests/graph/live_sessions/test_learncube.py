"""Seed 000's callbacks on both databases: its own example requests, as JSON, form and query
string, answered field by field; crash segments that add up; refusals that are answers (HTTP 200,
status false, a message), never a 500."""

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import Enrollment
from models.live_sessions import LiveSession
from models.users import User
from tests.conftest import Api, FrozenClock
from tests.factories import gid
from tests.graph.live_sessions.classroom import CANCEL, ONE, Classroom, classroom_call, make_classroom

SEED_TOKEN = "ABC123"  # 000's examples use their own token and user id: the tests give ours those
SEED_CONNECT_TOKEN = "1235678"
FORMS = ("json", "form", "query")


async def seeded(api: Api, session: AsyncSession, token: str = SEED_TOKEN) -> tuple[Classroom, str]:
    """A session with John Smith (user id 111, the seed's avatar) as participant, under `token`."""
    room = await make_classroom(api, session)
    await session.execute(update(User).where(User.id == room.learner.id).values(classroom_user_id="111"))
    await session.commit()
    live = await room.session_with_learner()
    await session.execute(update(LiveSession).values(classroom_token=token))
    await session.commit()
    return room, live["id"]


async def shown(room: Classroom, live_id: str) -> dict[str, Any]:
    return (await room.admin.data(ONE, {"id": live_id}))["node"]


@pytest.mark.parametrize("form", FORMS)
async def test_the_seeds_connect_lesson_example_is_answered_field_by_field(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, form: str
) -> None:
    await seeded(api, session, SEED_CONNECT_TOKEN)
    request = {"request": "connect_lesson", "token": "1235678", "user_id": "111"}
    _, body = await classroom_call(http, as_=form, **request)
    expected = {"status": True, "is_tutor": False, "id": "111", "full_name": "John Smith",
                "avatar": "https://domain.com/images/avatar.png", "record": False}  # fmt: skip
    assert body.keys() == expected.keys()
    for key, value in expected.items():
        assert body[key] == value, key


async def test_the_host_connects_as_the_tutor(api: Api, session: AsyncSession, http: httpx.AsyncClient) -> None:
    room, _ = await seeded(api, session)
    _, body = await classroom_call(
        http, request="connect_lesson", token=SEED_TOKEN, user_id=room.host.classroom_user_id
    )
    assert (body["status"], body["is_tutor"], body["id"], body["full_name"]) == (
        True,
        True,
        room.host.classroom_user_id,
        "Grace Host",
    )
    assert body["avatar"] == "" and body["record"] is False


async def test_the_seeds_error_example_shape_for_whoever_may_not_join(
    api: Api, session: AsyncSession, http: httpx.AsyncClient
) -> None:
    room, _ = await seeded(api, session)
    for user_id in (room.outsider.classroom_user_id, "999999", "not-alphanumeric"):
        _, body = await classroom_call(http, request="connect_lesson", token=SEED_TOKEN, user_id=user_id)
        assert body.keys() == {"status", "message"} and body["status"] is False and body["message"]
    await session.execute(update(Enrollment).values(revoked_at=room.portal.created_at))
    await session.commit()
    _, body = await classroom_call(http, request="connect_lesson", token=SEED_TOKEN, user_id="111")
    assert body["status"] is False  # a participant whose access was revoked
    _, body = await classroom_call(http, request="connect_lesson", token="UNKNOWN1", user_id="111")
    assert body == {"status": False, "message": "Class not found."}


@pytest.mark.parametrize("form", FORMS)
async def test_the_seeds_start_and_end_examples_start_and_finish_the_class(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock, form: str
) -> None:
    room, live_id = await seeded(api, session)
    clock.advance(minutes=30)
    _, started = await classroom_call(http, as_=form, request="start_lesson", token="ABC123")
    assert started == {"status": True}
    assert (await shown(room, live_id))["status"] == "STARTED"
    _, ended = await classroom_call(http, as_=form, request="end_lesson", token="ABC123", time=611)
    assert ended == {"status": True}
    after = await shown(room, live_id)
    assert (after["status"], after["attendedSeconds"]) == ("FINISHED", 611)
    assert after["attendance"] == [{"request": "END_LESSON", "seconds": 611, "user": None}]
    _, late = await classroom_call(http, request="connect_lesson", token="ABC123", user_id="111")
    assert late["status"] is False  # the class is over


async def test_start_class_is_read_as_start_lesson_and_only_in_its_window(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    room, live_id = await seeded(api, session)  # starts 09:30, 45 minutes; the clock says 09:00
    _, early = await classroom_call(http, request="start_class", token=SEED_TOKEN)
    assert early["status"] is False and early["message"]
    clock.advance(minutes=15)
    _, started = await classroom_call(http, request="start_class", token=SEED_TOKEN)
    assert started == {"status": True}
    assert (await shown(room, live_id))["startedAt"] == "2026-01-05T09:15:00Z"


async def test_end_lesson_without_a_start_is_refused_and_counts_nothing(
    api: Api, session: AsyncSession, http: httpx.AsyncClient
) -> None:
    room, live_id = await seeded(api, session)
    for request in ("end_lesson", "crash_lesson"):
        _, body = await classroom_call(http, request=request, token=SEED_TOKEN, time=611)
        assert body["status"] is False and body["message"]
    assert (await shown(room, live_id))["attendedSeconds"] == 0


async def test_every_segment_of_a_crashing_class_adds_up(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    room, live_id = await seeded(api, session)
    clock.advance(minutes=30)
    assert (await classroom_call(http, request="start_lesson", token=SEED_TOKEN))[1] == {"status": True}
    segments = [("crash_lesson", 100, None), ("crash_lesson", 100, "111"), ("crash_lesson", 42, "111")]
    for request, seconds, user_id in segments:
        clock.advance(seconds=seconds)
        params = {"request": request, "token": SEED_TOKEN, "time": seconds} | ({"user_id": user_id} if user_id else {})
        assert (await classroom_call(http, **params))[1] == {"status": True}
        clock.advance(seconds=59)  # back within the minute: the class goes on
        assert (await classroom_call(http, request="connect_lesson", token=SEED_TOKEN, user_id="111"))[1]["status"]
    _, ended = await classroom_call(http, request="end_lesson", token=SEED_TOKEN, time=611, user_id="111")
    assert ended == {"status": True}
    after = await shown(room, live_id)
    assert after["attendedSeconds"] == 100 + 100 + 42 + 611  # two equal segments both count
    assert after["status"] == "FINISHED"
    assert after["participants"]["nodes"][0]["attendedSeconds"] == 100 + 42 + 611
    assert after["participants"]["nodes"][0]["attendance"] == [{"seconds": 100}, {"seconds": 42}, {"seconds": 611}]
    assert [(s["request"], s["seconds"]) for s in after["attendance"]] == [
        ("CRASH_LESSON", 100),
        ("CRASH_LESSON", 100),
        ("CRASH_LESSON", 42),
        ("END_LESSON", 611),
    ]


async def test_after_a_crash_the_class_can_be_rejoined_for_sixty_seconds_only(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await seeded(api, session)
    clock.advance(minutes=30)
    await classroom_call(http, request="start_lesson", token=SEED_TOKEN)
    await classroom_call(http, request="crash_lesson", token=SEED_TOKEN, time=30)
    clock.advance(seconds=61)
    _, body = await classroom_call(http, request="connect_lesson", token=SEED_TOKEN, user_id="111")
    assert body["status"] is False and "60 seconds" in body["message"]


async def test_a_cancelled_class_cannot_be_joined_or_started(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    room, live_id = await seeded(api, session)
    await room.admin.data(CANCEL, {"input": {"liveSessionId": live_id}})
    clock.advance(minutes=30)
    for params in ({"request": "connect_lesson", "user_id": "111"}, {"request": "start_lesson"}):
        _, body = await classroom_call(http, token=SEED_TOKEN, **params)
        assert body["status"] is False and "cancelled" in body["message"]


async def test_a_started_class_that_is_cancelled_takes_no_more_time_and_stays_cancelled(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    room, live_id = await seeded(api, session)
    clock.advance(minutes=30)
    _, started = await classroom_call(http, token=SEED_TOKEN, request="start_lesson")
    assert started["status"] is True
    await room.admin.data(CANCEL, {"input": {"liveSessionId": live_id}})
    for request in ("end_lesson", "crash_lesson"):
        _, body = await classroom_call(http, token=SEED_TOKEN, request=request, time="60")
        assert body["status"] is False and "cancelled" in body["message"], request
    seen = await room.admin.data("query($id: ID!) { node(id: $id) { ... on LiveSession { status attendedSeconds } } }",
                                 {"id": live_id})  # fmt: skip
    assert seen["node"] == {"status": "CANCELLED", "attendedSeconds": 0}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2]",
        b'{"request": "dance", "token": "ABC123"}',
        b'{"request": {"connect_lesson": 1}, "token": "ABC123"}',
        b'{"request": "connect_lesson"}',
        b'{"request": "connect_lesson", "token": {"$ne": 1}}',
        b'{"request": "end_lesson", "token": "ABC123", "time": -5}',
        b'{"request": "end_lesson", "token": "ABC123", "time": "soon"}',
        b'{"request": "end_lesson", "token": "ABC123", "time": true}',
        b"\xff\xfe",
    ],
)
async def test_malformed_requests_get_status_false_and_a_message(
    api: Api, session: AsyncSession, http: httpx.AsyncClient, clock: FrozenClock, content: bytes
) -> None:
    await seeded(api, session)
    clock.advance(minutes=30)
    await classroom_call(http, request="start_lesson", token=SEED_TOKEN)
    response = await http.post("/integrations/learncube", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert body["status"] is False and isinstance(body["message"], str) and body["message"]
    assert "could not be checked" not in body["message"]  # an answer to the input, not a caught failure


async def test_the_token_is_no_other_portals_business(api: Api, session: AsyncSession, http: httpx.AsyncClient) -> None:
    room, live_id = await seeded(api, session)
    await classroom_call(http, request="connect_lesson", token=SEED_TOKEN, user_id="111")
    seen = await room.as_(room.learner).data(ONE, {"id": live_id})
    assert seen["node"]["classroomToken"] is None  # the credential is staff's only
    assert gid(room.learner) not in str(seen)
