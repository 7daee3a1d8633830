"""Issue 11's proof with real processes: two `coursegraph serve` workers on one PostgreSQL database
and one Redis behave as one service: a subscriber on B sees a change made through A, the rate limit
counts both workers' requests, and two delivery workers send each outbox event once."""

import asyncio
import itertools
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from models.courses import CourseStatus
from models.settings import Settings
from models.users import Role
from models.webhooks import WebhookDelivery, WebhookDeliveryStatus
from tests.conftest import Credentials
from tests.factories import gid, make_course, make_module, make_portal, make_user
from tests.graph.webhooks.receiver import Receiver, receiving
from tests.scale.processes import Worker, running

pytestmark = pytest.mark.postgres_only

WAIT_SECONDS = 30.0  # the bound of every wait on another process; a healthy run takes milliseconds
SUBSCRIBE = "subscription($c: ID!) { enrollmentProgressUpdated(courseId: $c) { user { fullName } } }"
ENROLL = "mutation($i: EnrollmentCreateInput!) { enrollmentCreate(input: $i) { enrollments { id } errors { code } } }"
PROTOCOL = Subprotocol("graphql-transport-ws")
WEBHOOK = "mutation($i: WebhookCreateInput!) { webhookCreate(input: $i) { errors { code } } }"


async def graphql(worker: Worker, key: str, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    async with worker.client() as client:
        return await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {key}", "X-Portal": "acme"},
        )


async def data(worker: Worker, key: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await graphql(worker, key, query, variables)).json()
    assert "errors" not in body, body
    return body["data"]


async def open_subscriptions(worker: Worker) -> float:
    """The worker's own count (`coursegraph_subscriptions`): a subscription is open once it is there."""
    async with worker.client() as client:
        text = (await client.get("/metrics")).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("coursegraph_subscriptions "))


async def subscribe(ws: ClientConnection, worker: Worker, key: str, course: object) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))["type"] == "connection_ack"
    query = {"query": SUBSCRIBE, "variables": {"c": gid(course)}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))

    async def registered() -> None:
        while not await open_subscriptions(worker):
            pass

    await asyncio.wait_for(registered(), WAIT_SECONDS)


async def test_a_subscriber_on_worker_b_receives_a_change_made_through_worker_a(
    settings: Settings, session: AsyncSession, credentials: Credentials
) -> None:
    acme = await make_portal(session, slug="acme")
    learner = await make_user(session, acme, role=Role.LEARNER, full_name="Ada")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    await make_module(session, course)
    key = await credentials.api_key("acme")
    assert key is not None
    async with (
        running(settings) as (a, b),
        connect(b.url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]) as ws,
    ):
        await subscribe(ws, b, key, course)
        await data(a, key, ENROLL, {"i": {"courseId": gid(course), "userIds": [gid(learner)]}})
        update = json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))
    assert update["type"] == "next"
    assert update["payload"]["data"]["enrollmentProgressUpdated"] == {"user": {"fullName": "Ada"}}


LIMIT = 6


async def remaining_until_refused(workers: list[Worker], key: str) -> tuple[list[int], httpx.Response]:
    """Requests alternating between the workers: what each success left of the budget, then the refusal."""
    left: list[int] = []
    for turn in range(LIMIT + 1):
        response = await graphql(workers[turn % 2], key, "{ __typename }")
        if response.status_code != 200:
            return left, response
        left.append(response.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"])
    return left, response


async def test_the_rate_limit_counts_the_requests_of_both_workers(
    settings: Settings, session: AsyncSession, credentials: Credentials
) -> None:
    await make_portal(session, slug="acme")
    async with running(settings, RATE_LIMIT_PER_CREDENTIAL=str(LIMIT)) as workers:
        for role in (Role.ADMIN, Role.INSTRUCTOR):  # a second key (budget) only if a minute ended midway
            key = await credentials.api_key("acme", role)
            assert key is not None
            left, refused = await remaining_until_refused(workers, key)
            if all(later < earlier for earlier, later in itertools.pairwise(left)):
                break
    assert left == list(reversed(range(LIMIT)))
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


EVENTS = 30


async def received_all(receiver: Receiver, count: int) -> None:
    while len(receiver.accepted) < count:
        receiver.arrived.clear()
        if len(receiver.accepted) < count:
            await receiver.arrived.wait()


async def test_two_delivery_workers_deliver_each_event_once(
    settings: Settings, session: AsyncSession, engine: AsyncEngine, credentials: Credentials
) -> None:
    acme = await make_portal(session, slug="acme")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    learners = [await make_user(session, acme, role=Role.LEARNER) for _ in range(EVENTS)]
    key = await credentials.api_key("acme")
    assert key is not None
    # one delivery per claim: two requests in flight at once can only come from two workers
    delivering = {"WEBHOOK_WORKER": "true", "WEBHOOK_POLL_SECONDS": "0.05", "WEBHOOK_BATCH_SIZE": "1"}
    async with receiving(together=2) as receiver, running(settings, **delivering) as (a, b):
        hook = {"url": receiver.url, "events": ["course_enrolled"], "secret": "a-shared-secret-of-32-characters"}
        assert (await data(b, key, WEBHOOK, {"i": hook}))["webhookCreate"]["errors"] == []
        for worker, half in ((a, learners[::2]), (b, learners[1::2])):
            await data(worker, key, ENROLL, {"i": {"courseId": gid(course), "userIds": [gid(u) for u in half]}})
        await asyncio.wait_for(received_all(receiver, EVENTS), WAIT_SECONDS)
    assert receiver.most_in_flight == 2  # both workers delivered
    ids = [json.loads(r.body)["id"] for r in receiver.received]
    assert len(set(ids)) == EVENTS
    assert len(ids) == EVENTS  # none twice, even after both workers stopped
    async with engine.connect() as connection:
        attempts = (
            await connection.execute(
                select(WebhookDelivery.status, func.max(WebhookDelivery.attempts)).group_by(WebhookDelivery.status)
            )
        ).all()
    assert attempts == [(WebhookDeliveryStatus.DELIVERED, 1)]
