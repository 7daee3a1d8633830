"""`POST /integrations/courses-api/completions` (contract §9, seed 001): completion reports of
external courses. The answer is JSON: 200 `{"status": "accepted" | "duplicate"}`, or 400, 401,
404 or 409 with `{"status": "rejected", "message"}`. An accepted report is published to the
progress subscribers of its course, as a mutation's result would be."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph.events import Broker
from models.session import Db
from resolvers import launch
from resolvers.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER


def completions_route(sessions: async_sessionmaker[AsyncSession], events: Broker) -> Route:
    async def completions(request: Request) -> Response:
        raw = await request.body()
        db = Db(sessions)
        try:
            done = await db.transaction(
                launch.receive_completion,
                raw=raw,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER),
            )
        except launch.Rejected as rejected:
            return JSONResponse({"status": "rejected", "message": str(rejected)}, status_code=rejected.status)
        finally:
            await db.close()
        if done is None:
            return JSONResponse({"status": "duplicate"})
        await events.committed(done)
        return JSONResponse({"status": "accepted"})

    return Route("/integrations/courses-api/completions", completions, methods=["POST"])
