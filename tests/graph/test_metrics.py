"""Prometheus `/metrics`: requests and latency by operation, SQL statements per request, DataLoader
batch sizes and errors by code, scraped after a few requests."""

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from graph.metrics import MAX_OPERATIONS, OperationLabels
from tests.conftest import Api
from tests.factories import make_course, make_portal

CATALOG = "query Catalog { courses(first: 5) { nodes { title portal { name } } } }"


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, keyed by its name and labels."""
    page = await http.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page.text)
        for sample in family.samples
    }


def grown(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_requests_statements_batches_and_errors_are_exposed(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, count_sql: Any
) -> None:
    acme = await make_portal(session, slug="acme")
    for title in ("One", "Two"):
        await make_course(session, acme, title=title)
    admin = api.acting_in("acme")
    await admin.data("{ __typename }")  # the API key is issued before counting
    before = await scrape(http)
    with count_sql() as sql:
        answer = (await admin.post(CATALOG)).json()
    assert len(answer["data"]["courses"]["nodes"]) == 2
    await admin.post("{ nope }")
    after = await scrape(http)
    request = "coursegraph_request_duration_seconds"
    assert grown(before, after, f"{request}_count", operation="Catalog") == 1
    assert grown(before, after, f"{request}_sum", operation="Catalog") > 0
    statements = "coursegraph_sql_statements_per_request"
    assert grown(before, after, f"{statements}_count", operation="Catalog") == 1
    assert grown(before, after, f"{statements}_sum", operation="Catalog") == sql.count > 0
    assert grown(before, after, "coursegraph_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert grown(before, after, f"{request}_count", operation="anonymous") == 1


async def test_dataloader_batch_sizes_are_observed(api: Api, http: httpx.AsyncClient, session: AsyncSession) -> None:
    acme = await make_portal(session, slug="acme")
    for title in ("One", "Two", "Three"):
        await make_course(session, acme, title=title)
    before = await scrape(http)
    query = "{ courses(first: 5) { nodes { sections { title } } } }"  # one children batch of 3 courses
    assert len((await api.acting_in("acme").data(query))["courses"]["nodes"]) == 3
    after = await scrape(http)
    batches = "coursegraph_dataloader_batch_size"
    assert grown(before, after, f"{batches}_count", loader="children") == 1
    assert grown(before, after, f"{batches}_sum", loader="children") == 3


def test_operation_labels_stay_bounded() -> None:
    """Clients choose operation names: past the first ones seen, new names share one label."""
    label = OperationLabels()
    assert label(None) == "anonymous"
    assert label("Catalog") == "Catalog"
    assert label("not-a-name") == "other"
    for index in range(MAX_OPERATIONS):
        label(f"Flood{index}")
    assert label("OneTooMany") == "other"
    assert label("Catalog") == "Catalog"
