"""OpenTelemetry traces, when OTEL_ENABLED (docs/operations.md).

A request's trace: the HTTP request's span (with its request id), below it the GraphQL operation
(or the compiled read, graph/compiled, which runs no resolvers), the resolvers that are not plain
attributes, and every SQL statement. The opentelemetry packages are the optional `otel` extra: only
`create_app` imports this module, and only when tracing is on, so without it nothing here is on any
request's path. Strawberry's own OpenTelemetryExtension is not used: its async `resolve` turns every
field into a coroutine (default resolvers too), its resolver spans are not made current (SQL would
not nest under them), and it records arguments, passwords among them.
"""

import copy
import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing.utils import should_skip_tracing
from strawberry.types import ExecutionContext

from models.settings import Settings

SPAN_KEY = "otel_span"  # a connection's statement in flight (one at a time per connection)
MAX_STATEMENT_CHARS = 4_096  # a compiled read's statement runs to many kilobytes


class Tracing:
    """One app's tracer and what it instruments; `close` flushes the spans of a provider it made."""

    def __init__(self, provider: trace.TracerProvider, *, owned: bool) -> None:
        self.provider = provider
        self.owned = owned
        self.tracer = provider.get_tracer("coursegraph")
        self.engines: list[AsyncEngine] = []

    @classmethod
    def start(cls, settings: Settings, provider: trace.TracerProvider | None = None) -> "Tracing":
        """With no provider given, one exporting by OTLP over HTTP (the exporter reads the standard
        OTEL_EXPORTER_OTLP_* variables) or to stdout with OTEL_TRACES_EXPORTER=console."""
        if provider is not None:
            return cls(provider, owned=False)
        made = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
        for name in {name.strip() for name in settings.otel_traces_exporter.split(",")} - {"none", ""}:
            made.add_span_processor(BatchSpanProcessor(_exporter(name)))
        return cls(made, owned=True)

    def schema(self, schema: strawberry.Schema) -> strawberry.Schema:
        """The same schema with `GraphQLSpans` first, so its operation span encloses the others' work."""
        traced = copy.copy(schema)
        traced.extensions = (lambda: GraphQLSpans(tracer=self.tracer), *schema.extensions)
        return traced

    def middleware(self) -> Middleware:
        return Middleware(RequestSpans, tracer=self.tracer)

    def compiled_read(self) -> AbstractContextManager[Span]:
        return self.tracer.start_as_current_span("GraphQL compiled read", attributes={"graphql.compiled": True})

    def instrument(self, engine: AsyncEngine) -> None:
        for name, listener in self._listeners():
            event.listen(engine.sync_engine, name, listener)
        self.engines.append(engine)

    def close(self) -> None:
        """Stops tracing the engines (a test's engine outlives its app) and flushes what is queued."""
        for engine in self.engines:
            for name, listener in self._listeners():
                event.remove(engine.sync_engine, name, listener)
        self.engines.clear()
        if self.owned and isinstance(self.provider, TracerProvider):
            self.provider.shutdown()

    def _listeners(self) -> list[tuple[str, Callable[..., None]]]:
        return [
            ("before_cursor_execute", self._statement_started),
            ("after_cursor_execute", self._statement_ended),
            ("handle_error", self._statement_failed),
        ]

    def _statement_started(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        """A child of whatever span is current: SQLAlchemy's async greenlets share the task's context."""
        head = statement.lstrip()
        verb = head.split(None, 1)[0].upper() if head else "SQL"
        conn.info[SPAN_KEY] = self.tracer.start_span(
            verb,
            kind=SpanKind.CLIENT,
            attributes={"db.system": _system(conn), "db.statement": statement[:MAX_STATEMENT_CHARS]},
        )

    def _statement_ended(self, conn: Any, *_: Any) -> None:
        span = conn.info.pop(SPAN_KEY, None)
        if span is not None:
            span.end()

    def _statement_failed(self, context: Any) -> None:
        span = context.connection.info.pop(SPAN_KEY, None) if context.connection is not None else None
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, type(context.original_exception).__name__))
            span.end()


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER: {name!r} is none of otlp, console, none")
    # in the `otel` extra, not in `test`: the suite exports to memory
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


class RequestSpans:
    """The HTTP request's span, current while the app answers, so everything below nests in it."""

    def __init__(self, app: ASGIApp, *, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        attributes = {
            "http.request.method": scope["method"],
            "url.path": scope["path"],
            "request.id": scope.get("state", {}).get("request_id", ""),
        }
        with self.tracer.start_as_current_span(scope["method"], kind=SpanKind.SERVER, attributes=attributes) as span:

            async def traced_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    if message["status"] >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, traced_send)
            route = scope.get("route")
            span.update_name(f"{scope['method']} {getattr(route, 'path', scope['path'])}")


class GraphQLSpans(SchemaExtension):
    """The operation's span, current while it runs, and one span per resolver that does work.

    `resolve` stays synchronous: a plain attribute is passed through untouched, and a resolver's
    span ends when its awaitable does (a coroutine's body runs only once awaited)."""

    def __init__(self, *, tracer: Tracer) -> None:
        self.tracer = tracer
        self.operation: otel_context.Context | None = None

    def on_operation(self) -> Iterator[None]:  # type: ignore[override]
        span = self.tracer.start_span("GraphQL operation")
        self.operation = trace.set_span_in_context(span)
        token = otel_context.attach(self.operation)
        try:
            yield
        finally:
            otel_context.detach(token)
            context = self.execution_context
            name = context.operation_name
            kind = _operation_type(context)
            if kind is not None:
                span.set_attribute("graphql.operation.type", kind)
                span.update_name(f"GraphQL {kind} {name}" if name else f"GraphQL {kind}")
            if name:
                span.set_attribute("graphql.operation.name", name)
            if context.pre_execution_errors or (context.result is not None and context.result.errors):
                span.set_status(Status(StatusCode.ERROR))
            span.end()

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        if should_skip_tracing(_next, info):
            return _next(root, info, *args, **kwargs)
        span = self.tracer.start_span(
            f"{info.parent_type.name}.{info.field_name}",
            context=self.operation,
            attributes={"graphql.field.path": ".".join(str(key) for key in info.path.as_list())},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            result = _next(root, info, *args, **kwargs)
        except BaseException as error:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()
            raise
        finally:
            otel_context.detach(token)
        if inspect.isawaitable(result):
            return _ended_with(span, result)
        span.end()
        return result


async def _ended_with(span: Span, awaitable: Awaitable[Any]) -> Any:
    with trace.use_span(span, end_on_exit=True, record_exception=False):
        return await awaitable


def _operation_type(context: ExecutionContext) -> str | None:
    """None when the document did not parse or names no such operation (the error says why)."""
    if context.graphql_document is None:
        return None
    try:
        return context.operation_type.value
    except RuntimeError:
        return None


def _system(conn: Any) -> str:
    """A session's connection knows its dialect; a pool's raw one (`Db`'s prepared statements,
    PostgreSQL only) does not."""
    dialect = getattr(conn, "dialect", None)
    return "postgresql" if dialect is None else str(dialect.name)
