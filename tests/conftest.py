"""Fixtures: the real ASGI app over httpx, on PostgreSQL and on SQLite."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from graph.app import create_app
from models.session import create_engine
from models.settings import Settings
from tests import databases

BACKENDS = ("postgresql", "sqlite")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that touches a database runs on both, except what SQLite cannot do."""
    if "backend" in metafunc.fixturenames:
        only_pg = metafunc.definition.get_closest_marker("postgres_only") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if only_pg else BACKENDS)


@pytest.fixture(scope="session")
def worker_id_name(request: pytest.FixtureRequest) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def postgres_url(worker_id_name: str) -> Iterator[str]:
    url = asyncio.run(databases.create_worker_database(worker_id_name))
    yield url
    asyncio.run(databases.drop_database(url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.create_sqlite_template(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture
def settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Settings:
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path, "test")
    return Settings(database_url=url, db_pool_size=5)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    if not settings.is_sqlite:
        await databases.empty_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """For factories: rows are committed, as a client would see them, with the times they are given."""
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        yield session


class SqlCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_sql(engine: AsyncEngine) -> Any:
    """`with count_sql() as sql: …; sql.count` counts statements sent to the database."""

    @contextmanager
    def counting() -> Iterator[SqlCounter]:
        counter = SqlCounter()

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counter.statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)

    return counting


class Api:
    """A GraphQL client of the real app; `portal` is the X-Portal the request acts in."""

    def __init__(self, http: httpx.AsyncClient, portal: str | None = None) -> None:
        self.http = http
        self.portal = portal

    def acting_in(self, portal: str | None) -> "Api":
        return Api(self.http, portal)

    async def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        if self.portal is not None:
            headers.setdefault("X-Portal", self.portal)
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a request that must not fail."""
        body = (await self.post(query, variables)).json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        body = (await self.post(query, variables)).json()
        assert body.get("errors"), body
        return body["errors"]


class FrozenClock:
    """The injectable clock: time stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[Any]:
    application = create_app(settings, engine=engine, clock=clock)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)
