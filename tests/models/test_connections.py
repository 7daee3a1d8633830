"""What every PostgreSQL connection of the service is set up with."""

import asyncio

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.session import create_engine
from models.settings import Settings
from tests.conftest import Credentials, FrozenClock, serving
from tests.factories import make_portal

pytestmark = pytest.mark.postgres_only


@pytest.mark.parametrize("mode", [None, "auto", "force_custom_plan"])
async def test_connections_plan_prepared_statements_as_db_plan_cache_mode_says(
    settings: Settings, mode: str | None
) -> None:
    """Generic plans unless told otherwise: each statement planned once per connection."""
    configured = settings if mode is None else settings.model_copy(update={"db_plan_cache_mode": mode})
    engine = create_engine(configured)
    try:
        async with engine.connect() as connection:
            found = (await connection.execute(text("SHOW plan_cache_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert found == (mode or "force_generic_plan")


async def test_concurrent_requests_beyond_the_pool_wait_for_its_connections(
    settings: Settings, session: AsyncSession, clock: FrozenClock, credentials: Credentials
) -> None:
    """Four times as many requests at once as the pool holds: all answered, on the pool's two
    connections only. A connection opened for a burst is closed when returned, so under steady
    load it would be opened (and its statements planned) again and again."""
    configured = settings.model_copy(update={"db_pool_size": 2})
    engine = create_engine(configured)
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _: opened.append(connection))
    await make_portal(session, slug="acme")
    key = await credentials.api_key("acme")
    try:
        async with serving(configured, engine, clock) as http:
            answers = await asyncio.gather(
                *(
                    http.post("/graphql", json={"query": "{ courses(first: 1) { totalCount } }"}, headers=_as(key))
                    for _ in range(8)
                )
            )
    finally:
        await engine.dispose()
    assert [(answer.status_code, answer.json().get("errors")) for answer in answers] == [(200, None)] * 8
    assert len(opened) == 2


def _as(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "X-Portal": "acme"}
