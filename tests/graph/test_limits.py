"""Limits refuse abusive requests before any resolver runs: the refusal costs no SQL (contract §10)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncEngine

from graph.app import create_app
from models.settings import Settings
from tests.conftest import Api, Credentials, serving
from tests.factories import make_portal

GRAPHQL_RESPONSE = "application/graphql-response+json"
THREE_CONNECTIONS = (
    "query($n: Int) { portals(first: $n) { nodes { courses(first: $n) { nodes { "
    "portal { users(first: $n) { nodes { id } } } } } } } }"
)
THREE_HUNDREDS = THREE_CONNECTIONS.replace("query($n: Int) ", "").replace("$n", "100")


def nested(depth: int) -> str:
    """A query `depth` levels deep: portal → parent → parent … → id."""
    inner = "id"
    for _ in range(depth - 2):
        inner = f"parent {{ {inner} }}"
    return f'{{ portal(slug: "acme") {{ {inner} }} }}'


async def refused(api: Api, count_sql: Any, query: str, **headers: str) -> httpx.Response:
    with count_sql() as sql:
        response = await api.post(query, **headers)
    assert sql.count == 0, sql.statements
    return response


def code_of_body(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


def code_of(response: httpx.Response) -> str:
    return code_of_body(response.json())


@pytest.fixture
async def acme(api: Api, session: Any) -> Api:
    await make_portal(session, slug="acme")
    await api.credentials.api_key("acme")  # issued before counting: a client already holds its key
    return api.acting_in("acme")


async def test_twelve_levels_run_and_thirteen_are_refused(acme: Api, count_sql: Any) -> None:
    assert (await acme.data(nested(12)))["portal"] is not None
    response = await refused(acme, count_sql, nested(13))
    assert response.status_code == 200
    assert code_of(response) == "QUERY_TOO_COMPLEX"
    assert "13 levels" in response.json()["errors"][0]["message"]


async def test_thirty_one_aliases_are_refused(acme: Api, count_sql: Any) -> None:
    fields = " ".join(f"a{i}: slug" for i in range(31))
    response = await refused(acme, count_sql, f'{{ portal(slug: "acme") {{ {fields} }} }}')
    assert code_of(response) == "QUERY_TOO_COMPLEX"
    assert "31 aliases" in response.json()["errors"][0]["message"]


async def test_aliases_hidden_in_fragments_count(acme: Api, count_sql: Any) -> None:
    fields = " ".join(f"a{i}: slug" for i in range(16))
    query = (
        f'{{ portal(slug: "acme") {{ ...A ...B }} }} '
        f"fragment A on Portal {{ {fields} }} fragment B on Portal {{ {fields} }}"
    )
    assert code_of(await refused(acme, count_sql, query)) == "QUERY_TOO_COMPLEX"


async def test_connections_nested_three_times_at_a_hundred_exceed_the_budget(acme: Api, count_sql: Any) -> None:
    response = await refused(acme, count_sql, THREE_HUNDREDS)
    assert code_of(response) == "QUERY_TOO_COMPLEX"
    assert "1010101 items" in response.json()["errors"][0]["message"]


async def test_page_sizes_given_as_variables_count_too(acme: Api, count_sql: Any) -> None:
    with count_sql() as sql:
        response = await acme.http.post(
            "/graphql", json={"query": THREE_CONNECTIONS, "variables": {"n": 100}}, headers={"X-Portal": "acme"}
        )
    assert sql.count == 0
    assert code_of(response) == "QUERY_TOO_COMPLEX"


async def test_more_tokens_than_allowed_are_refused(acme: Api, count_sql: Any) -> None:
    query = "{ " + " ".join(["__typename"] * 5_001) + " }"
    response = await refused(acme, count_sql, query)
    assert code_of(response) == "QUERY_TOO_COMPLEX"


async def test_refusals_are_400_for_graphql_response_json(acme: Api, count_sql: Any) -> None:
    response = await refused(acme, count_sql, nested(13), accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert code_of(response) == "QUERY_TOO_COMPLEX"


async def test_a_body_over_one_mebibyte_is_413_before_graphql_reads_it(acme: Api, count_sql: Any) -> None:
    padding = " " * (2 * 1024 * 1024)
    with count_sql() as sql:
        response = await acme.http.post(
            "/graphql",
            content=f'{{"query": "{{ __typename }}{padding}"}}',
            headers={"content-type": "application/json", "X-Portal": "acme"},
        )
    assert sql.count == 0
    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_body_over_the_limit_is_413_too(acme: Api, count_sql: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }'
        for _ in range(33):
            yield b" " * 65_536
        yield b'"}'

    with count_sql() as sql:
        response = await acme.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert sql.count == 0
    assert response.status_code == 413


@pytest.fixture
async def closed(settings: Settings, engine: AsyncEngine, credentials: Credentials) -> AsyncIterator[Api]:
    """The production switches: no introspection, no GraphiQL."""
    app = create_app(settings.model_copy(update={"introspection": False, "graphiql": False}), engine=engine)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield Api(http, credentials)


async def test_introspection_can_be_switched_off(closed: Api, count_sql: Any) -> None:
    response = await refused(closed, count_sql, "{ __schema { types { name } } }")
    assert code_of(response) == "GRAPHQL_VALIDATION_FAILED"
    assert (await closed.data("{ __typename }")) == {"__typename": "Query"}


async def test_graphiql_can_be_switched_off(closed: Api) -> None:
    response = await closed.http.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in response.text.lower()


COST = "{ portals(first: 3) { nodes { courses(first: 10) { nodes { title } } } } }"  # 1 + 3 + 3 × 10


async def test_every_response_reports_its_cost_and_the_budget_left(
    settings: Settings, engine: AsyncEngine, clock: Any, session: Any
) -> None:
    """On both read paths (PostgreSQL answers this query compiled, SQLite through the executor)."""
    await make_portal(session, slug="acme")
    async with serving(settings, engine, clock, rate_limit_per_ip=5) as http:
        reported = [
            (await http.post("/graphql", json={"query": COST}, headers={"X-Portal": "acme"})).json()["extensions"]
            for _ in range(2)
        ]
        too_big = (await http.post("/graphql", json={"query": THREE_HUNDREDS})).json()
    assert [r["cost"] for r in reported] == [
        {
            "requestedQueryCost": 34,
            "maximumQueryCost": 50_000,
            "throttleStatus": {"maximumAvailable": 5, "currentlyAvailable": left, "resetsInSeconds": 60},
        }
        for left in (4, 3)
    ]
    assert code_of_body(too_big) == "QUERY_TOO_COMPLEX"
    assert too_big["extensions"]["cost"]["requestedQueryCost"] == 1_010_101
