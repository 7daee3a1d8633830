"""What clients see when things go wrong: a code on every error, nothing internal leaked."""

import asyncpg
import pytest
import strawberry
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from graph.errors import ErrorCodes
from models.settings import Settings
from tests.conftest import Api
from tests.factories import make_portal


@strawberry.type
class Exploding:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("password=hunter2 in /srv/secret.py")


async def test_unexpected_errors_are_masked_with_a_code() -> None:
    schema = strawberry.Schema(query=Exploding, extensions=[ErrorCodes])
    result = await schema.execute("{ broken }")
    assert result.errors is not None
    error = result.errors[0].formatted
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(error)


async def test_validation_errors_carry_their_code(api: Api) -> None:
    errors = await api.errors("{ portals { nope } }")
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_syntax_errors_carry_the_validation_code(api: Api) -> None:
    errors = await api.errors("{ portals { ")
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_undecodable_node_id_is_bad_user_input(api: Api) -> None:
    errors = await api.errors('{ node(id: "%%%") { id } }')
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_node_id_of_an_unknown_type_is_null(api: Api) -> None:
    data = await api.data('{ node(id: "V2lkZ2V0OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ==") { id } }')
    assert data == {"node": None}


async def test_a_badly_typed_variable_is_refused_with_a_code(api: Api) -> None:
    response = await api.post("query ($n: Int) { portals(first: $n) { totalCount } }", {"n": "many"})
    assert response.json()["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.postgres_only
@pytest.mark.parametrize("query", ['{ portal(slug: "acme") { slug } }', "{ portals { nodes { slug } } }"])
async def test_the_service_recovers_when_its_connections_are_dropped(
    api: Api, settings: Settings, session: AsyncSession, query: str
) -> None:
    """PostgreSQL ends every session of the test's database (as a restart does): at most the
    next request fails, with a code, and the ones after it are served again."""
    await make_portal(session, slug="acme")
    await api.credentials.api_key("acme")
    admin_api = api.acting_in("acme")  # the first query is a compiled read, the second the executor's
    expected = await admin_api.data(query)
    admin = await asyncpg.connect(make_url(settings.database_url).set(drivername="postgresql").render_as_string(False))
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert ended >= 1
    first = (await admin_api.post(query)).json()
    if "errors" in first:
        assert {error["extensions"]["code"] for error in first["errors"]} == {"SERVICE_UNAVAILABLE"}
    assert [await admin_api.data(query) for _ in range(3)] == [expected] * 3
