"""The read replica (DATABASE_REPLICA_URL), seen from PostgreSQL's own pg_stat_activity.

The "replica" here is the test database itself, told apart from the primary only by its
connections' `application_name` (`coursegraph-replica` against `coursegraph`). The test holds a
table lock, so the request's statement waits on it; while it waits, pg_stat_activity shows which
connection runs it. A query must wait on the replica's connection; a mutation's write, and its
payload read after the commit, on the primary's.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from graph.cli import main
from graph.ids import global_id
from models.settings import Settings
from tests.conftest import Api, Credentials, FrozenClock, serving
from tests.factories import make_course, make_module, make_portal

PRIMARY, REPLICA = "coursegraph", "coursegraph-replica"
CATALOG = """query Catalog($portal: ID!) {
  portal(id: $portal) { name courses(first: 5) { nodes { title modules { title } } } }
}"""
CREATE = """mutation ($input: CourseCreateInput!) {
  courseCreate(input: $input) { course { slug modules { title } } errors { code } }
}"""
NOWHERE = "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"  # a replica no one answers for
WAIT_SECONDS = 10.0  # a statement routed as it should be waits on the lock long before this


@dataclass(frozen=True, slots=True)
class Waiting:
    application_name: str
    query: str


@asynccontextmanager
async def connected(settings: Settings, application_name: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own, named so that it is none of the service's."""
    dsn = settings.database_url.replace("+asyncpg", "")
    connection = await asyncpg.connect(dsn, server_settings={"application_name": application_name})
    try:
        yield connection
    finally:
        await connection.close()


@asynccontextmanager
async def locked(settings: Settings, table: str, mode: str) -> AsyncIterator[None]:
    """`table` locked in `mode` until the block ends."""
    async with connected(settings, "test-locks") as connection, connection.transaction():
        await connection.execute(f"LOCK TABLE {table} IN {mode} MODE")
        yield


async def waiting_on_a_lock(watcher: asyncpg.Connection, table: str) -> Waiting:
    """The one statement of ours that waits on a lock and names `table`, as PostgreSQL shows it.

    Polled until it appears (bounded): the request runs on this event loop and gets there."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        rows = await watcher.fetch(
            "SELECT application_name, query FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND application_name IN ($1, $2)",
            PRIMARY,
            REPLICA,
        )
        if rows:
            assert len(rows) == 1, rows
            found = Waiting(rows[0]["application_name"], rows[0]["query"])
            assert f" {table}" in found.query, found
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"no statement of the service waited on {table} within {WAIT_SECONDS} s")


def data_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


async def query_waits_on(admin: Api, settings: Settings, portal_id: str) -> Waiting:
    """Runs the catalog query while `course` is locked; the connection its statement waited on.

    The task group awaits the request once the lock is gone (or cancels it if the test fails)."""
    async with (
        connected(settings, "test-watcher") as watcher,
        asyncio.TaskGroup() as group,
        locked(settings, "course", "ACCESS EXCLUSIVE"),
    ):
        request = group.create_task(admin.post(CATALOG, {"portal": portal_id}))
        seen = await waiting_on_a_lock(watcher, "course")
    courses = data_of(request.result())["portal"]["courses"]["nodes"]
    assert courses == [{"title": "Routing", "modules": [{"title": "Intro"}]}]
    return seen


@pytest.fixture
async def academy(session: AsyncSession) -> str:
    portal = await make_portal(session, slug="acme")
    course = await make_course(session, portal, title="Routing")
    await make_module(session, course, title="Intro")
    return global_id("Portal", portal.id)


@pytest.mark.postgres_only
@pytest.mark.parametrize("compiled_reads", [True, False], ids=["compiled", "executor"])
async def test_a_query_reads_on_the_replica(
    settings: Settings,
    engine: AsyncEngine,
    clock: FrozenClock,
    credentials: Credentials,
    academy: str,
    compiled_reads: bool,
) -> None:
    overrides = {"database_replica_url": settings.database_url, "compiled_reads": compiled_reads}
    async with serving(settings, engine, clock, **overrides) as client:
        seen = await query_waits_on(Api(client, credentials).acting_in("acme"), settings, academy)
    assert seen.application_name == REPLICA, seen
    assert ("json_build_object" in seen.query) is compiled_reads, seen.query  # the path it took


@pytest.mark.postgres_only
async def test_without_a_replica_a_query_reads_on_the_primary(settings: Settings, api: Api, academy: str) -> None:
    seen = await query_waits_on(api.acting_in("acme"), settings, academy)
    assert seen.application_name == PRIMARY, seen


@pytest.mark.postgres_only
async def test_a_mutation_writes_and_reads_its_payload_on_the_primary(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, credentials: Credentials, academy: str
) -> None:
    """`course` locked against writes holds the INSERT; `module`, read only by the payload (after
    the commit), locked against reads holds the payload's read."""
    variables = {"input": {"title": "Replicated", "slug": "replicated"}}
    async with (
        serving(settings, engine, clock, database_replica_url=settings.database_url) as client,
        connected(settings, "test-watcher") as watcher,
        asyncio.TaskGroup() as group,
        locked(settings, "module", "ACCESS EXCLUSIVE"),
    ):
        async with locked(settings, "course", "SHARE"):
            admin = Api(client, credentials).acting_in("acme")
            request = group.create_task(admin.post(CREATE, variables))
            write = await waiting_on_a_lock(watcher, "course")
        payload = await waiting_on_a_lock(watcher, "module")
        committed = await watcher.fetchval("SELECT count(*) FROM course WHERE slug = 'replicated'")
    assert data_of(request.result())["courseCreate"] == {"course": {"slug": "replicated", "modules": []}, "errors": []}
    assert write.application_name == PRIMARY and write.query.lstrip().upper().startswith("INSERT INTO COURSE"), write
    assert committed == 1  # so the read held on `module` came after the commit: the payload's
    assert payload.application_name == PRIMARY, payload


@pytest.mark.postgres_only
async def test_every_operation_of_a_websocket_stays_on_the_primary(
    settings: Settings, clock: FrozenClock, credentials: Credentials, academy: str
) -> None:
    """A socket's operations share one context and `Db`: a query there must not leave the next
    mutation on the replica. With the replica unreachable, any of them routed there fails."""
    key = await credentials.api_key("acme")
    app = create_app(settings.model_copy(update={"database_replica_url": NOWHERE}), clock=clock)
    operations = [(CATALOG, {"portal": academy}), (CREATE, {"input": {"title": "Socket", "slug": "socket"}})]
    answers = []
    with TestClient(app) as client, client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}", "X-Portal": "acme"}})
        assert ws.receive_json()["type"] == "connection_ack"
        for number, (query, variables) in enumerate(operations):
            ws.send_json({"id": str(number), "type": "subscribe", "payload": {"query": query, "variables": variables}})
            answers.append(ws.receive_json()["payload"])
            assert ws.receive_json() == {"id": str(number), "type": "complete"}
    assert [answer.get("errors") for answer in answers] == [None, None], answers
    assert answers[1]["data"]["courseCreate"]["course"]["slug"] == "socket"


@pytest.mark.postgres_only
async def test_readyz_is_unavailable_while_the_replica_is_unreachable(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock
) -> None:
    async with serving(settings, engine, clock, database_replica_url=NOWHERE) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": True, "replica": False}


def test_sqlite_refuses_a_replica_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///unused.db")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/replica")
    assert main(["migrate"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("coursegraph: setting database_replica_url:") and "needs PostgreSQL" in error, error
    assert len(error.strip().splitlines()) == 1
