"""`POST /integrations/learncube` (seed 000, contract §9): the virtual classroom's callbacks.

Parameters come as a JSON body, a urlencoded form, or the query string (000 shows both); the body
wins over the query string. Every answer is HTTP 200 `application/json;charset=UTF-8`, bad input
included (`status` false and a `message`), never a 500: the classroom shows the message."""

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph.events import Broker
from resolvers.live_sessions import learncube

MEDIA_TYPE = "application/json;charset=UTF-8"
log = logging.getLogger(__name__)


def answer(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=200, media_type=MEDIA_TYPE)


async def parameters(request: Request) -> dict[str, Any] | str:
    """The request's parameters, or why they cannot be read."""
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/x-www-form-urlencoded":
        try:
            params |= dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return "The form could not be read."
    elif raw.strip():
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return "The body is not JSON."
        if not isinstance(body, dict):
            return "The body must be a JSON object."
        params |= body
    return params


def learncube_route(sessions: async_sessionmaker[AsyncSession], events: Broker) -> Route:
    """The route, on the app's sessions (and so its clock) and its subscription broker."""

    async def endpoint(request: Request) -> Response:
        params = await parameters(request)
        if isinstance(params, str):
            return answer(learncube.refused(params).body)
        try:
            async with sessions() as session:
                result = await learncube.callback(session, params=params)
                await session.commit()
        except Exception:
            log.exception("learncube callback failed")
            return answer(learncube.refused("The class could not be checked; try again.").body)
        await events.committed(result)
        return answer(result.body)

    handler: Callable[[Request], Awaitable[Response]] = endpoint
    return Route("/integrations/learncube", handler, methods=["POST"])
