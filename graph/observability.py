"""Request ids, structured logs and the access log (docs/operations.md).

Every HTTP request gets an id before anything else runs: the caller's `X-Request-Id` when it is
sane (a proxy's or a client's, so one id follows the request across services), else a new one. It
is echoed in the response's `X-Request-Id`, kept on `request.state.request_id` (the GraphQL context
reads it there) and in a context variable, so every log line written while the request runs (the
masked originals of graph/errors.py among them) carries it, as does an INTERNAL_SERVER_ERROR's
`extensions.requestId`, which a user can quote to support.

`RequestTelemetry` is a pure ASGI middleware: Starlette's BaseHTTPMiddleware would add a task and
a body stream to every request (docs/performance.md). It does one thing per request, not per field.
"""

import json
import logging
import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.settings import Settings

HEADER = b"x-request-id"
SANE_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")  # no spaces, quotes or line breaks: safe in any log
CURRENT_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

access_log = logging.getLogger("coursegraph.access")

# What a LogRecord has of its own; anything else on a record came in `extra=` and is a field.
STANDARD_ATTRIBUTES = {
    *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's coloured copy of the message
}


def current_request_id() -> str | None:
    """The id of the request this code runs for; None outside one (start-up, background work)."""
    return CURRENT_ID.get()


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == HEADER:
            given = value.decode("latin-1")
            if SANE_ID.fullmatch(given):
                return given
            break
    return uuid4().hex


class RequestTelemetry:
    """Assigns the request id, echoes it, and writes one access log line per HTTP request."""

    def __init__(self, app: ASGIApp, *, log_access: bool) -> None:
        self.app = app
        self.log_access = log_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        token = CURRENT_ID.set(request_id)
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send, request_id)
            else:
                await self.app(scope, receive, send)
        finally:
            CURRENT_ID.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log_access:
                _log_access(scope, status=status, duration_ms=(time.perf_counter() - started) * 1000)


def _log_access(scope: Scope, *, status: int, duration_ms: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):  # LOG_LEVEL above INFO: not even the fields
        return
    state = scope.get("state", {})
    db = state.get("db")
    client = scope.get("client")
    access_log.info(
        "%s %s %d",
        scope["method"],
        scope["path"],
        status,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration_ms, 3),
            "operation": state.get("operation"),
            "sql_statements": None if db is None else db.statements,
            "client": client[0] if client else None,
        },
    )


class RequestIdFilter(logging.Filter):
    """Gives every record the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = CURRENT_ID.get()
        return True


class StructuredFormatter(logging.Formatter):
    """One line per record: a JSON object, or text with the `extra=` fields as key=value pairs."""

    def __init__(self, *, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            **{key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRIBUTES},
        }
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        if self.as_json:
            return json.dumps(fields, default=str)
        head = f"{fields.pop('time')} {fields.pop('level')} {fields.pop('logger')} {fields.pop('message')}"
        trace = fields.pop("exception", None)
        line = " ".join([head, *(f"{key}={value}" for key, value in fields.items() if value is not None)])
        return line if trace is None else f"{line}\n{trace}"


def structured_handler(stream: TextIO, *, as_json: bool) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(StructuredFormatter(as_json=as_json))
    handler.addFilter(RequestIdFilter())
    return handler


def log_config(settings: Settings) -> dict[str, Any]:
    """For `logging.config.dictConfig`: `coursegraph serve` gives it to uvicorn, so uvicorn's own
    lines share the format, and the served app applies it at start-up (`uvicorn graph.app:app`).
    As with uvicorn, access lines go to stdout and the rest to stderr. uvicorn's access log is
    silenced: the app's carries more (the request id, the operation)."""
    as_json = settings.log_format == "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "stderr": {"()": structured_handler, "stream": "ext://sys.stderr", "as_json": as_json},
            "stdout": {"()": structured_handler, "stream": "ext://sys.stdout", "as_json": as_json},
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level},
        "loggers": {
            access_log.name: {"handlers": ["stdout"], "propagate": False},
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
        },
    }
