"""Probes and GraphiQL, as operators and partners first meet the service."""

import httpx
from asgi_lifespan import LifespanManager

from graph.app import create_app
from models.settings import Settings


async def test_healthz_answers_without_the_database(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] is True


async def test_readyz_reports_an_unreachable_database() -> None:
    settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] is False


async def test_graphiql_is_served_from_the_package_without_a_cdn(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert "unpkg" not in page.text and "jsdelivr" not in page.text and "cdn" not in page.text.lower()
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"):
        assert f"/graphiql-assets/{asset}" in page.text
        served = await http.get(f"/graphiql-assets/{asset}")
        assert served.status_code == 200 and len(served.content) > 1_000, asset


async def test_a_mutation_over_get_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": 'mutation { portalCreate(input: {name: "x"}) { errors { code } } }'}
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_malformed_json_is_a_graphql_shaped_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_clients_that_accept_graphql_response_json_get_it(http: httpx.AsyncClient) -> None:
    accept = {"accept": "application/graphql-response+json, application/json;q=0.9"}
    good = await http.post("/graphql", json={"query": "{ __typename }"}, headers=accept)
    assert good.status_code == 200
    assert good.headers["content-type"] == "application/graphql-response+json"
    assert good.json()["data"] == {"__typename": "Query"}
    invalid = await http.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    assert invalid.status_code == 400
    assert "data" not in invalid.json()
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_legacy_clients_get_application_json_and_200(http: httpx.AsyncClient) -> None:
    for accept in ("application/json", "*/*", "application/json, application/graphql-response+json;q=0.5"):
        response = await http.post("/graphql", json={"query": "{ nope }"}, headers={"accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith("application/json"), accept
