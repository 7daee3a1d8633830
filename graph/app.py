"""The ASGI application: GraphQL at /graphql, GraphiQL, health and readiness probes, the Courses API
completions endpoint (seed 001), and the webhook delivery worker as a background task (WEBHOOK_WORKER)."""

import asyncio
import contextlib
import gc
import json
import logging
import logging.config
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException, StarletteRequestAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from graph import compiled
from graph.assignments.downloads import download_route
from graph.body_limit import BodyLimit
from graph.context import Context, make_context
from graph.errors import retry_after, unavailable, without_leaks
from graph.events import make_broker
from graph.graphiql import graphiql_assets, graphiql_page
from graph.integrations.courses_api import completions_route
from graph.integrations.learncube import learncube_route
from graph.metrics import ERRORS, REQUESTS, STATEMENTS, metrics_endpoint, operation_label
from graph.observability import RequestTelemetry, log_config
from graph.persisted import PersistedQueries, PersistedQueryRefusal, make_persisted_queries
from graph.rate_limit import RateLimiter, make_counter
from graph.schema import schema
from graph.transport import (
    JSON,
    http_refusal,
    negotiated,
    nul_refusal,
    refusal_code,
    upload_refusal,
    wants_graphql_response,
)
from models.base import Clock, utcnow
from models.session import (
    UNREACHABLE,
    DatabaseUnavailable,
    create_engine,
    create_replica_engine,
    session_factory,
    unreachable,
)
from models.settings import Settings
from models.storage import FileStorage, LocalDiskStorage
from resolvers.errors import Forbidden, NotFound, Unauthenticated
from resolvers.webhooks.delivery import DeliveryPolicy, run_worker

if TYPE_CHECKING:
    from graph.tracing import Tracing

log = logging.getLogger("coursegraph.app")


class ParsedRequest(StarletteRequestAdapter):
    """Strawberry's view of a request, with the request's state: where `_compiled` keeps what it parsed."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.state = request.state


class CourseGraphView(GraphQL[Context, None]):
    request_adapter_class = ParsedRequest

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        replica: async_sessionmaker[AsyncSession] | None,
        limiter: RateLimiter,
        persisted: PersistedQueries,
        storage: FileStorage,
        tracing: "Tracing | None" = None,
    ) -> None:
        graphql_schema = schema if tracing is None else tracing.schema(schema)
        graphiql = "graphiql" if settings.graphiql else None
        super().__init__(graphql_schema, graphql_ide=graphiql, multipart_uploads_enabled=True)
        self.settings = settings
        self.sessions = sessions
        self.replica = replica  # queries' sessions (DATABASE_REPLICA_URL); None: the primary's
        self.limiter = limiter
        self.persisted = persisted
        self.storage = storage
        self.events = make_broker(settings, sessions.kw["bind"].url)
        self.compiled_span: Callable[[], AbstractContextManager[Any]] = (
            nullcontext if tracing is None else tracing.compiled_read
        )

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        context = getattr(request.state, "context", None)  # an upload's, made to check its caller first
        if context is None:
            context = self._context(request)
        request.state.db = context.db  # its statement count, for the metrics
        return context

    def _context(self, request: Request | WebSocket) -> Context:
        return make_context(request, self.settings, self.sessions, self.events, self.storage, self.replica)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a persisted query sent by GET: it has `extensions` instead of `query`."""
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page()

    async def run(self, request: Request | WebSocket, **kwargs: Any) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, **kwargs)
        started = time.perf_counter()
        try:
            response = await self._answer(request, **kwargs)
        finally:
            await request.close()  # an upload's spooled files
            context = getattr(request.state, "context", None)
            if context is not None:  # an upload refused before its operation ran keeps no connection
                await context.db.close()
        operation = operation_label(getattr(request.state, "operation", None))
        REQUESTS.labels(operation).observe(time.perf_counter() - started)
        db = getattr(request.state, "db", None)
        if db is not None:
            STATEMENTS.labels(operation).observe(db.statements)
        return response

    async def _answer(self, request: Request, **kwargs: Any) -> Any:
        refusal = (
            await self.limiter.refusal(request)
            or await upload_refusal(request, lambda: self._signed_in(request))
            or await nul_refusal(request)
        )
        if refusal is not None:
            ERRORS.labels(refusal_code(refusal)).inc()
            return refusal
        try:
            response = await self._compiled(request) or await super().run(request, **kwargs)
        except HTTPException as exc:
            refused = http_refusal(exc.status_code, exc.reason)
            ERRORS.labels(refusal_code(refused)).inc()
            return refused
        except PersistedQueryRefusal as refusal:
            ERRORS.labels(refusal.code).inc()
            error = {"message": refusal.message, "extensions": {"code": refusal.code}}
            return negotiated(request, JSONResponse({"errors": [error]}), refused=True)
        if not isinstance(response, Response):
            return response
        wait = getattr(request.state, "retry_after", None)
        if wait is not None:
            response.status_code = 429
            response.headers["retry-after"] = str(wait)
        if getattr(request.state, "unavailable", False):
            response.status_code = 503
        return negotiated(request, response, refused=getattr(request.state, "refused", False))

    async def _compiled(self, request: Request) -> Response | None:
        """A POSTed query that has a compiled plan, answered without the rest of Strawberry's
        request handling, which for a small answer costs more than the read (docs/performance.md).
        What it parsed (persisted query resolved) is kept for the view; anything that is not a plain
        answer — a refusal, a batch, a stream, no plan, an error — gets None and goes the whole way,
        which gives it the same answer it always did."""
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if request.method != "POST" or media_type != JSON:
            return None
        if self._get_stream_transport_from_headers(request.headers) is not None:
            return None
        try:
            single = _single(json.loads(await request.body()))
            if single is None:
                return None
            parsed = request.state.parsed = await self.persisted.resolve(single)
        except (ValueError, PersistedQueryRefusal):  # the view refuses it, as always
            return None
        context = request.state.context = self._context(request)
        request.state.db = context.db
        data = await self._compiled_data(context, parsed)
        if data is None:
            return None
        return Response(_encoded(self._measured(request, {"data": data})), media_type=JSON)

    async def _compiled_data(self, context: Context, request: GraphQLRequestData) -> "CompiledData | None":
        data = await compiled.answer(
            context, request.query, request.variables, request.operation_name, traced=self.compiled_span
        )
        return None if data is None else CompiledData(data)

    async def _signed_in(self, request: Request) -> bool:
        """Whether the request's credential names a known caller (an upload is only read for one).
        The context it makes is the operation's too, so who acts is looked up once."""
        context = request.state.context = self._context(request)
        try:
            return (await context.actor()).signed_in
        except (Unauthenticated, Forbidden, NotFound):
            return False

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = without_leaks(result.errors)
            request.state.retry_after = retry_after(result.errors)
            request.state.unavailable = unavailable(result.data, result.errors)
            for error in result.errors:
                ERRORS.labels((error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")).inc()
        processed = self._measured(request, await super().process_result(request, result))
        if isinstance(result, PreExecutionError):
            request.state.refused = True
            if wants_graphql_response(request):
                processed.pop("data", None)
        return processed

    def _measured(self, request: Request, processed: GraphQLHTTPResponse) -> GraphQLHTTPResponse:
        """With `extensions.cost` when the request was measured (graph/limits.py)."""
        cost = getattr(request.state, "cost", None)
        if cost is not None:
            throttle = getattr(request.state, "throttle", None)
            processed.setdefault("extensions", {})["cost"] = {
                "requestedQueryCost": cost,
                "maximumQueryCost": self.settings.max_query_cost,
                "throttleStatus": None if throttle is None else throttle.report(),
            }
        return processed

    async def parse_http_body(self, request: ParsedRequest) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Fills in the query of a persisted-query request (graph/persisted.py); an `operationName`
        that is not a string is a bad request on either read path (GraphQL over HTTP). A body the
        compiled path parsed already (`_compiled`) is not parsed, nor its persisted query looked up, twice."""
        parsed = getattr(request.state, "parsed", None)
        if parsed is not None:
            return parsed  # type: ignore[no-any-return]
        data = await super().parse_http_body(request)
        items = data if isinstance(data, list) else [data]
        if any(not isinstance(item.operation_name, str | None) for item in items):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        resolved = [await self.persisted.resolve(item) for item in items]
        return resolved if isinstance(data, list) else resolved[0]

    def encode_json(self, data: object) -> str:
        return _encoded(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """A compiled read when the query has one (graph/compiled); else the executor.

        A mutation over GET is 405 Method Not Allowed (GraphQL over HTTP), not 400."""
        request_data, context = kwargs["request_data"], kwargs["context"]
        tried = getattr(context.request.state, "parsed", None) is not None  # by `_compiled`
        data = None if tried else await self._compiled_data(context, request_data)
        if data is not None:
            return ExecutionResult(data=data, errors=None)
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise


def _single(body: object) -> GraphQLRequestData | None:
    """One operation whose members have the types GraphQL over HTTP allows; None for anything
    else, which the view parses and refuses as always."""
    if not isinstance(body, dict):
        return None
    query, variables, name, extensions = map(body.get, ("query", "variables", "operationName", "extensions"))
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(name, str | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    return GraphQLRequestData(query=query, variables=variables, operation_name=name, extensions=extensions)


class CompiledData(str):
    """A response's `data` that PostgreSQL already wrote as JSON: spliced in, never re-encoded."""


def _encoded(response: Any) -> str:
    if isinstance(response, dict) and isinstance(response.get("data"), CompiledData):
        rest = json.dumps({key: value for key, value in response.items() if key != "data"}, separators=(",", ":"))
        return '{"data":' + response["data"] + ("}" if rest == "{}" else "," + rest[1:])
    return json.dumps(response, separators=(",", ":"))


async def database_unavailable(_: Request, error: Exception) -> Response:
    """Routes outside GraphQL (files, integrations) answer a lost database as GraphQL does: 503
    with the code, no trace; any other error goes on to the server's 500."""
    if not unreachable(error):
        raise error
    return http_refusal(503, str(DatabaseUnavailable()))


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utcnow,
    freeze_heap: bool = False,
    storage: FileStorage | None = None,
    configure_logging: bool = False,
    tracer_provider: Any = None,
) -> Starlette:
    """`freeze_heap`, for a worker process that serves until it exits: once started, everything
    alive (modules, the schema, plans) leaves the garbage collector's view, so its full
    collections stop walking them: fewer and shorter pauses, so a lower p99. `configure_logging`,
    for the same process: LOG_FORMAT and LOG_LEVEL from start-up on (tests keep pytest's logging).
    `tracer_provider`: where OTEL_ENABLED traces go (tests pass one that keeps them in memory)."""
    settings = settings or Settings()
    engine = engine or create_engine(settings)
    tracing = _tracing(settings, engine, tracer_provider) if settings.otel_enabled else None
    sessions = session_factory(engine, clock)
    replica = create_replica_engine(settings)
    if tracing is not None and replica is not None:
        tracing.instrument(replica)
    storage = storage or LocalDiskStorage(settings.upload_dir)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def reachable(database: AsyncEngine) -> bool:
        try:
            async with database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means "not ready"
            return False
        return True

    async def readyz(_: Request) -> Response:
        """Ready when this worker can answer every request: the primary and, if named, the replica."""
        names, engines = ("database", "replica"), (engine,) if replica is None else (engine, replica)
        found = dict(zip(names, await asyncio.gather(*map(reachable, engines)), strict=False))  # at once
        if not all(found.values()):
            return JSONResponse({"status": "unavailable", **found}, status_code=503)
        return JSONResponse({"status": "ok", **found})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if configure_logging:
            logging.config.dictConfig(log_config(settings))
        if freeze_heap:
            gc.collect()
            gc.freeze()
        worker, stopping = None, asyncio.Event()
        if settings.webhook_worker:
            policy = DeliveryPolicy.of(settings)
            worker = asyncio.create_task(
                run_worker(engine, clock, policy=policy, poll_seconds=settings.webhook_poll_seconds, stop=stopping)
            )
        await view.events.start()
        yield
        # uvicorn runs this once in-flight requests are answered (graceful shutdown, graph/cli.py)
        await view.events.close()
        if worker is not None:
            log.info("stopping the webhook worker: a delivery pass under way finishes first")
            stopping.set()  # past the grace period it is cancelled
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker, settings.graceful_shutdown_seconds)
        await limiter.counter.close()
        await persisted.close()
        await engine.dispose()
        if replica is not None:
            await replica.dispose()
        if tracing is not None:
            tracing.close()

    limiter = RateLimiter(settings, make_counter(settings, engine), clock)
    persisted = make_persisted_queries(settings, engine, clock)
    view = CourseGraphView(
        settings=settings,
        sessions=sessions,
        replica=None if replica is None else session_factory(replica, clock),
        limiter=limiter,
        persisted=persisted,
        storage=storage,
        tracing=tracing,
    )
    routes = [
        Route("/graphql", view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint(settings.prometheus_multiproc_dir)),
        download_route(settings, sessions, storage, clock),
        completions_route(sessions, view.events),
        learncube_route(sessions, view.events),
        graphiql_assets(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=dict.fromkeys(UNREACHABLE, database_unavailable),
        middleware=[
            Middleware(RequestTelemetry, log_access=settings.access_log),
            *([] if tracing is None else [tracing.middleware()]),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_body_bytes),
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.events = view.events
    return app


def _tracing(settings: Settings, engine: AsyncEngine, provider: Any) -> "Tracing":
    """Imported only when on: the opentelemetry packages are the optional `otel` extra."""
    try:
        from graph.tracing import Tracing
    except ModuleNotFoundError as missing:
        raise RuntimeError("OTEL_ENABLED needs the `otel` extra: pip install 'coursegraph[otel]'") from missing
    tracing = Tracing.start(settings, provider)
    tracing.instrument(engine)
    return tracing


app = create_app(freeze_heap=True, configure_logging=True)  # what `coursegraph serve` runs in each worker
