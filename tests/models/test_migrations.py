from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from models.migrate import check_models_match
from models.tables import metadata


async def test_migrations_and_models_agree(engine: AsyncEngine) -> None:
    """The test database was built by `alembic upgrade head`; autogenerate must find nothing to add."""
    await check_models_match(engine)


async def test_every_table_exists_after_upgrade(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert set(metadata.tables) <= names


def test_tenant_owned_tables_carry_portal_id() -> None:
    accounts = {
        "portal",
        "user",
        "refreshtoken",
        "loginfailure",
        "ratecounter",
        "persistedquery",
        "signingsecret",
        "auditevent",
    }
    for name, table in metadata.tables.items():
        if name not in accounts:
            assert "portal_id" in table.c, name
            assert any(index.columns.keys()[0] == "portal_id" for index in table.indexes) or any(
                constraint.columns.keys()[0] == "portal_id" for constraint in table.constraints if constraint.columns
            ), name
