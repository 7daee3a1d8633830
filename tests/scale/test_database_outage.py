"""A database outage under load (issue 11): a proxy the test owns cuts a real worker off from
PostgreSQL (open connections reset, new ones refused) while clients keep creating accounts, then
lets it through again. Requests fail fast with SERVICE_UNAVAILABLE (HTTP 503), never hang or
answer 500; the worker recovers without a restart; and every account whose creation was
acknowledged exists exactly once."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.app import create_app
from models.settings import Settings
from models.users import User
from tests.conftest import Credentials
from tests.factories import make_portal
from tests.scale.processes import Worker, running
from tests.scale.proxy import TcpProxy, proxying

pytestmark = pytest.mark.postgres_only

CLIENTS = 6
REQUESTS_PER_CLIENT = 400  # a bound on the load, far above what the phases need
REQUEST_SECONDS = 15.0  # a request still unanswered after this has hung: the test fails
PHASE_SECONDS = 60.0
CREATE = "mutation($i: UserCreateInput!) { userCreate(input: $i) { user { email } errors { code } } }"
READ = '{ portal(slug: "acme") { name } users(first: 1) { totalCount } }'  # a compiled read (one statement)


@dataclass
class Load:
    """Clients that each create an account, then read, round after round; what each request
    answered (the accounts by email)."""

    worker: Worker
    key: str
    acknowledged: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # writes and reads refused while it was down
    read: int = 0
    other: list[tuple[int, str]] = field(default_factory=list)  # anything else: the test fails
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def client(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}", "Accept": "application/graphql-response+json"}
        async with self.worker.client() as http:
            for _ in range(REQUESTS_PER_CLIENT):
                if self.stop.is_set():
                    return
                email = f"{uuid4().hex}@load.example"
                variables = {"i": {"email": email, "fullName": "Load", "role": "LEARNER"}}
                for query in (CREATE, READ):
                    request = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
                    self.record(email if query == CREATE else None, await asyncio.wait_for(request, REQUEST_SECONDS))
                    self.changed.set()

    def record(self, email: str | None, response: httpx.Response) -> None:
        """A success, or SERVICE_UNAVAILABLE: 503 when nothing was answered, else 200 with the
        data there is (GraphQL over HTTP); an account created then is unacknowledged."""
        body = response.json()
        codes = {error.get("extensions", {}).get("code") for error in body.get("errors", [])}
        if response.status_code == 200 and not codes and (email is None or not body["data"]["userCreate"]["errors"]):
            self.read += email is None
            self.acknowledged.extend([email] if email else [])
        elif codes == {"SERVICE_UNAVAILABLE"} and response.status_code == (503 if body["data"] is None else 200):
            self.unavailable.append(email or "")
        else:
            self.other.append((response.status_code, response.text))

    async def until(self, reached: Callable[[], bool]) -> None:
        """Waits (bounded) until the answers so far meet the condition."""

        async def waiting() -> None:
            while not reached():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(waiting(), PHASE_SECONDS)
        except TimeoutError:
            raise AssertionError(f"stuck: {self.report()}\n" + "\n".join(self.worker.log[-30:])) from None

    def report(self) -> str:
        counts = f"{len(self.acknowledged)} acknowledged, {self.read} read, {len(self.unavailable)} unavailable"
        return f"{counts}, other: {self.other[:3]}"


async def ready(worker: Worker) -> int:
    async with worker.client() as http:
        return (await asyncio.wait_for(http.get("/readyz"), REQUEST_SECONDS)).status_code


async def test_an_outage_under_load_fails_fast_recovers_and_loses_no_acknowledged_write(
    settings: Settings, session: AsyncSession, engine: AsyncEngine, credentials: Credentials
) -> None:
    await make_portal(session, slug="acme")
    key = await credentials.api_key("acme")
    assert key is not None
    async with (
        proxying(settings.database_url) as proxy,
        running(settings, count=1, DATABASE_URL=proxy.reroute(settings.database_url)) as (worker,),
    ):
        load = Load(worker, key)
        clients = [asyncio.create_task(load.client()) for _ in range(CLIENTS)]
        try:
            await load.until(lambda: len(load.acknowledged) >= 10)
            await proxy.down()
            cut = len(load.unavailable)
            await load.until(lambda: len(load.unavailable) >= cut + 20)
            assert await ready(worker) == 503
            await proxy.up()
            before = len(load.acknowledged)
            reads = load.read
            await load.until(lambda: len(load.acknowledged) >= before + 20 and load.read >= reads + 20)
            assert await ready(worker) == 200
        finally:
            load.stop.set()
            await asyncio.gather(*clients)
    assert load.other == []
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(User.email, func.count()).where(User.email.like("%@load.example")).group_by(User.email)
        )
        stored = Counter(dict(rows.all()))
    assert all(stored[email] == 1 for email in load.acknowledged)
    assert all(count == 1 for count in stored.values())
    assert set(stored) <= set(load.acknowledged) | set(load.unavailable)  # nothing from elsewhere


@asynccontextmanager
async def behind(proxy: TcpProxy, settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app (in this process) whose database is reached through the proxy."""
    rerouted = settings.model_copy(update={"database_url": proxy.reroute(settings.database_url), **overrides})
    application = create_app(rerouted)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as client,
    ):
        yield client


async def refused(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    response = await asyncio.wait_for(client.request(method, url, **kwargs), REQUEST_SECONDS)
    assert response.status_code == 503, response.text
    if url != "/readyz":
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", response.text
    return response


async def test_while_the_database_refuses_connections_every_route_answers_503_then_recovers(
    settings: Settings, session: AsyncSession, credentials: Credentials
) -> None:
    await make_portal(session, slug="acme", name="Acme")
    admin = {"Authorization": f"Bearer {await credentials.api_key('acme')}"}
    portals = {"query": "{ portals(first: 5) { nodes { name } } }"}  # a non-null root: no data without the database
    async with proxying(settings.database_url) as proxy, behind(proxy, settings) as client:
        await proxy.down()
        for accept in ("application/graphql-response+json", "application/json"):
            await refused(client, "POST", "/graphql", json=portals, headers={"Accept": accept})
        await refused(client, "GET", "/graphql", params=portals)
        user = {"email": "ada@example.org", "fullName": "Ada", "role": "LEARNER"}
        await refused(client, "POST", "/graphql", json={"query": CREATE, "variables": {"i": user}}, headers=admin)
        await refused(client, "GET", "/readyz")
        await refused(client, "GET", "/files/not-a-token")
        one = await client.post("/graphql", json={"query": '{ portal(slug: "acme") { name } }'})
        assert one.status_code == 200  # a nullable field: the response has data, so 2xx (GraphQL over HTTP)
        assert one.json()["data"] == {"portal": None}
        assert one.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        await proxy.up()
        back = await client.post("/graphql", json=portals, headers=admin)
        assert back.json()["data"] == {"portals": {"nodes": [{"name": "Acme"}]}}
        assert (await client.get("/readyz")).status_code == 200


async def test_a_database_that_accepts_but_never_answers_fails_requests_after_the_connect_timeout(
    settings: Settings, session: AsyncSession
) -> None:
    """A dead link hangs nobody: a new connection waits DB_CONNECT_TIMEOUT_SECONDS, then 503."""
    await make_portal(session, slug="acme")
    async with (
        proxying(settings.database_url) as proxy,
        behind(proxy, settings, db_connect_timeout_seconds=0.2) as client,
    ):
        proxy.stalled = True
        await refused(client, "POST", "/graphql", json={"query": "{ portals(first: 5) { nodes { name } } }"})
        await refused(client, "GET", "/readyz")
