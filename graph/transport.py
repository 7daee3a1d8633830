"""GraphQL over HTTP as contract §2 states it: media type negotiation and the refusal statuses.

With `application/graphql-response+json` a request that never reached execution (syntax,
validation, limits) is 400 and has no `data`; with `application/json` it stays 200 for older
clients. Transport refusals (malformed JSON, a wrong method) are GraphQL-shaped JSON too.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.body_limit import has_preflight, is_multipart
from resolvers.assignments import MAX_FILES

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    503: "SERVICE_UNAVAILABLE",  # graph.errors.UNAVAILABLE: the database is out of reach
}


def _quality(accept: str, media_type: str) -> float | None:
    for part in accept.split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        if name.lower() == media_type:
            for param in params:
                key, _, value = param.partition("=")
                if key.strip() == "q":
                    try:
                        return float(value)
                    except ValueError:
                        return 0.0
            return 1.0
    return None


def wants_graphql_response(request: Request) -> bool:
    """The client lists graphql-response+json at least as high as application/json."""
    accept = request.headers.get("accept", "")
    preferred = _quality(accept, GRAPHQL_RESPONSE)
    if not preferred:
        return False
    legacy = _quality(accept, JSON)
    return legacy is None or preferred >= legacy


def negotiated(request: Request, response: Response, *, refused: bool) -> Response:
    """Relabels a JSON answer for clients that asked for graphql-response+json."""
    if response.media_type == JSON and wants_graphql_response(request):
        response.headers["content-type"] = GRAPHQL_RESPONSE
        if refused:
            response.status_code = 400
    return response


def http_refusal(status: int, reason: str) -> Response:
    code = HTTP_CODES.get(status, "BAD_REQUEST")
    return JSONResponse({"errors": [{"message": reason, "extensions": {"code": code}}]}, status_code=status)


def refusal_code(response: Response) -> str:
    """The `extensions.code` of a refusal this module or the rate limiter wrote."""
    try:
        return json.loads(response.body)["errors"][0]["extensions"]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        return "BAD_REQUEST"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


UPLOAD_NEEDS_PREFLIGHT = (
    "File uploads (multipart/form-data) need an `Apollo-Require-Preflight` or `X-CourseGraph-Upload` header, "
    "so that another site cannot post them (CSRF)."
)


UPLOAD_NEEDS_CREDENTIAL = "File uploads need `Authorization: Bearer <token or API key>` of a known caller."


async def upload_refusal(request: Request, signed_in: Callable[[], Awaitable[bool]]) -> Response | None:
    """A multipart request without the preflight header (contract §10), or from a caller who is not
    signed in, is refused before its body is read: nobody unknown gets to spool files to disk. One
    that passes is parsed here, at most `MAX_FILES` files, for the GraphQL view."""
    if request.method != "POST" or not is_multipart(request.headers.get("content-type")):
        return None
    if not has_preflight(request.headers):
        return http_refusal(400, UPLOAD_NEEDS_PREFLIGHT)
    if not await signed_in():
        return http_refusal(401, UPLOAD_NEEDS_CREDENTIAL)
    try:
        await request.form(max_files=MAX_FILES)  # Starlette keeps it for the GraphQL view
    except (MultiPartException, HTTPException) as exc:  # a malformed body (an oversized one is BodyLimit's)
        return http_refusal(400, f"Unable to parse the multipart body: {getattr(exc, 'detail', exc)}")
    return None


async def nul_refusal(request: Request) -> Response | None:
    """No text in this API may hold a NUL character (PostgreSQL cannot store one): refused up front.
    In an upload, the operations are text; the files are bytes and may hold anything."""
    query: bytes = request.scope.get("query_string", b"")  # not `request.url`: building it costs more
    suspect = b"\x00" in query or b"%00" in query
    if request.method == "POST":
        if is_multipart(request.headers.get("content-type")):
            operations = (await request.form()).get("operations")
            body = operations.encode() if isinstance(operations, str) else b""
        else:
            body = await request.body()  # Starlette keeps it for the GraphQL view
        if b"\\u0000" in body or b"\x00" in body:
            try:
                suspect = _holds_nul(json.loads(body))
            except ValueError:
                suspect = b"\x00" in body
    if not suspect:
        return None
    error = {"message": "Text may not contain NUL characters.", "extensions": {"code": "BAD_USER_INPUT"}}
    return JSONResponse({"data": None, "errors": [error]})
