"""What every PostgreSQL connection of the service is set up with."""

import pytest
from sqlalchemy import text

from models.session import create_engine
from models.settings import Settings

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
