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
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "graphql-ws.min.js"):
        assert f"/graphiql-assets/{asset}" in page.text
        served = await http.get(f"/graphiql-assets/{asset}")
        assert served.status_code == 200 and len(served.content) > 1_000, asset


async def test_a_mutation_over_get_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql", params={"query": 'mutation { portalCreate(input: {name: "x"}) { errors { code } } }'}
    )
    assert response.status_code == 405
