"""Engine and the per-request `Db`: one session, used by one coroutine at a time."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models.base import Clock, Timestamped, utcnow
from models.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")
SessionFn = Callable[Concatenate[AsyncSession, P], Awaitable[R]]


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """SQLite gets a fresh connection per session (NullPool) so files can be swapped by tests."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, echo=settings.sql_echo, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_async_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"statement_timeout": str(settings.db_statement_timeout_ms)}},
    )


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


class Db:
    """One AsyncSession per request behind a lock.

    GraphQL resolves sibling fields and DataLoader batches concurrently, but an AsyncSession
    must never run two statements at once; every use goes through `run` or `transaction`.
    Functions given to them never call back into `Db` (no re-entry, so no deadlock).
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()

    def _current(self) -> AsyncSession:
        if self._session is None:
            self._session = self._factory()
        return self._session

    async def run(self, fn: SessionFn[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self._lock:
            return await fn(self._current(), *args, **kwargs)

    async def transaction(self, fn: SessionFn[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Commits once if `fn` returns, rolls everything back if it raises."""
        async with self._lock:
            session = self._current()
            try:
                result = await fn(session, *args, **kwargs)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            return result

    def now(self) -> Any:
        """The clock of the sessions this `Db` opens: what time-based rules compare against."""
        clock: Clock = self._factory.kw.get("info", {}).get("clock", utcnow)
        return clock()

    async def close(self) -> None:
        """Shielded: a cancelled caller (a client leaving a subscription) must not abandon a
        connection half-returned to its pool, which would leave the driver waiting forever."""
        async with self._lock:
            session, self._session = self._session, None
            if session is not None:
                await asyncio.shield(session.close())


def now(session: AsyncSession | Session) -> Any:
    """The session's clock reading: what rules about time compare against (tests freeze it)."""
    clock: Clock = session.info.get("clock", utcnow)
    return clock()
