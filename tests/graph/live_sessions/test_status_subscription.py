"""liveSessionStatusChanged over graphql-transport-ws: the classroom's start and a cancellation
reach the session's subscribers after they commit; a session the subscriber may not read is
NOT_FOUND."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from graph.ids import parse_global_id
from graph.live_sessions.queries import status_topic
from models.settings import Settings
from tests.conftest import Credentials, FrozenClock
from tests.factories import gid
from tests.graph.enrollments.test_progress_subscription import post, wait_for_subscriber
from tests.graph.live_sessions.classroom import CANCEL, CREATE, STARTS_AT, make_classroom

SUBSCRIBE = "subscription($id: ID!) { liveSessionStatusChanged(id: $id) { status startedAt attendedSeconds } }"


def scheduled(client: TestClient, admin: str, **where: str) -> dict[str, Any]:
    variables = {"input": {"title": "Clinic", "startsAt": STARTS_AT, **where}}
    return post(client, CREATE, variables, admin)["liveSessionCreate"]["liveSession"]


@contextmanager
def subscribed(client: TestClient, bearer: str, live_id: str) -> Iterator[Any]:
    """A graphql-transport-ws connection subscribed to the session's status."""
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        init = {"Authorization": f"Bearer {bearer}", "X-Portal": "acme"}
        socket.send_json({"type": "connection_init", "payload": init})
        assert socket.receive_json()["type"] == "connection_ack"
        variables = {"id": live_id}
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": variables}})
        yield socket


async def test_the_classrooms_start_and_a_cancellation_reach_subscribers(
    api: Any, settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    room = await make_classroom(api, session)
    admin = await credentials.api_key("acme")
    assert admin is not None
    with TestClient(create_app(settings, clock=clock)) as client:
        live = scheduled(client, admin, moduleId=gid(room.module), hostId=gid(room.host))
        with subscribed(client, admin, live["id"]) as socket:
            wait_for_subscriber(client, status_topic(parse_global_id(live["id"])[1]))
            clock.advance(minutes=30)
            started = client.post(
                "/integrations/learncube", json={"request": "start_lesson", "token": live["classroomToken"]}
            )
            assert started.json() == {"status": True}
            message = socket.receive_json()["payload"]["data"]["liveSessionStatusChanged"]
            assert message == {"status": "STARTED", "startedAt": "2026-01-05T09:30:00Z", "attendedSeconds": 0}
            post(client, CANCEL, {"input": {"liveSessionId": live["id"]}}, admin)
            assert socket.receive_json()["payload"]["data"]["liveSessionStatusChanged"]["status"] == "CANCELLED"


async def test_a_session_the_subscriber_may_not_read_is_not_found(
    api: Any, settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    room = await make_classroom(api, session)
    admin = await credentials.api_key("acme")
    assert admin is not None
    outsider = await credentials.token(room.outsider)
    with TestClient(create_app(settings, clock=clock)) as client:
        live = scheduled(client, admin, courseId=gid(room.course), hostId=gid(room.host))
        with subscribed(client, outsider, live["id"]) as socket:
            message = socket.receive_json()
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
