"""Engine and the per-request `Db`: one session, used by one coroutine at a time."""

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from asyncpg import PostgresError
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool, PoolProxiedConnection, QueuePool
from sqlalchemy.util.concurrency import greenlet_spawn

from models.base import Clock, Timestamped, utcnow
from models.settings import Settings
from models.statements import Prepared

P = ParamSpec("P")
R = TypeVar("R")
SessionFn = Callable[Concatenate[AsyncSession, P], Awaitable[R]]


INSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}  # by dialect: both speak ON CONFLICT


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _tally(conn: Any, *_: Any) -> None:
    """Counts a statement for the `Db` whose session holds the connection (metrics, per request)."""
    owner = conn.info.get("tally")
    db = owner() if owner is not None else None
    if db is not None:
        db.statements += 1


@event.listens_for(Session, "after_begin")
def _attach_tally(session: Session, _transaction: Any, connection: Any) -> None:
    connection.info["tally"] = session.info.get("tally")


def create_engine(settings: Settings) -> AsyncEngine:
    """SQLite gets a fresh connection per session (NullPool) so files can be swapped by tests.

    No pre-ping: it costs three round trips per request. A connection found dead fails its
    request with a coded error and SQLAlchemy discards the pool's older connections with it.
    Waiting for a connection (pool) or for the server to answer a new one (connect) is bounded,
    so an unreachable database fails requests fast (`DatabaseUnavailable`) instead of piling them up."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, echo=settings.sql_echo, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    else:
        engine = create_async_engine(
            settings.database_url,
            echo=settings.sql_echo,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            connect_args={
                "timeout": settings.db_connect_timeout_seconds,
                "server_settings": {
                    "statement_timeout": str(settings.db_statement_timeout_ms),
                    "application_name": settings.db_application_name,
                    "plan_cache_mode": settings.db_plan_cache_mode,
                },
            },
        )
    event.listen(engine.sync_engine, "before_cursor_execute", _tally)
    return engine


def create_replica_engine(settings: Settings) -> AsyncEngine | None:
    """The read replica's engine (DATABASE_REPLICA_URL), if one is named: the primary's settings
    with its URL, and an `application_name` of its own, so PostgreSQL's views (pg_stat_activity,
    a statement log's %a) tell the two apart."""
    if settings.database_replica_url is None:
        return None
    replica = {
        "database_url": settings.database_replica_url,
        "db_application_name": f"{settings.db_application_name}-replica",
    }
    return create_engine(settings.model_copy(update=replica))


def session_factory(engine: AsyncEngine, clock: Clock = utcnow) -> async_sessionmaker[AsyncSession]:
    """Sessions carry the clock that stamps what they write (tests inject a frozen one)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info={"clock": clock})


@event.listens_for(Session, "before_flush")
def _stamp_times(session: Session, _context: Any, _instances: Any) -> None:
    clock: Clock | None = session.info.get("clock")
    if clock is None:  # a session without a clock keeps the times its rows were given
        return
    now = clock()
    for row in session.new:
        if isinstance(row, Timestamped):
            row.created_at = row.updated_at = now
    for row in session.dirty:
        if isinstance(row, Timestamped) and session.is_modified(row):
            row.updated_at = now


class DriverError(SQLAlchemyError):
    """The driver refused a statement that `Db.rows` or `Db.fetch_value` ran."""


class Reader(Protocol):
    """What deciding who acts needs (resolvers/auth.py): rows of prepared statements, the clock."""

    async def rows(self, query: Prepared, /, **values: Any) -> Sequence[Any]: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class SessionReader:
    """A `Reader` over a session that other code holds (bootstrap, the CLI, a mutation's)."""

    session: AsyncSession

    async def rows(self, query: Prepared, /, **values: Any) -> Sequence[Any]:
        return (await (await self.session.connection()).execute(query.statement, values)).all()

    def now(self) -> datetime:
        return now(self.session)  # type: ignore[no-any-return]


class DatabaseUnavailable(SQLAlchemyError):
    """The database could not be reached, or the connection was lost mid-request: nothing the
    client did wrong, and worth retrying shortly. A write it interrupted either committed whole or
    not at all. The message is fixed (the driver's own names hosts); the cause is chained."""

    def __init__(self) -> None:
        super().__init__("The database is unavailable; try again shortly.")


# The errors `unreachable` may say yes to (a DBAPIError only when its connection was lost); the
# app's routes outside GraphQL handle these types and answer 503 for those it says yes to.
UNREACHABLE: tuple[type[Exception], ...] = (DBAPIError, DatabaseUnavailable, PoolTimeout, ConnectionError, TimeoutError)


def unreachable(error: BaseException) -> bool:
    """A lost or refused connection, or none free in time; not a statement the database refused."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated
    return isinstance(error, UNREACHABLE)


class _SuppressLost:
    """For cleaning up after a lost connection: nothing is left to lose, SQLAlchemy discards it.
    A class, not a generator: every request's clean-up enters one."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: Any) -> bool:
        return isinstance(error, Exception) and unreachable(error)


class Db:
    """One AsyncSession per request behind a lock.

    GraphQL resolves sibling fields and DataLoader batches concurrently, but an AsyncSession
    must never run two statements at once; every use goes through `run`, `transaction`, `rows`
    or `fetch_value`. Functions given to them never call back into `Db` (no re-entry, so no
    deadlock). A read-only request whose statements are all prepared (who acts, a compiled
    read) needs no session at all: it runs them on a connection of the pool, in autocommit.
    """

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], replica: async_sessionmaker[AsyncSession] | None = None
    ) -> None:
        self._factory = factory
        self._replica = replica  # where a read-only request reads, when there is a replica
        self._engine: AsyncEngine = factory.kw["bind"]
        self._replica_engine: AsyncEngine | None = None if replica is None else replica.kw["bind"]
        self._postgresql = self._engine.dialect.name == "postgresql"
        self._session: AsyncSession | None = None
        self._pooled: PoolProxiedConnection | None = None  # a read-only request's, without a session
        self._lock = asyncio.Lock()
        self._read_only = False
        self.statements = 0  # run by this request's session (graph/metrics.py)

    def read_only(self) -> None:
        """This request only reads (a query): its statements run outside a transaction, which
        saves the BEGIN and ROLLBACK round trips (at READ COMMITTED each statement has its own
        snapshot either way), and on the replica when there is one. A request that writes never
        calls it, so its writes and the reads after them (its payload) stay on the primary.
        Applies from the next session on."""
        self._read_only = True

    async def _current(self) -> AsyncSession:
        if self._session is None:
            await self._release()  # one connection per request: the session takes its own
            factory = self._replica if self._read_only and self._replica is not None else self._factory
            self._session = factory()
            self._session.info["tally"] = weakref.ref(self)
            if self._read_only:
                await self._session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return self._session

    @asynccontextmanager
    async def _reachable(self) -> AsyncIterator[AsyncSession]:
        """The session; a lost connection is raised as `DatabaseUnavailable`, after a rollback so
        that the request's next use starts afresh (on a new connection, if one can be had)."""
        try:
            yield await self._current()
        except Exception as error:
            if not unreachable(error):
                raise
            if self._session is not None:
                with _SuppressLost():
                    await self._session.rollback()
            if isinstance(error, DatabaseUnavailable):
                raise
            raise DatabaseUnavailable() from error

    async def run(self, fn: SessionFn[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self._lock, self._reachable() as session:
            return await fn(session, *args, **kwargs)

    async def transaction(self, fn: SessionFn[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Commits once if `fn` returns, rolls everything back if it raises."""
        async with self._lock, self._reachable() as session:
            try:
                result = await fn(session, *args, **kwargs)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            return result

    async def rows(self, query: Prepared, /, **values: Any) -> Sequence[Any]:
        """A prepared statement's rows (named fields, the columns' Python types)."""
        if not self._postgresql:
            return await self.run(lambda session: SessionReader(session).rows(query, **values))
        compiled = query.compiled
        return compiled.rows(await self._driven(compiled.sql, compiled.arguments(values), "fetch"))

    async def fetch_value(self, sql: str, arguments: Sequence[Any]) -> Any:
        """One statement compiled ahead (graph/compiled/template.py), PostgreSQL only."""
        return await self._driven(sql, arguments, "fetchval")

    async def _driven(self, sql: str, arguments: Sequence[Any], method: str) -> Any:
        """Runs `sql` on the driver itself: SQLAlchemy's per-execution work is what a prepared
        statement exists to skip, but its `before_cursor_execute` and `after_cursor_execute`
        listeners still see it start and end (statement counts, logs, trace spans). A failure is
        raised as `DriverError` (`DatabaseUnavailable` when the connection is gone or none can be
        had) and rolls the session (if any) back. A connection whose server went is discarded with
        every older one of the pool, as SQLAlchemy does on a disconnect; one left mid-statement (a
        cancelled request) or failed on the client's side is discarded alone."""
        async with self._lock:
            if self._session is None and self._read_only:
                engine = self._replica_engine or self._engine  # the replica's pool, if any
                if self._pooled is None:
                    try:
                        self._pooled = await engine.raw_connection()
                    except Exception as error:
                        if unreachable(error) or isinstance(error, OSError):
                            raise DatabaseUnavailable() from error
                        raise
                    self._pooled.info["tally"] = weakref.ref(self)
                connection: Any = self._pooled
                pooled = self._pooled
            else:
                async with self._reachable() as session:
                    connection = (await session.connection()).sync_connection
                engine = self._engine_of(connection)
                pooled = connection.connection
            driver = pooled.driver_connection
            dispatch = engine.sync_engine.dispatch
            dispatch.before_cursor_execute(connection, None, sql, arguments, None, False)
            try:
                return await getattr(driver, method)(sql, *arguments)
            except BaseException as error:
                lost = driver.is_closed()
                await self._failed(engine, pooled, error, broken=lost or not isinstance(error, PostgresError))
                if isinstance(error, Exception):
                    if lost or unreachable(error) or isinstance(error, OSError):
                        raise DatabaseUnavailable() from error
                    raise DriverError(str(error)) from error
                raise
            finally:
                dispatch.after_cursor_execute(connection, None, sql, arguments, None, False)

    def _engine_of(self, connection: Any) -> AsyncEngine:
        """The engine a session's connection belongs to (the replica's or the primary's)."""
        replica = self._replica_engine
        return replica if replica is not None and connection.engine is replica.sync_engine else self._engine

    async def _failed(
        self, engine: AsyncEngine, pooled: PoolProxiedConnection, error: BaseException, *, broken: bool
    ) -> None:
        if broken:
            if pooled.driver_connection.is_closed():  # type: ignore[union-attr]  # the server went: the older ones too
                engine.sync_engine.pool._invalidate(pooled, error)
            else:  # left mid-statement, or a client-side failure: this connection's state is unknown
                pooled.invalidate(error)
            self._pooled = None
        session = self._session
        if session is None:
            return
        if broken:
            self._session = None
            with _SuppressLost():
                await asyncio.shield(session.invalidate())
        else:
            with _SuppressLost():
                await asyncio.shield(session.rollback())

    def now(self) -> Any:
        """The clock of the sessions this `Db` opens: what time-based rules compare against."""
        clock: Clock = self._factory.kw.get("info", {}).get("clock", utcnow)
        return clock()

    async def _release(self) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        pool = (self._replica_engine or self._engine).sync_engine.pool  # where `_driven` took it
        if isinstance(pool, QueuePool) and pooled.is_valid and pool.checkedin() < pool.size():
            # it only goes back into the pool's queue: no I/O (it holds no transaction to roll
            # back), so neither a greenlet nor a shielding task, which cost more than the rest of
            # the return; nothing is awaited, so no cancellation can cut it short
            pooled.close()
        else:  # the pool closes it (an overflow connection, an invalidated one): I/O, shielded
            await asyncio.shield(greenlet_spawn(pooled.close))

    async def close(self) -> None:
        """Shielded: a cancelled caller (a client leaving a subscription) must not abandon a
        connection half-returned to its pool, which would leave the driver waiting forever.
        A connection lost by now has nothing left to lose (whatever committed, committed): SQLAlchemy
        discards it, and the request keeps the answer it has."""
        if self._session is None and self._pooled is None and not self._lock.locked():
            return  # it holds nothing: a request that read nothing, or one closed already
        async with self._lock:
            session, self._session = self._session, None
            if session is not None:
                with _SuppressLost():
                    await asyncio.shield(session.close())
            with _SuppressLost():
                await self._release()


async def unseen(engine: AsyncEngine, sql: str, *arguments: Any) -> Any:
    """One statement (PostgreSQL) on the driver of a pooled connection, unseen by the engine's
    listeners: the service's own bookkeeping (shared rate counts, APQ queries), not a request's SQL
    (statement counts, metrics). The first column of its first row, or None. Raises what the
    driver raises, the connection discarded."""
    pooled = await engine.raw_connection()
    try:
        return await pooled.driver_connection.fetchval(sql, *arguments)  # type: ignore[union-attr]
    except BaseException:
        pooled.invalidate()
        raise
    finally:
        await asyncio.shield(greenlet_spawn(pooled.close))


def now(session: AsyncSession | Session) -> Any:
    """The session's clock reading: what rules about time compare against (tests freeze it)."""
    clock: Clock = session.info.get("clock", utcnow)
    return clock()
