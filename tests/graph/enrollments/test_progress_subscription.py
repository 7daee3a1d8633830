"""enrollmentProgressUpdated over graphql-transport-ws: delivered after commit, under the reader's rules."""

from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from graph.enrollments.subscriptions import progress_topic
from models.courses import CourseStatus, GradingRule
from models.modules import ModuleKind
from models.settings import Settings
from models.users import Role
from tests.conftest import Credentials, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user

REDIS_URL = "redis://127.0.0.1:6379/0"
SUBSCRIBE = (
    "subscription($c: ID!) { enrollmentProgressUpdated(courseId: $c) { user { fullName } progress { display } } }"
)
ENROLL = "mutation($i: EnrollmentCreateInput!) { enrollmentCreate(input: $i) { enrollments { id } } }"
COMPLETE = "mutation($i: ModuleCompleteInput!) { moduleComplete(input: $i) { errors { code } } }"


def wait_for_subscriber(client: TestClient, topic: str) -> None:
    """The subscription registers in the server's loop; wait (bounded, no timer) until it has."""
    for _ in range(10_000_000):
        if client.app.state.events.subscribers(topic):  # type: ignore[attr-defined]
            return
    raise AssertionError("the subscription never registered")


def subscribe_to_progress(client: TestClient, ws: Any, bearer: object, course: object, query: str = SUBSCRIBE) -> None:
    """Signs in on the socket as `bearer` in acme and subscribes to the course's progress."""
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}", "X-Portal": "acme"}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"c": gid(course)}}})
    wait_for_subscriber(client, progress_topic(course.id))  # type: ignore[attr-defined]


def post(client: TestClient, query: str, variables: dict[str, Any], bearer: str) -> dict[str, Any]:
    body = client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {bearer}", "X-Portal": "acme"},
    ).json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_completion_reaches_the_courses_subscribers_after_it_commits(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    acme = await make_portal(session, slug="acme")
    learner = await make_user(session, acme, role=Role.LEARNER, full_name="Ada")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    module = await make_module(session, course)
    admin = await credentials.api_key("acme")
    assert admin is not None
    token = await credentials.token(learner)
    with (
        TestClient(create_app(settings, clock=clock)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        subscribe_to_progress(client, ws, admin, course)
        enrolled = post(client, ENROLL, {"i": {"courseId": gid(course), "userIds": [gid(learner)]}}, admin)
        first = ws.receive_json()
        assert first["payload"]["data"]["enrollmentProgressUpdated"] == {
            "user": {"fullName": "Ada"},
            "progress": {"display": "0/1"},
        }
        enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
        post(client, COMPLETE, {"i": {"enrollmentId": enrollment, "moduleId": gid(module)}}, token)
        second = ws.receive_json()
        assert second["payload"]["data"]["enrollmentProgressUpdated"]["progress"] == {"display": "1/1"}


async def test_a_hidden_course_cannot_be_subscribed_to(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    await make_portal(session, slug="acme")
    globex = await make_portal(session, slug="globex")
    course = await make_course(session, globex, status=CourseStatus.DRAFT)
    admin = await credentials.api_key("acme")
    with (
        TestClient(create_app(settings, clock=clock)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": {"c": gid(course)}}})
        message = ws.receive_json()
        assert message["type"] == "next" and message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


POST = "mutation($i: DiscussionPostInput!) { discussionPost(input: $i) { errors { code } } }"
EVALUATE = "mutation($i: DiscussionEvaluateInput!) { discussionEvaluate(input: $i) { errors { code } } }"
SCORES = "subscription($c: ID!) { enrollmentProgressUpdated(courseId: $c) { grade moduleProgress { status } } }"


async def test_a_discussion_post_and_its_evaluation_reach_the_subscribers(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    acme = await make_portal(session, slug="acme")
    learner = await make_user(session, acme, role=Role.LEARNER)
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED, grading_rule=GradingRule.AVG_ALL_MODULES)
    forum = await make_module(
        session, course, kind=ModuleKind.DISCUSSION, details={"is_evaluated": True, "total_points": 20}
    )
    admin = await credentials.api_key("acme")
    assert admin is not None
    token = await credentials.token(learner)
    with (
        TestClient(create_app(settings, clock=clock)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        enrolled = post(client, ENROLL, {"i": {"courseId": gid(course), "userIds": [gid(learner)]}}, admin)
        enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
        subscribe_to_progress(client, ws, admin, course, SCORES)
        post(client, POST, {"i": {"moduleId": gid(forum), "body": "My thoughts"}}, token)
        submitted = ws.receive_json()["payload"]["data"]["enrollmentProgressUpdated"]
        assert submitted == {"grade": None, "moduleProgress": [{"status": "SUBMITTED"}]}
        points = {"enrollmentId": enrollment, "moduleId": gid(forum), "pointsAwarded": 15}
        post(client, EVALUATE, {"i": points}, admin)
        evaluated = ws.receive_json()["payload"]["data"]["enrollmentProgressUpdated"]
        assert evaluated == {"grade": 75.0, "moduleProgress": [{"status": "COMPLETED"}]}


async def test_with_redis_a_change_on_one_worker_reaches_a_subscriber_on_another(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    await a_change_on_one_worker_reaches_a_subscriber_on_another(settings, session, credentials, clock, REDIS_URL)


@pytest.mark.postgres_only
async def test_without_redis_postgresql_carries_a_change_to_a_subscriber_on_another_worker(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    """LISTEN/NOTIFY: with PostgreSQL and no Redis, PostgreSQL does it (issue 11)."""
    await a_change_on_one_worker_reaches_a_subscriber_on_another(settings, session, credentials, clock, None)


async def a_change_on_one_worker_reaches_a_subscriber_on_another(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock, redis_url: str | None
) -> None:
    """Two app instances (as two workers, each with its own event loop) on one Redis, or on one
    PostgreSQL database and no Redis."""
    acme = await make_portal(session, slug="acme")
    learner = await make_user(session, acme, role=Role.LEARNER, full_name="Ada")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    await make_module(session, course)
    admin = await credentials.api_key("acme")
    assert admin is not None
    shared = settings.model_copy(update={"redis_url": redis_url, "redis_namespace": f"test-{uuid4().hex}"})
    with (
        TestClient(create_app(shared, clock=clock)) as worker_a,
        TestClient(create_app(shared, clock=clock)) as worker_b,
        worker_a.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        subscribe_to_progress(worker_a, ws, admin, course)
        post(worker_b, ENROLL, {"i": {"courseId": gid(course), "userIds": [gid(learner)]}}, admin)
        update = ws.receive_json()
        assert update["payload"]["data"]["enrollmentProgressUpdated"] == {
            "user": {"fullName": "Ada"},
            "progress": {"display": "0/1"},
        }
        assert worker_b.app.state.events.subscribers(progress_topic(course.id)) == 0  # type: ignore[attr-defined]
