"""Fixtures: the real ASGI app over httpx, on PostgreSQL and on SQLite."""

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from graph.app import create_app
from models.auth import ApiKey
from models.portals import Portal
from models.session import create_engine, session_factory
from models.settings import Settings
from models.users import Role, User
from resolvers.auth import API_KEY_PREFIX
from resolvers.tokens import digest, issue_tokens
from tests import databases

BACKENDS = ("postgresql", "sqlite")
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"  # reports and screenshots tests leave to read


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run's artifacts are its own: the controller clears the last run's before workers start."""
    if not hasattr(session.config, "workerinput") and ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The reports tests wrote (e.g. the GraphQL over HTTP audit's table), in the run's output."""
    for report in sorted(ARTIFACTS.glob("*.txt")) if ARTIFACTS.exists() else ():
        terminalreporter.write_sep("-", f"{report.name} (in {ARTIFACTS.name}/)")
        terminalreporter.write(report.read_text())


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
    # tests run deliver_due themselves, so the app starts no delivery worker
    return Settings(database_url=url, db_pool_size=5, upload_dir=str(tmp_path / "uploads"), webhook_worker=False)


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


class Credentials:
    """Real credentials for tests: admin API keys per portal, access tokens per user.

    An API key is no user, so signing in this way adds nobody to the portal a test counts.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.keys: dict[tuple[str, Role], str | None] = {}

    async def api_key(self, portal: str, role: Role = Role.ADMIN) -> str | None:
        """A key bound to the portal with this slug; None when there is no such portal."""
        if (portal, role) not in self.keys:
            async with self.sessions() as session:
                found = await session.scalar(select(Portal).where(Portal.slug == portal))
                secret = None
                if found is not None:
                    secret = f"{API_KEY_PREFIX}test-{uuid4().hex}"
                    session.add(
                        ApiKey(portal_id=found.id, name="tests", role=role, prefix="test", digest=digest(secret))
                    )
                    await session.commit()
            self.keys[(portal, role)] = secret
        return self.keys[(portal, role)]

    async def token(self, user: User) -> str:
        async with self.sessions() as session:
            issued = await issue_tokens(session, await session.get(User, user.id), self.settings)
            await session.commit()
        return issued.access_token


class Api:
    """A GraphQL client of the real app: `portal` goes in X-Portal, `bearer` in Authorization.

    `acting_in(slug)` acts as an ADMIN of that portal (through an admin API key);
    `anonymous(slug)` is a visitor naming the portal; `signed_in(user, slug)` is that user.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: Credentials,
        portal: str | None = None,
        bearer: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.portal = portal
        self.bearer = bearer

    def acting_in(self, portal: str | None, role: Role = Role.ADMIN) -> "Api":
        if portal is None:
            return Api(self.http, self.credentials)
        return Api(self.http, self.credentials, portal, lambda: self.credentials.api_key(portal, role))

    def anonymous(self, portal: str | None = None) -> "Api":
        return Api(self.http, self.credentials, portal)

    def signed_in(self, user: User, portal: str | None = None) -> "Api":
        return Api(self.http, self.credentials, portal, lambda: self.credentials.token(user))

    def with_bearer(self, secret: str, portal: str | None = None) -> "Api":
        async def given() -> str:
            return secret

        return Api(self.http, self.credentials, portal, given)

    async def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        if self.portal is not None:
            headers.setdefault("X-Portal", self.portal)
        secret = None if self.bearer is None else await self.bearer()
        if secret is not None:
            headers.setdefault("Authorization", f"Bearer {secret}")
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


@asynccontextmanager
async def serving(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of one more app instance (as another worker would be) with some settings changed."""
    application = create_app(settings.model_copy(update=overrides), engine=engine, clock=clock)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as client,
    ):
        yield client


@asynccontextmanager
async def listening(application: Any) -> AsyncIterator[str]:
    """The app (started already) served by uvicorn on a free loopback port, for clients that speak
    real HTTP and WebSocket (node, curl): yields its base URL."""
    bound = socket.create_server(("127.0.0.1", 0))  # connections wait in its backlog until uvicorn accepts
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    served = asyncio.create_task(server.serve(sockets=[bound]))
    try:
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"
    finally:
        server.should_exit = True
        await served


@pytest.fixture
def credentials(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> Credentials:
    return Credentials(session_factory(engine, clock), settings)


@pytest.fixture
def api(http: httpx.AsyncClient, credentials: Credentials) -> Api:
    return Api(http, credentials)
