"""The ASGI application: GraphQL at /graphql, GraphiQL, health and readiness probes."""

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from graph import compiled
from graph.body_limit import BodyLimit
from graph.context import Context, make_context
from graph.errors import retry_after, without_leaks
from graph.events import Broker
from graph.graphiql import graphiql_assets, graphiql_page
from graph.integrations.learncube import learncube_route
from graph.rate_limit import RateLimiter, make_counter
from graph.schema import schema
from graph.transport import http_refusal, negotiated, nul_refusal, wants_graphql_response
from models.base import Clock, utcnow
from models.session import create_engine, session_factory
from models.settings import Settings


class CourseGraphView(GraphQL[Context, None]):
    def __init__(self, *, settings: Settings, sessions: async_sessionmaker[AsyncSession], limiter: RateLimiter) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.settings = settings
        self.sessions = sessions
        self.limiter = limiter
        self.events = Broker()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return make_context(request, self.settings, self.sessions, self.events)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page()

    async def run(self, request: Request | WebSocket, **kwargs: Any) -> Any:
        if isinstance(request, Request):
            refusal = await self.limiter.refusal(request) or await nul_refusal(request)
            if refusal is not None:
                return refusal
        try:
            response = await super().run(request, **kwargs)
        except HTTPException as exc:
            return http_refusal(exc.status_code, exc.reason)
        if not isinstance(request, Request) or not isinstance(response, Response):
            return response
        wait = getattr(request.state, "retry_after", None)
        if wait is not None:
            response.status_code = 429
            response.headers["retry-after"] = str(wait)
        return negotiated(request, response, refused=getattr(request.state, "refused", False))

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = without_leaks(result.errors)
            request.state.retry_after = retry_after(result.errors)
        processed = await super().process_result(request, result)
        if isinstance(result, PreExecutionError):
            request.state.refused = True
            if wants_graphql_response(request):
                processed.pop("data", None)
        return processed

    def encode_json(self, data: object) -> str:
        return _encoded(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """A compiled read when the query has one (graph/compiled); else the executor.

        A mutation over GET is 405 Method Not Allowed (GraphQL over HTTP), not 400."""
        request_data, context = kwargs["request_data"], kwargs["context"]
        data = await compiled.answer(context, request_data.query, request_data.variables, request_data.operation_name)
        if data is not None:
            return ExecutionResult(data=CompiledData(data), errors=None)
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, exc.reason) from exc
            raise


class CompiledData(str):
    """A response's `data` that PostgreSQL already wrote as JSON: spliced in, never re-encoded."""


def _encoded(response: Any) -> str:
    if isinstance(response, dict) and isinstance(response.get("data"), CompiledData):
        rest = json.dumps({key: value for key, value in response.items() if key != "data"}, separators=(",", ":"))
        return '{"data":' + response["data"] + ("}" if rest == "{}" else "," + rest[1:])
    return json.dumps(response, separators=(",", ":"))


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utcnow,
    freeze_heap: bool = False,
) -> Starlette:
    """`freeze_heap`, for a worker process that serves until it exits: once started, everything
    alive (modules, the schema, plans) leaves the garbage collector's view, so its full
    collections stop walking them: fewer and shorter pauses, so a lower p99."""
    settings = settings or Settings()
    engine = engine or create_engine(settings)
    sessions = session_factory(engine, clock)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means "not ready"
            return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
        return JSONResponse({"status": "ok", "database": True})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if freeze_heap:
            gc.collect()
            gc.freeze()
        yield
        await limiter.counter.close()
        await engine.dispose()

    limiter = RateLimiter(settings, make_counter(settings), clock)
    view = CourseGraphView(settings=settings, sessions=sessions, limiter=limiter)
    routes = [
        Route("/graphql", view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        learncube_route(sessions, view.events),
        graphiql_assets(),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(BodyLimit, max_bytes=settings.max_body_bytes)]
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.events = view.events
    return app


app = create_app(freeze_heap=True)  # what `coursegraph serve` runs in each worker
