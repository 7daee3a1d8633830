"""OpenTelemetry traces (OTEL_ENABLED), kept in memory by the SDK's InMemorySpanExporter: a request's
span carries its request id, and the GraphQL operation, its resolvers (or the compiled read) and
every SQL statement nest below it. Off (the default), the opentelemetry packages are not needed."""

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.app import create_app
from graph.cli import main
from graph.tracing import Tracing
from models.settings import Settings
from tests.conftest import Credentials, FrozenClock, serving
from tests.factories import make_course, make_portal

CREATE = 'mutation Create { courseCreate(input: {title: "Traced"}) { course { title } errors { code } } }'
CATALOG = "query Catalog { courses(first: 5) { nodes { title } } }"


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


@asynccontextmanager
async def traced_client(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, exporter: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    application = create_app(
        settings.model_copy(update={"otel_enabled": True}), engine=engine, clock=clock, tracer_provider=provider
    )
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as client,
    ):
        yield client


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    by_id = {each.context.span_id: each for each in spans}
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


def only(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    [span] = [span for span in spans if span.name == name]
    return span


async def test_a_mutation_traces_its_request_operation_resolver_and_statements(
    settings: Settings,
    engine: AsyncEngine,
    clock: FrozenClock,
    session: AsyncSession,
    credentials: Credentials,
    exported: InMemorySpanExporter,
) -> None:
    await make_portal(session, slug="acme")
    key = await credentials.api_key("acme")
    async with traced_client(settings, engine, clock, exported) as client:
        response = await client.post(
            "/graphql", json={"query": CREATE}, headers={"Authorization": f"Bearer {key}", "X-Portal": "acme"}
        )
    assert response.json()["data"]["courseCreate"] == {"course": {"title": "Traced"}, "errors": []}
    spans = list(exported.get_finished_spans())
    request = only(spans, "POST /graphql")
    assert request.kind == SpanKind.SERVER
    assert request.attributes is not None and request.attributes["request.id"] == response.headers["x-request-id"]
    assert request.attributes["http.response.status_code"] == 200
    operation = only(spans, "GraphQL mutation Create")
    assert ancestors(operation, spans) == [request]
    resolver = only(spans, "Mutation.courseCreate")
    assert ancestors(resolver, spans)[:2] == [operation, request]
    inserts = [span for span in spans if span.kind == SpanKind.CLIENT and span.name == "INSERT"]
    assert inserts and all(resolver in ancestors(insert, spans) for insert in inserts)
    assert any("INSERT INTO course " in str((insert.attributes or {})["db.statement"]) for insert in inserts)


@pytest.mark.postgres_only
async def test_a_compiled_read_has_its_own_span_with_its_statement_below_it(
    settings: Settings,
    engine: AsyncEngine,
    clock: FrozenClock,
    session: AsyncSession,
    credentials: Credentials,
    exported: InMemorySpanExporter,
) -> None:
    acme = await make_portal(session, slug="acme")
    await make_course(session, acme, title="One")
    key = await credentials.api_key("acme")
    async with traced_client(settings, engine, clock, exported) as client:
        response = await client.post(
            "/graphql", json={"query": CATALOG}, headers={"Authorization": f"Bearer {key}", "X-Portal": "acme"}
        )
    assert response.json()["data"] == {"courses": {"nodes": [{"title": "One"}]}}
    spans = list(exported.get_finished_spans())
    request = only(spans, "POST /graphql")
    read = only(spans, "GraphQL compiled read")
    assert ancestors(read, spans) == [request]
    below = [span for span in spans if span.kind == SpanKind.CLIENT and read in ancestors(span, spans)]
    assert any("json_build_object" in str((span.attributes or {})["db.statement"]) for span in below)
    assert not [span for span in spans if span.name.startswith("GraphQL query")]  # no resolver ran


async def test_with_tracing_off_the_service_needs_no_opentelemetry(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if the `otel` extra were not installed
    monkeypatch.setitem(sys.modules, "graph.tracing", None)
    async with serving(settings, engine, clock) as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.json()["data"] == {"__typename": "Query"}
    with pytest.raises(RuntimeError, match=r"coursegraph\[otel\]"):
        create_app(settings.model_copy(update={"otel_enabled": True}), engine=engine, clock=clock)


def test_serve_with_tracing_on_but_no_opentelemetry_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def started(*_: object, **__: object) -> None:
        raise AssertionError("the server started")

    for hidden in ("opentelemetry", "opentelemetry.sdk"):
        monkeypatch.setitem(sys.modules, hidden, None)
    monkeypatch.setattr(uvicorn, "run", started)
    monkeypatch.setenv("OTEL_ENABLED", "true")
    assert main(["serve"]) == 1
    assert capsys.readouterr().err == (
        "coursegraph serve: OTEL_ENABLED needs the `otel` extra: pip install 'coursegraph[otel]'.\n"
    )


def test_the_exporters_are_the_ones_otel_traces_exporter_lists() -> None:
    tracing = Tracing.start(Settings(otel_traces_exporter="console, none"))
    try:
        assert tracing.owned
        assert isinstance(tracing.provider, TracerProvider)
    finally:
        tracing.close()
    with pytest.raises(ValueError, match="'zipkin' is none of otlp, console, none"):
        Tracing.start(Settings(otel_traces_exporter="zipkin"))
