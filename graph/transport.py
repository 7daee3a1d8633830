"""GraphQL over HTTP as contract §2 states it: media type negotiation and the refusal statuses.

With `application/graphql-response+json` a request that never reached execution (syntax,
validation, limits) is 400 and has no `data`; with `application/json` it stays 200 for older
clients. Transport refusals (malformed JSON, a wrong method) are GraphQL-shaped JSON too.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE"}


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
