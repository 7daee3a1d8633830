"""Request rates per credential and per address: the 4th request over a limit of 3 is a 429."""

from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.settings import Settings
from tests.conftest import FrozenClock, serving

QUERY = {"query": "{ __typename }"}
REDIS_URL = "redis://127.0.0.1:6379/0"


async def statuses(http: httpx.AsyncClient, count: int, **headers: str) -> list[int]:
    return [(await http.post("/graphql", json=QUERY, headers=headers)).status_code for _ in range(count)]


async def test_an_address_over_its_limit_gets_429_with_retry_after(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, count_sql: Any
) -> None:
    clock.advance(seconds=15)  # 09:00:15: the window ends in 45 s
    async with serving(settings, engine, clock, rate_limit_per_ip=3) as http:
        assert await statuses(http, 3) == [200, 200, 200]
        with count_sql() as sql:
            refused = await http.post("/graphql", json=QUERY)
    assert sql.count == 0
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "45"
    error = refused.json()["errors"][0]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 45}


async def test_each_credential_has_its_own_budget(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> None:
    async with serving(settings, engine, clock, rate_limit_per_credential=2, rate_limit_per_ip=100) as http:
        assert await statuses(http, 3, authorization="Bearer one") == [200, 200, 429]
        assert await statuses(http, 2, authorization="Bearer two") == [200, 200]
        assert await statuses(http, 1) == [200]  # no credential: the address's budget


async def test_the_next_window_starts_afresh(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> None:
    async with serving(settings, engine, clock, rate_limit_per_ip=1) as http:
        assert await statuses(http, 2) == [200, 429]
        clock.advance(seconds=60)
        assert await statuses(http, 1) == [200]


async def test_with_redis_every_worker_shares_the_count(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock
) -> None:
    """Two app instances (as two workers) on one Redis: together they may not exceed the limit."""
    await every_worker_shares_the_count(settings, engine, clock, redis_url=REDIS_URL)


@pytest.mark.postgres_only
async def test_without_redis_postgresql_keeps_the_count_every_worker_shares(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, count_sql: Any
) -> None:
    """Two app instances on one PostgreSQL database and no Redis (issue 11), the counter being the
    limiter's own bookkeeping: it adds nothing to a request's statements."""
    await every_worker_shares_the_count(settings, engine, clock, redis_url=None)
    clock.advance(seconds=60)  # a new window: the count starts afresh
    counted = []
    for limit in (0, 3):  # without a limit, then with one
        async with serving(settings, engine, clock, rate_limit_per_ip=limit) as http:
            with count_sql() as sql:
                assert await statuses(http, 1) == [200]
            counted.append(sql.statements)
    assert counted[0] == counted[1]


async def every_worker_shares_the_count(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, *, redis_url: str | None
) -> None:
    shared = {"redis_url": redis_url, "redis_namespace": f"test-{uuid4().hex}", "rate_limit_per_ip": 3}
    async with (
        serving(settings, engine, clock, **shared) as first,
        serving(settings, engine, clock, **shared) as second,
    ):
        assert await statuses(first, 2) == [200, 200]
        assert await statuses(second, 2) == [200, 429]
        assert await statuses(first, 1) == [429]
