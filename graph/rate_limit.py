"""Request rates per credential and per client address (contract §10), refused before any work.

A fixed one-minute window per caller. The counters live in Redis when REDIS_URL is set, else on
PostgreSQL in a table, so every worker shares them either way; on SQLite (one process) in memory.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from models.base import Clock, utcnow
from models.session import unseen
from models.settings import Settings

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> int | None:
        """Counts one request for `key` in the window that starts at `window`; returns the total,
        or None when the count cannot be had (the request goes on: no limit is better than none
        served)."""
        ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class MemoryCounter:
    """This process's counts for the current window only: a new window starts them afresh."""

    window: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    async def hit(self, key: str, window: int) -> int:
        if window != self.window:
            self.window, self.counts = window, {}
        self.counts[key] = total = self.counts.get(key, 0) + 1
        return total

    async def close(self) -> None:
        self.counts.clear()


@dataclass(slots=True)
class RedisCounter:
    redis: Redis
    namespace: str

    async def hit(self, key: str, window: int) -> int:
        name = f"{self.namespace}:rate:{window}:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW_SECONDS * 2)
            total, _ = await pipe.execute()
        return int(total)

    async def close(self) -> None:
        await self.redis.aclose()


HIT = """INSERT INTO ratecounter (key, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN ratecounter.window_start = EXCLUDED.window_start THEN ratecounter.hits + 1 ELSE 1 END,
  window_start = EXCLUDED.window_start
RETURNING hits"""
SWEEP = "DELETE FROM ratecounter WHERE window_start < $1"
SWEEP_EVERY = 10_000  # hits of this process between deletions of callers gone quiet


@dataclass(slots=True)
class PostgresCounter:
    """Without Redis, on PostgreSQL, every worker's counts in one table (issue 11: whatever can use
    PostgreSQL does): one upsert per request, a row per caller, `unseen` by the request's
    statement counts and metrics."""

    engine: AsyncEngine
    hits: int = 0

    async def hit(self, key: str, window: int) -> int | None:
        try:
            total = await unseen(self.engine, HIT, key, window)
        except Exception:  # the database is away: the request will say so itself
            log.warning("rate limit: could not count", exc_info=True)
            return None
        self.hits += 1
        if self.hits % SWEEP_EVERY == 0:
            try:
                await unseen(self.engine, SWEEP, window - WINDOW_SECONDS)
            except Exception:  # the count stands; the next sweep tries again
                log.warning("rate limit: could not delete callers gone quiet", exc_info=True)
        return int(total)

    async def close(self) -> None:
        """The engine is the app's: it closes it."""


def make_counter(settings: Settings, engine: AsyncEngine) -> Counter:
    if settings.redis_url:
        return RedisCounter(Redis.from_url(settings.redis_url), settings.redis_namespace)
    if engine.dialect.name == "postgresql":
        return PostgresCounter(engine)
    return MemoryCounter()


@dataclass(frozen=True, slots=True)
class Throttle:
    """The caller's budget after this request, as `extensions.cost.throttleStatus` reports it."""

    limit: int
    remaining: int
    resets_in: int

    def report(self) -> dict[str, int]:
        return {"maximumAvailable": self.limit, "currentlyAvailable": self.remaining, "resetsInSeconds": self.resets_in}


@dataclass(slots=True)
class RateLimiter:
    settings: Settings
    counter: Counter
    clock: Clock = utcnow

    def identity(self, request: Request) -> tuple[str, int]:
        """A credential's bucket when one is sent (hashed: no secret is kept), else the address's."""
        credential = request.headers.get("authorization")
        if credential:
            return "key:" + hashlib.sha256(credential.encode()).hexdigest()[
                :32
            ], self.settings.rate_limit_per_credential
        address = request.client.host if request.client else "unknown"
        return f"ip:{address}", self.settings.rate_limit_per_ip

    async def refusal(self, request: Request) -> Response | None:
        """None when the request may go on (what is left of the budget is kept on the request's
        state for `extensions.cost`); otherwise the 429 it gets."""
        key, limit = self.identity(request)
        if limit <= 0:
            return None
        now = self.clock().timestamp()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        used = await self.counter.hit(key, window)
        if used is None:
            return None
        wait = max(int(window + WINDOW_SECONDS - now), 1)
        if used <= limit:
            request.state.throttle = Throttle(limit, limit - used, wait)
            return None
        error = {
            "message": f"Rate limit of {limit} requests a minute reached; retry in {wait} s.",
            "extensions": {"code": "RATE_LIMITED", "retryAfter": wait},
        }
        return JSONResponse({"errors": [error]}, status_code=429, headers={"retry-after": str(wait)})
